import Data
import Foundation

/// A grid of runs of one config: every combination of the values given to `--set`
/// (`finetune.learning_rate=1e-4,3e-4,1e-3`), each trained with `seeds` seeds in turn
/// (`finetune.seed`, `+1`, `+2`, ...), so that a setting is judged by its mean over seeds and
/// the best setting is picked by validation score only (`SweepSummary`).
public struct SweepPlan: Sendable, Equatable {
    /// One swept config key and its values, as YAML scalars or flow lists.
    public struct Axis: Sendable, Equatable {
        public var key: String
        public var values: [String]
    }

    /// One run of the sweep: its setting (a value per axis) and its seed.
    public struct Member: Sendable, Equatable {
        /// `key=value` for every axis, in the axes' order.
        public var overrides: [String]
        /// `finetune.seed` for this run.
        public var seed: Int
        /// Which seed of its setting this is (0-based).
        public var seedIndex: Int
        /// The setting as `key=value` pairs of the axes with several values, last key component
        /// only (`learning_rate=0.0003`), or `base` when nothing varies: the group's label, the
        /// same for every seed.
        public var setting: String
    }

    public var axes: [Axis]
    public var seeds: Int
    /// The config's own `finetune.seed`: the first seed of every setting.
    public var firstSeed: Int

    /// Reads `--set key=v1,v2,...` assignments (commas inside `[...]`, `{...}` or quotes do not
    /// split) and the number of seeds; throws `SweepError` for a malformed assignment, a key
    /// given twice, an empty value, `finetune.seed` (use the seed count) or fewer than one seed.
    public init(assignments: [String], seeds: Int, firstSeed: Int) throws {
        guard seeds >= 1 else { throw SweepError("--seeds must be at least 1, got \(seeds)") }
        var axes: [Axis] = []
        for text in assignments {
            guard let eq = text.firstIndex(of: "=") else {
                throw SweepError("--set \(text): expected key=value1,value2,... (e.g. finetune.learning_rate=1e-4,3e-4)")
            }
            let key = text[..<eq].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw SweepError("--set \(text): the key is empty") }
            guard key != "finetune.seed" else {
                throw SweepError("--set \(text): a sweep sets finetune.seed itself; use --seeds N for N seeds per setting")
            }
            guard !axes.contains(where: { $0.key == key }) else { throw SweepError("--set \(key) is given twice") }
            let values = Self.splitValues(String(text[text.index(after: eq)...]))
            if let i = values.firstIndex(where: { $0.isEmpty }) {
                throw SweepError("--set \(text): value \(i + 1) is empty")
            }
            axes.append(Axis(key: key, values: values))
        }
        self.axes = axes; self.seeds = seeds; self.firstSeed = firstSeed
    }

    /// Every run, setting by setting (the first axis varying slowest), each setting's seeds in turn.
    public var members: [Member] {
        var settings: [[(key: String, value: String)]] = [[]]
        for axis in axes {
            settings = settings.flatMap { s in axis.values.map { s + [(axis.key, $0)] } }
        }
        let varied = Set(axes.filter { $0.values.count > 1 }.map(\.key))
        return settings.flatMap { s in
            let label = s.filter { varied.contains($0.key) }.map { "\($0.key.split(separator: ".").last!)=\($0.value)" }
            return (0..<seeds).map { k in
                Member(overrides: s.map { "\($0.key)=\($0.value)" }, seed: firstSeed + k, seedIndex: k,
                       setting: label.isEmpty ? "base" : label.joined(separator: " "))
            }
        }
    }

    /// Splits `v1,v2,...` on commas outside brackets, braces and quotes; trims each value.
    static func splitValues(_ text: String) -> [String] {
        var values: [String] = [], current = "", depth = 0
        var quote: Character?
        for ch in text {
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == "[" || ch == "{" {
                depth += 1
            } else if ch == "]" || ch == "}" {
                depth -= 1
            } else if ch == "," && depth == 0 {
                values.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue
            }
            current.append(ch)
        }
        values.append(current.trimmingCharacters(in: .whitespaces))
        return values
    }
}

