/// A summary of one sequence file: format, record count, length distribution, N content,
/// quality offset and class balance. Computed in one streaming pass.
public struct FileStats: Sendable, Codable, Equatable {
    /// Sequence lengths: extremes, mean and median.
    public struct Lengths: Sendable, Codable, Equatable {
        public var min: Int, max: Int, mean: Double, median: Double
        public var total: Int
    }

    public var path: String
    public var split: DatasetSplit?
    public var format: SequenceFormat
    public var compression: ByteInput.Compression
    public var records: Int
    public var lengths: Lengths?
    /// Fraction of all bases that are N.
    public var nFraction: Double
    /// Mean Phred quality over all bases (FASTQ).
    public var meanQuality: Double?
    public var phredOffset: Int?
    /// Records dropped / changed by the ambiguity policy while reading.
    public var ambiguousDropped: Int
    public var ambiguousReplaced: Int
    public var labeled: Bool
    public var balance: ClassBalance

    /// Reads `path` once and summarises it; `census`, when given, counts its labels too.
    /// - Throws: `DataError` for unreadable or malformed input.
    public static func compute(path: String, split: DatasetSplit? = nil, options: ReaderOptions = ReaderOptions(),
                               census: inout LabelCensus) throws -> FileStats {
        let reader = try SequenceReader(path: path, options: options)
        census.beginFile(path, split: split)
        var lengthCounts: [Int: Int] = [:]
        var count = 0, bases = 0, ns = 0, qualitySum = 0, qualityBases = 0
        var labeled = false
        var labels: [String: Int] = [:]
        while let r = try reader.next() {
            count += 1
            lengthCounts[r.sequence.count, default: 0] += 1
            bases += r.sequence.count
            for b in r.sequence where b == UInt8(ascii: "N") { ns += 1 }
            if let q = r.quality { for v in q { qualitySum += Int(v) }; qualityBases += q.count }
            if r.label != nil { labeled = true }
            labels[r.label ?? ClassBalance.unlabeledName, default: 0] += 1
            census.add(r)
        }
        var lengths: Lengths?
        if count > 0 {
            let sorted = lengthCounts.keys.sorted()
            func value(at rank: Int) -> Int {
                var seen = 0
                for l in sorted { seen += lengthCounts[l]!; if seen > rank { return l } }
                return sorted.last!
            }
            let median = count % 2 == 1 ? Double(value(at: count / 2)) : Double(value(at: count / 2 - 1) + value(at: count / 2)) / 2
            lengths = Lengths(min: sorted.first!, max: sorted.last!, mean: Double(bases) / Double(count), median: median, total: bases)
        }
        return FileStats(path: path, split: split, format: reader.format, compression: reader.compression, records: count,
                         lengths: lengths, nFraction: bases == 0 ? 0 : Double(ns) / Double(bases),
                         meanQuality: qualityBases == 0 ? nil : Double(qualitySum) / Double(qualityBases),
                         phredOffset: reader.phredOffset, ambiguousDropped: reader.droppedAmbiguous,
                         ambiguousReplaced: reader.ambiguousReplaced, labeled: labeled, balance: ClassBalance(counts: labels))
    }
}

/// Statistics over a whole dataset: every file, all labels together, and warnings about
/// labels that appear only in validation or test files.
public struct DatasetStats: Sendable, Codable, Equatable {
    public var files: [FileStats]
    public var labelMap: LabelMap
    public var balance: ClassBalance
    public var warnings: [DataWarning]

    /// Summarises the files and pre-split directories at `paths`.
    public static func compute(paths: [String], options: ReaderOptions = ReaderOptions()) throws -> DatasetStats {
        let layout = try DatasetLayout.resolve(paths)
        var census = LabelCensus()
        var files: [FileStats] = []
        for file in layout.files {
            files.append(try FileStats.compute(path: file.path, split: file.split, options: options, census: &census))
        }
        let map = census.labelMap
        return DatasetStats(files: files, labelMap: map, balance: census.balance, warnings: census.splitLabelWarnings)
    }
}
