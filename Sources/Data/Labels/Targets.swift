import Foundation

/// What a dataset's labels are: one class per sequence, numeric targets, or a set of labels.
public enum TaskKind: String, Sendable, Codable, Equatable, CaseIterable {
    /// One class per sequence (binary or multiclass): `LabeledSequences.labels`.
    case classification
    /// One or more real-valued targets per sequence: `LabeledSequences.targets`.
    case regression
    /// Any subset of a fixed set of labels per sequence, as 0/1 in `LabeledSequences.targets`.
    case multiLabel = "multilabel"
}

/// How the label text of a record becomes targets, for regression and multi-label tasks.
///
/// Records carry their label as text (`SequenceRecord.label`) through reading and cleaning;
/// this turns it into numbers:
/// - **regression**: a number, or — with several label columns — one number per column, joined
///   by `ReaderOptions.labelColumnSeparator`;
/// - **multi-label**, one column: label names separated by `delimiter` (`CTCF;YY1`; an empty
///   cell is a sequence with no label); several columns: one 0/1 cell per label, the columns
///   naming the labels.
public struct TargetSpec: Sendable, Equatable, Codable {
    /// Regression or multi-label (a classification spec reads no targets).
    public var kind: TaskKind
    /// Regression: the target names (the label columns, or the one label column's name).
    /// Multi-label: the label names; with one delimited column and no names given, nil until
    /// the data names them (every name that occurs, sorted).
    public var names: [String]?
    /// Whether the labels come from several columns (one per target or label).
    public var fromColumns: Bool
    /// Multi-label in one column: the separator between names.
    public var delimiter: String
    /// Regression: copies of one sequence whose targets differ by more than this are a
    /// conflict (every copy is removed and reported); within it they are duplicates.
    public var tolerance: Double

    /// A spec of `kind`; see the properties for the rest.
    public init(kind: TaskKind, names: [String]? = nil, fromColumns: Bool = false, delimiter: String = ";",
                tolerance: Double = 0) {
        self.kind = kind; self.names = names; self.fromColumns = fromColumns; self.delimiter = delimiter
        self.tolerance = tolerance
    }

    /// The targets of one label text: the values (regression) or a 0/1 per name (multi-label,
    /// `names` given).
    /// - Throws: `DataError` at `position` for a value that is not a finite number, a wrong
    ///   count of columns, a 0/1 column holding something else, or an unknown label name.
    public func values(of label: String, names: [String], at position: SourcePosition) throws -> [Float] {
        switch kind {
        case .classification:
            throw DataError(file: position.file, line: position.line, "a classification label has no targets")
        case .regression:
            let cells = label.components(separatedBy: ReaderOptions.labelColumnSeparator)
            guard cells.count == names.count else {
                throw DataError(file: position.file, line: position.line,
                                "\(cells.count) target value(s), expected \(names.count) (\(names.joined(separator: ", ")))")
            }
            return try zip(cells, names).map { cell, name in
                let text = cell.trimmingCharacters(in: .whitespaces)
                guard let v = Double(text), v.isFinite, let f = Float(exactly: Float(v)), f.isFinite else {
                    throw DataError(file: position.file, line: position.line,
                                    "'\(cell)' is not a finite number (target '\(name)' of a regression task)")
                }
                return f
            }
        case .multiLabel:
            if fromColumns {
                let cells = label.components(separatedBy: ReaderOptions.labelColumnSeparator)
                guard cells.count == names.count else {
                    throw DataError(file: position.file, line: position.line, "\(cells.count) label column(s), expected \(names.count)")
                }
                return try zip(cells, names).map { cell, name in
                    switch cell.trimmingCharacters(in: .whitespaces) {
                    case "0", "0.0", "false", "False": return 0
                    case "1", "1.0", "true", "True": return 1
                    default:
                        throw DataError(file: position.file, line: position.line,
                                        "'\(cell)' in label column '\(name)' is not 0 or 1")
                    }
                }
            }
            var row = [Float](repeating: 0, count: names.count)
            for name in Self.split(label, delimiter: delimiter) {
                guard let i = names.firstIndex(of: name) else {
                    throw DataError(file: position.file, line: position.line,
                                    "unknown label '\(name)' (known: \(names.joined(separator: ", ")))")
                }
                row[i] = 1
            }
            return row
        }
    }

    /// The label names one delimited multi-label cell holds: trimmed, empty ones dropped.
    public static func split(_ label: String, delimiter: String) -> [String] {
        label.components(separatedBy: delimiter).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The label text with the same meaning written one way, so that identical sequences with
    /// the same targets compare equal in deduplication: a multi-label cell's names sorted and
    /// unique; otherwise unchanged.
    public func canonical(_ label: String) -> String {
        guard kind == .multiLabel, !fromColumns else { return label }
        return Array(Set(Self.split(label, delimiter: delimiter))).sorted().joined(separator: delimiter)
    }

    /// The names of the targets or labels of `labels` (texts as read): `names` when given,
    /// else (one delimited multi-label column) every name that occurs, sorted.
    public func resolvedNames(from labels: some Sequence<String>) -> [String] {
        if let names { return names }
        guard kind == .multiLabel else { return ["label"] }
        var seen = Set<String>()
        for l in labels { seen.formUnion(Self.split(l, delimiter: delimiter)) }
        return seen.sorted()
    }
}