/// What a sweep writes into each of its runs' directories (`sweep.json`), so that the Runs
/// screen and `dnatune sweep` can group them: the sweep's id, the run's setting and seed.
public struct SweepMembership: Codable, Sendable, Equatable {
    /// `<yyyyMMdd-HHmmss>-<name>` of the sweep, shared by all its runs.
    public var sweep: String
    /// The setting's label (`learning_rate=0.0003`).
    public var setting: String
    /// The `--set` assignments of the setting.
    public var overrides: [String]
    public var seed: Int
    /// The run's place in the sweep (0-based) and the sweep's size.
    public var index: Int
    public var count: Int

    public init(sweep: String, setting: String, overrides: [String], seed: Int, index: Int, count: Int) {
        self.sweep = sweep; self.setting = setting; self.overrides = overrides; self.seed = seed
        self.index = index; self.count = count
    }

    /// Reads a run's `sweep.json`; nil when the run is not part of a sweep.
    public static func read(_ run: RunDirectory) throws -> SweepMembership? {
        guard FileManager.default.fileExists(atPath: run.sweep.path) else { return nil }
        do {
            return try JSONDecoder().decode(SweepMembership.self, from: Foundation.Data(contentsOf: run.sweep))
        } catch {
            throw RunError("\(run.sweep.path): not a sweep record (\(error))")
        }
    }

    /// Writes it as the run's `sweep.json`.
    public func write(to run: RunDirectory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)) + [10], to: run.sweep.path)
    }
}

/// A sweep's runs grouped by setting: the mean and spread over seeds of the best validation
/// score and of the test score, and the setting picked by mean validation score alone.
public struct SweepSummary: Sendable, Equatable {
    /// One finished (or partly finished) run of the sweep.
    public struct Result: Sendable, Equatable {
        public var setting: String
        /// The run's best validation value of the sweep's metric; nil if it never evaluated.
        public var validation: Double?
        /// The run's test value of the metric; nil before (or without) a test.
        public var test: Double?
        public init(setting: String, validation: Double?, test: Double?) {
            self.setting = setting; self.validation = validation; self.test = test
        }
    }

    /// Mean and sample standard deviation (0 for one value) of some values; nil when none.
    public struct Spread: Sendable, Equatable {
        public var mean: Double
        public var sd: Double
        public var count: Int

        public init?(_ values: [Double]) {
            let v = values.filter(\.isFinite)
            guard !v.isEmpty else { return nil }
            let m = v.reduce(0, +) / Double(v.count)
            mean = m
            sd = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
            count = v.count
        }

        /// `0.712 ± 0.013` (4 significant digits).
        public var text: String {
            count > 1 ? String(format: "%.4g ± %.2g", mean, sd) : String(format: "%.4g", mean)
        }
    }

    /// One setting's row.
    public struct Group: Sendable, Equatable {
        public var setting: String
        /// How many runs the setting has (finished or not).
        public var runs: Int
        public var validation: Spread?
        public var test: Spread?
    }

    /// The settings in the order their first run appears.
    public var groups: [Group]
    /// The index in `groups` of the setting with the best mean validation score (nil while no
    /// setting has one); test scores never take part.
    public var picked: Int?

    /// Groups `results` by setting; `greaterIsBetter` is the metric's direction.
    public init(_ results: [Result], greaterIsBetter: Bool) {
        var order: [String] = []
        for r in results where !order.contains(r.setting) { order.append(r.setting) }
        groups = order.map { setting in
            let members = results.filter { $0.setting == setting }
            return Group(setting: setting, runs: members.count, validation: Spread(members.compactMap(\.validation)),
                         test: Spread(members.compactMap(\.test)))
        }
        picked = nil
        for (i, g) in groups.enumerated() {
            guard let v = g.validation?.mean else { continue }
            if let p = picked, let best = groups[p].validation?.mean, greaterIsBetter ? v <= best : v >= best { continue }
            picked = i
        }
    }
}

/// A sweep that cannot be planned as given.
public struct SweepError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
