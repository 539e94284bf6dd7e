import Foundation
public import NIOSSL

/// The certificate and key the daemon serves HTTPS with (`--tls-cert`, `--tls-key`).
///
/// Loaded once at start, before the port is bound, so that a missing or malformed file
/// stops the daemon with a message naming the file rather than failing each handshake.
public struct ServerTLS: Sendable {
    public let certificatePath: String
    public let keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// Under TLS 1.2, only forward-secret key exchange (ECDHE) with authenticated encryption (GCM, ChaCha20):
    /// no static-RSA key exchange, no CBC with SHA-1. TLS 1.3's suites are all of that kind already.
    static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// The server's TLS configuration: the certificate chain of the PEM file, its private key, TLS 1.2 at least,
    /// and `cipherSuites` only.
    /// - Throws: `ServerTLSError` naming the file that cannot be used and why.
    public func configuration() throws(ServerTLSError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw ServerTLSError("tls certificate \(certificatePath): \(Self.describe(error, file: certificatePath))")
        }
        guard !chain.isEmpty else { throw ServerTLSError("tls certificate \(certificatePath): no PEM certificate in the file") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw ServerTLSError("tls key \(keyPath): \(Self.describe(error, file: keyPath))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = Self.cipherSuites
        return configuration
    }

    private static func describe(_ error: any Error, file: String) -> String {
        guard FileManager.default.isReadableFile(atPath: file) else { return "cannot read the file" }
        return "not a usable PEM file (\(error))"
    }
}

/// Why the daemon cannot serve HTTPS with the files it was given.
public struct ServerTLSError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
