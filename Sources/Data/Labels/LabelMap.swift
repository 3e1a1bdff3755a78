/// Maps label names, as written in the files, to dense class ids `0..<count` and back.
///
/// Ids are stable: when every label is an integer they are ordered numerically (`"2" < "10"`),
/// otherwise by name (byte order). Build it from the labels of *all* splits, so train and
/// test agree. Shown everywhere by name; recorded (Codable) with the dataset.
public struct LabelMap: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The label names, index = class id.
    public let names: [String]
    private let ids: [String: Int]

    /// Builds the map from any collection of labels (duplicates are fine).
    public init(labels: some Sequence<String>) {
        let unique = Set(labels)
        let allIntegers = !unique.isEmpty && unique.allSatisfy { Int($0) != nil }
        names = allIntegers
            ? unique.sorted { Int($0)! != Int($1)! ? Int($0)! < Int($1)! : $0 < $1 }
            : unique.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var ids: [String: Int] = [:]
        for (i, n) in names.enumerated() { ids[n] = i }
        self.ids = ids
    }

    /// The number of classes.
    public var count: Int { names.count }
    /// True when every label is an integer.
    public var isNumeric: Bool { !names.isEmpty && names.allSatisfy { Int($0) != nil } }

    /// The class id of a label, or nil when it is unknown.
    public func id(of label: String) -> Int? { ids[label] }

    /// The label name of a class id.
    public func name(of id: Int) -> String { names[id] }

    /// The class id of a label.
    /// - Throws: `DataError` naming the record's position when the label is unknown.
    public func id(of label: String, at position: SourcePosition) throws -> Int {
        guard let id = ids[label] else {
            throw DataError(file: position.file, line: position.line,
                            "unknown label '\(label)' (known: \(names.joined(separator: ", ")))")
        }
        return id
    }

    public var description: String { names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " ") }

    private enum CodingKeys: String, CodingKey { case names }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let names = try c.decode([String].self, forKey: .names)
        self.names = names
        var ids: [String: Int] = [:]
        for (i, n) in names.enumerated() { ids[n] = i }
        self.ids = ids
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(names, forKey: .names)
    }
}
