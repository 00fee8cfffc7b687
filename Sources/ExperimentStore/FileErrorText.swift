import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Says why a file could not be read, in plain words: Foundation's own descriptions on Linux ("The operation
/// could not be completed", "NSCocoaErrorDomain error 260") name its internals, not the cause.
public enum FileErrorText {
    /// The cause of a failed file operation: the system's text for its errno when Foundation kept one
    /// (e.g. "No such file or directory", "Permission denied", "Is a directory"), else a short reason.
    ///
    /// - Parameter error: the error Foundation threw.
    /// - Returns: the reason, without Foundation's domain or code.
    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        guard let cocoa = error as? CocoaError else { return "it cannot be read" }
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "No such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "Permission denied"
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding: return "it is not UTF-8 text"
        case .fileReadTooLarge: return "it is too large"
        case .fileWriteOutOfSpace: return "No space left on device"
        default: return "it cannot be read"
        }
    }
}
