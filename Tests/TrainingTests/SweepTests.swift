import Foundation
import Testing
@testable import Training

/// Planning a sweep from `--set` lists and seeds, and summarising its runs.
struct SweepTests {
    @Test func theGridIsEveryCombinationTimesEverySeed() throws {
        let plan = try SweepPlan(assignments: ["finetune.learning_rate=1e-4, 3e-4,1e-3", "lora.r=4,8", "finetune.max_steps=50"],
                                 seeds: 2, firstSeed: 42)
        let m = plan.members
        #expect(m.count == 3 * 2 * 2)
        // The first axis varies slowest, seeds fastest.
        #expect(m[0].overrides == ["finetune.learning_rate=1e-4", "lora.r=4", "finetune.max_steps=50"])
        #expect(m[0].seed == 42 && m[1].seed == 43 && m[2].seed == 42)
        #expect(m[1].seedIndex == 1)
        #expect(m[2].overrides == ["finetune.learning_rate=1e-4", "lora.r=8", "finetune.max_steps=50"])
        #expect(m[11].overrides == ["finetune.learning_rate=1e-3", "lora.r=8", "finetune.max_steps=50"])
        // The label names only what varies; both seeds of a setting share it.
        #expect(m[0].setting == "learning_rate=1e-4 r=4" && m[1].setting == m[0].setting)
        #expect(Set(m.map(\.setting)).count == 6)
    }

    @Test func commasInsideListsAndQuotesDoNotSplit() throws {
        let plan = try SweepPlan(assignments: ["lora.target_modules=[query,value],[query,key,value]", "task.label_names=\"a,b\""],
                                 seeds: 1, firstSeed: 0)
        #expect(plan.axes[0].values == ["[query,value]", "[query,key,value]"])
        #expect(plan.axes[1].values == ["\"a,b\""])
        #expect(plan.members.count == 2)
    }

    @Test func noAssignmentsIsOneSettingWithSeveralSeeds() throws {
        let m = try SweepPlan(assignments: [], seeds: 3, firstSeed: 7).members
        #expect(m.map(\.seed) == [7, 8, 9] && m.allSatisfy { $0.setting == "base" && $0.overrides.isEmpty })
    }

    @Test(arguments: [
        (["finetune.learning_rate"], 1, "expected key=value1,value2"),
        (["=1,2"], 1, "the key is empty"),
        (["a.b=1,,2"], 1, "value 2 is empty"),
        (["a.b=1", "a.b=2"], 1, "given twice"),
        (["finetune.seed=1,2"], 1, "use --seeds"),
        ([], 0, "at least 1"),
    ])
    func malformedSweepsAreRefused(assignments: [String], seeds: Int, message: String) {
        #expect { _ = try SweepPlan(assignments: assignments, seeds: seeds, firstSeed: 0) } throws: {
            String(describing: $0).contains(message)
        }
    }

    @Test func settingsAreSummarisedOverSeedsAndPickedByValidationOnly() {
        let results: [SweepSummary.Result] = [
            .init(setting: "lr=1", validation: 0.60, test: 0.90),
            .init(setting: "lr=2", validation: 0.70, test: 0.50),
            .init(setting: "lr=1", validation: 0.64, test: 0.92),
            .init(setting: "lr=2", validation: 0.72, test: 0.52),
            .init(setting: "lr=3", validation: nil, test: nil),
        ]
        let s = SweepSummary(results, greaterIsBetter: true)
        #expect(s.groups.map(\.setting) == ["lr=1", "lr=2", "lr=3"])
        #expect(s.groups.map(\.runs) == [2, 2, 1])
        let v = s.groups[0].validation!
        #expect(abs(v.mean - 0.62) < 1e-12)
        // Sample standard deviation: |0.60 - 0.64| / sqrt(2).
        #expect(abs(v.sd - 0.04 / 2.0.squareRoot()) < 1e-12 && v.count == 2)
        #expect(s.groups[2].validation == nil && s.groups[2].test == nil)
        // lr=1 has the better test scores, but the pick looks at validation only.
        #expect(s.picked == 1)
        #expect(SweepSummary(results, greaterIsBetter: false).picked == 0)
        #expect(SweepSummary.Spread([0.5])?.sd == 0)
        #expect(SweepSummary.Spread([.nan]) == nil)
        #expect(SweepSummary([], greaterIsBetter: true).picked == nil)
    }

    @Test func membershipRoundTripsThroughTheRunsFolder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-sweep-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try RunDirectory.create(in: root, name: "x")
        #expect(try SweepMembership.read(run) == nil)
        let m = SweepMembership(sweep: "20261205-090000-s", setting: "learning_rate=1e-4", overrides: ["finetune.learning_rate=1e-4"],
                                seed: 43, index: 1, count: 4)
        try m.write(to: run)
        #expect(try SweepMembership.read(run) == m)
        try "{".write(to: run.sweep, atomically: true, encoding: .utf8)
        #expect { _ = try SweepMembership.read(run) } throws: { String(describing: $0).contains("sweep.json: not a sweep record") }
    }
}
