/// What cleaning did, step by step and per class: the record of a cleaning run, written as
/// JSON beside the cleaned file.
public struct CleaningReport: Sendable, Codable, Equatable {
    /// One step of the pipeline.
    public struct Step: Sendable, Codable, Equatable {
        /// Step name: `ambiguous`, `quality-trim`, `adapter-trim`, `adapter-discard`,
        /// `too-short`, `too-long`, `max-n`, `mean-quality`, `conflicts`, `duplicates`.
        public var name: String
        /// Whether the step ran.
        public var enabled: Bool
        /// Records removed, per label.
        public var removed: [String: Int] = [:]
        /// Records changed (trimmed) but kept, per label.
        public var changed: [String: Int] = [:]
        /// Bases cut by a trimming step.
        public var basesTrimmed: Int = 0

        public init(name: String, enabled: Bool) { self.name = name; self.enabled = enabled }

        /// Total records removed.
        public var removedTotal: Int { removed.values.reduce(0, +) }
        /// Total records changed.
        public var changedTotal: Int { changed.values.reduce(0, +) }
    }

    /// The input file and its format.
    public var source: String
    public var format: SequenceFormat
    /// The FASTQ quality offset used, when the input is FASTQ.
    public var phredOffset: Int?
    /// Why that offset (given, or what detection saw), when the input is FASTQ.
    public var phredEvidence: String?
    /// The options the run used.
    public var options: CleaningOptions
    /// Class counts before and after.
    public var input: ClassBalance
    public var output: ClassBalance
    /// Steps in the order they run.
    public var steps: [Step]
    /// Where the first few conflicting sequences were seen (file:line).
    public var conflictExamples: [String]
    /// Problems worth knowing that did not stop the run.
    public var warnings: [DataWarning]

    /// The step named `name`.
    public func step(_ name: String) -> Step? { steps.first { $0.name == name } }

    /// What the steps removed, in one line: `ambiguous 20, duplicates 3`; empty when nothing.
    public var removedText: String {
        steps.filter { $0.removedTotal > 0 }.map { "\($0.name) \($0.removedTotal)" }.joined(separator: ", ")
    }

    /// `source: 200 → 180 records (ambiguous 20)` when cleaning removed records, else nil.
    public var removalLine: String? {
        input.total == output.total ? nil : "\(source): \(input.total) → \(output.total) records (\(removedText))"
    }

    /// A short human-readable summary, one line per enabled step.
    public var summary: String {
        var lines = ["\(source) (\(format.rawValue)): \(input.total) records in, \(output.total) out"]
        if let phredEvidence { lines.append("  quality: " + phredEvidence) }
        for s in steps where s.enabled {
            var parts: [String] = []
            if s.removedTotal > 0 || s.changedTotal == 0 { parts.append("removed \(s.removedTotal)") }
            if s.changedTotal > 0 { parts.append("trimmed \(s.changedTotal) (\(s.basesTrimmed) bases)") }
            let perClass = s.removed.count > 1 ? " [" + s.removed.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" : ""
            lines.append("  \(s.name): " + parts.joined(separator: ", ") + perClass)
        }
        return lines.joined(separator: "\n")
    }
}
