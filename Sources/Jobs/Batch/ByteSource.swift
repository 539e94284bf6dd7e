import CZlib
import Foundation
import Scheduler

/// A file's bytes, a chunk at a time, never the whole file: plain, or gzip-decompressed when its name ends in `.gz`
/// (several gzip members one after another are read as one stream, as `gunzip` does).
final class ByteSource {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let handle: FileHandle
    let path: String
    private var gzip: GzipInflater?
    /// How much one read asks for.
    let chunkSize: Int

    init(path: String, chunkSize: Int = 1 << 18) throws(Failure) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(description: "\(path): cannot be opened for reading") }
        self.handle = handle
        self.path = path
        self.chunkSize = chunkSize
        if path.hasSuffix(".gz") { gzip = try GzipInflater(path: path) }
    }

    deinit { try? handle.close() }

    /// The next bytes (at most the chunk size); empty at the end. - Throws: a read error or a broken gzip stream,
    /// naming the file.
    func next() throws(Failure) -> [UInt8] {
        var failure: Failure?
        let bytes = [UInt8](unsafeUninitializedCapacity: chunkSize) { buffer, count in
            do throws(Failure) {
                count = try read(into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills the start of `buffer` with the next bytes, straight from the file or from zlib (no array in between):
    /// how many, at least one unless the file has ended (0 then).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        guard buffer.count > 0 else { return 0 }
        if let gzip { return try gzip.inflate(into: buffer, from: self) }
        return try readRaw(into: buffer)
    }

    /// The file's own bytes (compressed ones for a gzip file).
    fileprivate func readRaw(into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        while true {
            let count = Glibc.read(handle.fileDescriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw Failure(description: "\(path): cannot be read (\(FailureText.system(errno)))")
        }
    }
}

/// zlib's inflate over a gzip stream, fed chunk by chunk.
private final class GzipInflater {
    private var stream = z_stream()
    private let path: String
    /// Compressed bytes read so far, to say where a broken stream broke.
    private var consumed = 0
    private var finishedMember = false
    private var sawInput = false
    /// Compressed bytes read from the file and not yet given to zlib (`input[offset..<available]`).
    private var input = [UInt8](repeating: 0, count: 1 << 18)
    private var offset = 0
    private var available = 0

    init(path: String) throws(ByteSource.Failure) {
        self.path = path
        guard ao_inflate_init_gzip(&stream) == Z_OK else { throw ByteSource.Failure(description: "\(path): zlib could not start") }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates into `output` until some bytes are there or the file ends (0): compressed input is read from
    /// `source` as zlib asks for it.
    func inflate(into output: UnsafeMutableRawBufferPointer, from source: ByteSource) throws(ByteSource.Failure) -> Int {
        while true {
            if offset == available {
                let read = input.withUnsafeMutableBytes { bytes in Result { () throws(ByteSource.Failure) in try source.readRaw(into: bytes) } }
                available = try read.get()
                offset = 0
                if available == 0 {
                    guard sawInput else { throw ByteSource.Failure(description: "\(path): empty, not a gzip file") }
                    guard finishedMember else {
                        throw ByteSource.Failure(description: "\(path): the gzip stream ends early (truncated after \(consumed) compressed bytes)")
                    }
                    return 0
                }
                sawInput = true
            }
            if finishedMember {
                // Another gzip member follows.
                guard inflateReset(&stream) == Z_OK else { throw ByteSource.Failure(description: "\(path): zlib could not continue") }
                finishedMember = false
            }
            let offered = available - offset
            let start = offset
            let (code, used, produced) = input.withUnsafeMutableBytes { inputBytes in
                stream.next_in = inputBytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + start
                stream.avail_in = UInt32(offered)
                stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(min(output.count, Int(UInt32.max)))
                let code = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (code, offered - Int(stream.avail_in), min(output.count, Int(UInt32.max)) - Int(stream.avail_out))
            }
            offset += used
            consumed += used
            switch code {
            case Z_STREAM_END: finishedMember = true
            case Z_OK, Z_BUF_ERROR: break
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                throw ByteSource.Failure(description: "\(path): broken gzip data near compressed byte \(consumed) (\(reason))")
            }
            if produced > 0 { return produced }
        }
    }
}
