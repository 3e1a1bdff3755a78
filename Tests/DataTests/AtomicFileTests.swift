import Foundation
import Testing
@testable import Data

/// Atomic file writes and directory replacement: content lands whole, nothing temporary is left
/// behind, failures leave the old content in place and name the path.
@Suite struct AtomicFileTests {
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "atomicfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func listing(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10, 100_000])
    func writesExactBytes(_ size: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: dir + "/f.bin")
        #expect(try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/f.bin"))) == bytes)
        #expect(try Self.listing(dir) == ["f.bin"])
    }

    /// Files and replaced folders get the permissions the user's umask gives (not mkstemp's 0600
    /// or mkdtemp's 0700), so a group can read runs on a shared server when the umask says so.
    @Test func permissionsFollowTheUmask() throws {
        let dir = URL(fileURLWithPath: try Self.scratch())
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f.txt").path, folder = dir.appendingPathComponent("ckpt").path
        try AtomicFile.write(text: "x", to: file)
        try AtomicFile.replaceDirectory(at: folder) { try AtomicFile.write(text: "y", to: $0 + "/inner.txt") }
        try AtomicFile.createDirectory(atPath: dir.appendingPathComponent("a/b/c").path)
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        let mask = Int(AtomicFile.umaskBits)
        #expect(try mode(file) == 0o666 & ~mask)
        #expect(try mode(folder) == 0o777 & ~mask)
        #expect(try mode(folder + "/inner.txt") == 0o666 & ~mask)
        #expect(try mode(dir.appendingPathComponent("a/b/c").path) == 0o777 & ~mask)
    }

    /// A folder that cannot be made is an error naming it, in dnatune's words.
    @Test func createDirectoryErrorsNameTheFolder() throws {
        let dir = URL(fileURLWithPath: try Self.scratch())
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plain")
        try AtomicFile.write(text: "x", to: file.path)
        do {
            try AtomicFile.createDirectory(atPath: file.appendingPathComponent("sub").path)
            Issue.record("a folder inside a file was made")
        } catch let error as DataError {
            #expect(error.description.contains(file.path) && error.description.contains("not a folder"), "\(error)")
            #expect(!error.description.contains("NSCocoaErrorDomain"))
        }
    }

    @Test func replacesExistingFileAndStreams() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(text: "old content that is longer", to: dir + "/c.json")
        let floats: [Float] = [1, -2, 0.5]
        try AtomicFile.write(to: dir + "/c.json") { w in
            try w.write(Array("new".utf8))
            try floats.withUnsafeBufferPointer { try w.write(contentsOf: $0) }
            #expect(w.bytesWritten == 3 + 12)
        }
        let back = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/c.json")))
        #expect(back.count == 15 && Array(back[0..<3]) == Array("new".utf8))
        #expect(try Self.listing(dir) == ["c.json"])
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/c.json")[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    struct Boom: Error {}

    @Test func failedWriteKeepsOldContentAndCleansUp() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(text: "keep", to: dir + "/k.txt")
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: dir + "/k.txt") { w in try w.write(Array("partial".utf8)); throw Boom() }
        }
        #expect(try String(contentsOfFile: dir + "/k.txt", encoding: .utf8) == "keep")
        #expect(try Self.listing(dir) == ["k.txt"])
    }

    @Test func missingDirectoryIsAnErrorNamingThePath() throws {
        let path = "/nonexistent-\(UUID().uuidString)/x.bin"
        do {
            try AtomicFile.write([1, 2, 3], to: path)
            Issue.record("expected an error")
        } catch let error as DataError {
            #expect(error.file == path && error.description.contains("temporary file"))
        }
    }

    @Test func replaceDirectoryCreatesThenReplaces() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/checkpoint"
        try AtomicFile.replaceDirectory(at: target) { tmp in
            #expect(tmp.hasPrefix(target + ".tmp-"))
            try AtomicFile.write(text: "one", to: tmp + "/a.txt")
            try FileManager.default.createDirectory(atPath: tmp + "/sub", withIntermediateDirectories: false)
            try AtomicFile.write(text: "deep", to: tmp + "/sub/b.txt")
        }
        #expect(try Self.listing(target) == ["a.txt", "sub"])
        try AtomicFile.replaceDirectory(at: target + "/") { tmp in try AtomicFile.write(text: "two", to: tmp + "/c.txt") }
        #expect(try Self.listing(target) == ["c.txt"])
        #expect(try String(contentsOfFile: target + "/c.txt", encoding: .utf8) == "two")
        #expect(try Self.listing(dir) == ["checkpoint"])
    }

    /// A crash between `replaceDirectory`'s two renames leaves no `path`, the previous version
    /// moved aside and the new one under its temporary name: recovery puts the newest non-empty
    /// moved-aside directory back, and does nothing when `path` is there.
    @Test func recoverDirectoryUndoesACrashBetweenTheRenames() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/last"
        try AtomicFile.replaceDirectory(at: target) { tmp in try AtomicFile.write(text: "step 30", to: tmp + "/state") }
        #expect(try !AtomicFile.recoverDirectory(at: target))
        // An empty placeholder from an earlier crash, then the crash between the renames.
        try FileManager.default.createDirectory(atPath: dir + "/last.old-AAAAAA", withIntermediateDirectories: false)
        Thread.sleep(forTimeInterval: 0.02)
        #expect(rename(target, dir + "/last.old-BBBBBB") == 0)
        try FileManager.default.createDirectory(atPath: dir + "/last.tmp-CCCCCC", withIntermediateDirectories: false)
        try AtomicFile.write(text: "step 35", to: dir + "/last.tmp-CCCCCC/state")
        #expect(try AtomicFile.recoverDirectory(at: target))
        #expect(try String(contentsOfFile: target + "/state", encoding: .utf8) == "step 30")
        #expect(try !AtomicFile.recoverDirectory(at: target))
        // Nothing moved aside: nothing to do.
        #expect(try !AtomicFile.recoverDirectory(at: dir + "/best"))
    }

    @Test func failedFillLeavesOldDirectory() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/best"
        try AtomicFile.replaceDirectory(at: target) { tmp in try AtomicFile.write(text: "v1", to: tmp + "/w") }
        #expect(throws: Boom.self) {
            try AtomicFile.replaceDirectory(at: target) { tmp in try AtomicFile.write(text: "v2", to: tmp + "/w"); throw Boom() }
        }
        #expect(try String(contentsOfFile: target + "/w", encoding: .utf8) == "v1")
        #expect(try Self.listing(dir) == ["best"])
    }

    @Test func refusesToReplaceAFileWithADirectory() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(text: "plain", to: dir + "/x")
        #expect(throws: DataError.self) { try AtomicFile.replaceDirectory(at: dir + "/x") { _ in } }
        #expect(try Self.listing(dir) == ["x"])
    }
}
