import Foundation

/// An error in words an operator can act on. Foundation's file errors print as "error 512" with the system's own
/// words (a full disk, a file too large, a permission) hidden in their underlying error: those words are brought
/// out, with the file's path.
public enum FailureText {
    public static func describe(_ error: any Error) -> String {
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        let path = cocoa.filePath ?? cocoa.url?.path
        let underlying = cocoa.underlying as NSError?
        let words: String =
            if let underlying, underlying.domain == NSPOSIXErrorDomain {
                system(Int32(underlying.code))
            } else {
                underlying?.localizedDescription ?? cocoa.localizedDescription
            }
        return path.map { "\($0): \(words)" } ?? words
    }

    /// The system's words for an `errno` value: "No space left on device".
    public static func system(_ code: Int32) -> String { String(cString: strerror(code)) }
}
