import Foundation
import Testing

/// `dnatune sweep` through the real binary: the grid's runs one after another, each an
/// ordinary run with its `sweep.json`, and the summary that picks by validation score only.
@Suite struct SweepCommandTests {
    @Test func aSweepTrainsEverySettingWithEverySeedAndPicksByValidation() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config(maxSteps: 10, saveSteps: 5))
        let r = try runProcess(Binary.url, ["sweep", config, "--set", "finetune.learning_rate=1e-3,3e-3", "--seeds", "2",
                                            "--set", "finetune.logging_steps=5", "--name", "lr"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let runs = p.runDirectories().filter { !$0.lastPathComponent.hasSuffix(".sweep.json") }
        try #require(runs.count == 4, "\(runs)")
        var seen: [(setting: String, seed: Int, index: Int)] = []
        for run in runs {
            let member = try jsonObject(run.appendingPathComponent("sweep.json"))
            #expect(member["count"] as? Int == 4)
            let seed = try #require(member["seed"] as? Int)
            let setting = try #require(member["setting"] as? String)
            seen.append((setting, seed, try #require(member["index"] as? Int)))
            // Each run's own config carries its setting and seed.
            let yaml = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
            #expect(yaml.contains("seed: \(seed)\n"))
            let rate = try #require(yaml.split(separator: "\n").first { $0.contains("learning_rate:") })
            #expect(Double(rate.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) == Double(setting.dropFirst("learning_rate=".count)))
            #expect((try jsonObject(run.appendingPathComponent("status.json")))["state"] as? String == "completed")
            #expect(run.lastPathComponent.hasSuffix("-lr-\(setting.replacingOccurrences(of: "=", with: "_"))-seed\(seed)"))
        }
        seen.sort { $0.index < $1.index }
        #expect(seen.map(\.index) == [0, 1, 2, 3])
        #expect(seen.map(\.setting) == ["learning_rate=1e-3", "learning_rate=1e-3", "learning_rate=3e-3", "learning_rate=3e-3"])
        #expect(seen.map(\.seed) == [9, 10, 9, 10])

        // The summary: every run's values, each setting's mean over its seeds, the pick by validation.
        let file = try #require(p.runDirectories().first { $0.lastPathComponent.hasSuffix("-lr.sweep.json") })
        let summary = try jsonObject(file)
        #expect(summary["metric"] as? String == "eval_loss" && summary["greater_is_better"] as? Bool == false)
        let members = try #require(summary["runs"] as? [[String: Any]])
        let settings = try #require(summary["settings"] as? [[String: Any]])
        #expect(members.count == 4 && settings.count == 2)
        var means: [String: Double] = [:]
        for s in settings {
            let name = try #require(s["setting"] as? String)
            let values = members.filter { $0["setting"] as? String == name }.compactMap { $0["validation"] as? Double }
            #expect(values.count == 2)
            let mean = values.reduce(0, +) / 2
            #expect(abs((s["validation_mean"] as? Double ?? .nan) - mean) < 1e-12)
            means[name] = mean
        }
        let lowest = means.min { $0.value < $1.value }!.key
        #expect(summary["picked"] as? String == lowest)
        #expect(r.stdout.contains("picked (best mean eval_loss, validation only): \(lowest)"), "\(r.stdout)")
    }

    @Test func aMalformedSweepStartsNoRun() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config())
        let r = try runProcess(Binary.url, ["sweep", config, "--set", "finetune.learning_rate=1e-3,fast"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("learning_rate"), "\(r.stderr)")
        let seed = try runProcess(Binary.url, ["sweep", config, "--set", "finetune.seed=1,2"])
        #expect(seed.status == 2 && seed.stderr.contains("use --seeds N"), "\(seed.stderr)")
        #expect(p.runDirectories().isEmpty)
    }
}
