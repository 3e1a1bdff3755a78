import Foundation
import Testing
import Training
@testable import TUI

/// Shared setup of the dashboard tests: a temporary working directory, a tiny but real
/// training config over the built-in demo, and file snapshots of rendered frames.
enum DashboardFixtures {
    /// A fresh empty directory.
    /// Waits for a background data load (`startLoadingData`, a dataset chosen) to be taken.
    static func waitForData(_ s: inout DashboardState, timeout: Double = 60) {
        let end = Date().addingTimeInterval(timeout)
        while s.dataJob != nil && Date() < end {
            Thread.sleep(forTimeInterval: 0.01)
            s.drain()
        }
    }

    /// The same for the state an app holds.
    static func waitForData(_ app: App<DashboardState>, timeout: Double = 60) {
        waitForData(&app.state, timeout: timeout)
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-dash-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The demo config shrunk to train in seconds in a debug build: hidden 16, one layer,
    /// 32 tokens, `steps` steps of 16, evaluating every 4 steps.
    static func tinyConfig(outputDir: String, steps: Int = 8) throws -> TrainConfig {
        try TrainConfig.parse(yaml: DemoConfig.yaml, overrides: [
            "finetune.output_dir=\(outputDir)", "finetune.max_steps=\(steps)", "finetune.eval_steps=4",
            "finetune.save_steps=4", "finetune.logging_steps=1", "finetune.per_device_train_batch_size=16",
            "model.hidden_size=16", "model.num_hidden_layers=1", "model.num_attention_heads=2",
            "model.intermediate_size=32", "data.tokenizer.max_length=32",
        ]).config
    }

    /// The package's `Tests/TUITests/Snapshots` folder.
    static let snapshotDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    /// The repository's `models/` folder (the shipped base model).
    static let repositoryModels = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models")

    /// Compares `text` with the snapshot file `name`.txt; with `DNATUNE_RECORD_SNAPSHOTS=1`
    /// (re)writes the file instead.
    static func expectFileSnapshot(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = snapshotDirectory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["DNATUNE_RECORD_SNAPSHOTS"] == "1" {
            try? FileManager.default.createDirectory(at: snapshotDirectory, withIntermediateDirectories: true)
            try? (text + "\n").write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let want = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("no snapshot \(url.path); record it with DNATUNE_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
            return
        }
        #expect(text + "\n" == want, "snapshot \(name) differs:\n\(text)", sourceLocation: sourceLocation)
    }

    /// True when every character is ASCII.
    static func isASCII(_ s: String) -> Bool { s.unicodeScalars.allSatisfy { $0.value < 128 } }

    /// True when the text holds braille dots.
    static func hasBraille(_ s: String) -> Bool { s.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) } }
}
