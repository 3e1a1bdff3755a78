import Foundation

/// Paths of the committed fixtures (Tests/DataTests/Fixtures) and of the optional shared data.
enum FixtureFiles {
    static func path(_ relative: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }
}

/// The shared reference data (../shared/data), found by walking up from the package root or
/// through DNATUNE_SHARED_DATA; tests that need it are disabled when it is absent.
enum SharedData {
    static let directory: String? = {
        if let env = ProcessInfo.processInfo.environment["DNATUNE_SHARED_DATA"],
           FileManager.default.fileExists(atPath: env + "/README.md") { return env }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<8 {
            let candidate = dir.appendingPathComponent("shared/data")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("README.md").path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static var available: Bool { directory != nil }

    static func path(_ relative: String) -> String { (directory ?? "/nonexistent") + "/" + relative }
}
