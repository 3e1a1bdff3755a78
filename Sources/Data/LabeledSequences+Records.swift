extension LabeledSequences {
    /// The labeled sequences of `records`, with class ids from `labelMap`.
    /// - Throws: `DataError` naming the record's file and line when it has no label or a
    ///   label the map does not know.
    public init(records: [SequenceRecord], labelMap: LabelMap) throws {
        self.init(labelNames: labelMap.names)
        for r in records {
            guard let label = r.label else {
                throw DataError(file: r.position.file, line: r.position.line, "record '\(r.id)' has no label")
            }
            append(r.sequence, label: try labelMap.id(of: label, at: r.position))
        }
    }

    /// The class balance (counts, percentages, imbalance ratio) by label name.
    public var classBalance: ClassBalance {
        var counts: [String: Int] = [:]
        for (name, n) in zip(labelNames, classCounts) { counts[name] = n }
        return ClassBalance(counts: counts, labelMap: LabelMap(labels: labelNames))
    }

    /// The records of this dataset (ids `prefix1`, `prefix2`, ...; labels by name), e.g. for
    /// writing a split with `SequenceWriter`.
    public func records(file: String, idPrefix: String = "seq") -> [SequenceRecord] {
        zip(sequences, labels).enumerated().map { i, pair in
            SequenceRecord(id: "\(idPrefix)\(i + 1)", sequence: pair.0, label: labelNames[pair.1],
                           position: SourcePosition(file: file, line: i + 2))
        }
    }
}

extension LabeledSequences {
    /// The regression or multi-label dataset of `records`: each record's label text turned into
    /// `names.count` targets by `spec`.
    /// - Throws: `DataError` naming the record's file and line when it has no label or one
    ///   `spec` cannot read.
    public init(records: [SequenceRecord], spec: TargetSpec, names: [String]) throws {
        self.init(labelNames: names, kind: spec.kind)
        for r in records {
            guard let label = r.label else {
                throw DataError(file: r.position.file, line: r.position.line, "record '\(r.id)' has no label")
            }
            append(r.sequence, targets: try spec.values(of: label, names: names, at: r.position))
        }
    }
}
