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
    private let path: String
    private var gzip: GzipInflater?
    private let chunkSize: Int

    init(path: String, chunkSize: Int = 1 << 18) throws(Failure) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(description: "\(path): cannot be opened for reading") }
        self.handle = handle
        self.path = path
        self.chunkSize = chunkSize
        if path.hasSuffix(".gz") { gzip = try GzipInflater(path: path) }
    }

    deinit { try? handle.close() }

    /// The next bytes; empty at the end. - Throws: a read error or a broken gzip stream, naming the file.
    func next() throws(Failure) -> [UInt8] {
        while true {
            let raw: Data
            do {
                raw = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw Failure(description: "\(path): cannot be read (\(FailureText.describe(error)))")
            }
            guard let gzip else { return [UInt8](raw) }
            let output = try gzip.inflate([UInt8](raw), atEnd: raw.isEmpty)
            if !output.isEmpty || raw.isEmpty { return output }
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

    init(path: String) throws(ByteSource.Failure) {
        self.path = path
        guard ao_inflate_init_gzip(&stream) == Z_OK else { throw ByteSource.Failure(description: "\(path): zlib could not start") }
    }

    deinit { inflateEnd(&stream) }

    func inflate(_ input: [UInt8], atEnd: Bool) throws(ByteSource.Failure) -> [UInt8] {
        if atEnd {
            guard sawInput else { throw ByteSource.Failure(description: "\(path): empty, not a gzip file") }
            guard finishedMember else {
                throw ByteSource.Failure(description: "\(path): the gzip stream ends early (truncated after \(consumed) compressed bytes)")
            }
            return []
        }
        sawInput = true
        var output: [UInt8] = []
        var input = input
        var offset = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var outputFull = false
        // Until the input is used up and zlib has given all it holds (a full output buffer may mean more to come).
        while offset < input.count || outputFull {
            if finishedMember {
                guard offset < input.count else { break }
                // Another gzip member follows.
                guard inflateReset(&stream) == Z_OK else { throw ByteSource.Failure(description: "\(path): zlib could not continue") }
                finishedMember = false
            }
            let available = input.count - offset
            let (code, used, produced) = input.withUnsafeMutableBufferPointer { inputBuffer in
                chunk.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_in = inputBuffer.baseAddress! + offset
                    stream.avail_in = UInt32(available)
                    stream.next_out = outputBuffer.baseAddress!
                    stream.avail_out = UInt32(outputBuffer.count)
                    let code = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (code, available - Int(stream.avail_in), outputBuffer.count - Int(stream.avail_out))
                }
            }
            output += chunk[..<produced]
            outputFull = produced == chunk.count
            offset += used
            consumed += used
            switch code {
            case Z_STREAM_END: finishedMember = true
            case Z_OK, Z_BUF_ERROR: if used == 0 && produced == 0 { return output }
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                throw ByteSource.Failure(description: "\(path): broken gzip data near compressed byte \(consumed) (\(reason))")
            }
        }
        return output
    }
}
