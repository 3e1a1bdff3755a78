import Foundation
import CZlib

/// Temporary files for tests, removed when the process ends (names are unique).
enum TempFiles {
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-datatests-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// Writes `bytes` to a new file named `name` (prefixed to stay unique) and returns its path.
    static func write(_ bytes: [UInt8], name: String) -> String {
        let path = directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-\(name)").path
        _ = FileManager.default.createFile(atPath: path, contents: Foundation.Data(bytes))
        return path
    }

    static func write(_ text: String, name: String) -> String { write(Array(text.utf8), name: name) }

    /// Writes gzip-compressed text.
    static func writeGzip(_ text: String, name: String) -> String {
        let path = directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-\(name)").path
        let gz = gzopen(path, "wb")!
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        gzclose(gz)
        return path
    }

    /// A fresh empty directory.
    static func makeDirectory(_ name: String) -> String {
        let path = directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-\(name)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
