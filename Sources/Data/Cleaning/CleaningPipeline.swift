import Foundation

/// Cleans sequence records step by step, streaming, and reports what every step did per
/// class. Steps, in cutadapt's order: 3' quality trimming, adapter trimming (or discarding),
/// then the filters (too short, too long, too many N, low mean quality), then label
/// conflicts and exact duplicates (keeping the first occurrence).
///
/// Identical sequences with different labels are conflicts: every copy is removed. Finding
/// them needs a first pass over labeled input (the source is opened twice); unlabeled input
/// is cleaned in one pass. Duplicate detection keeps one 64-bit hash per distinct sequence
/// (`SequenceHash`, `HashSet64`), never the sequences.
///
/// Not thread-safe: one pipeline per thread.
public final class CleaningPipeline {
    public let options: CleaningOptions

    /// Step names, in order.
    public static let stepNames = CleaningStep.allCases.map(\.name)

    /// - Throws: `DataError` for invalid options (negative lengths, rates outside 0...1,
    ///   adapters with characters other than IUPAC codes).
    public init(options: CleaningOptions) throws {
        self.options = options
        if let m = options.minLength, m < 0 { throw DataError("minimum length must be at least 0, not \(m)") }
        if let m = options.maxLength, m < 0 { throw DataError("maximum length must be at least 0, not \(m)") }
        if let f = options.maxNFraction, !(0...1).contains(f) { throw DataError("maximum N fraction must be within 0...1, not \(f)") }
        if !(0...1).contains(options.adapterMaxErrorRate) {
            throw DataError("adapter error rate must be within 0...1, not \(options.adapterMaxErrorRate)")
        }
        if options.adapterMinOverlap < 1 { throw DataError("adapter minimum overlap must be at least 1") }
        for a in options.adapters {
            if a.isEmpty || !a.uppercased().allSatisfy({ "ACGTURYSWKMBDHVN".contains($0) }) {
                throw DataError("adapter '\(a)' is not a nucleotide sequence")
            }
            if a.uppercased().allSatisfy({ $0 == "N" }) { throw DataError("adapter '\(a)' has only N wildcards") }
        }
    }

    /// Counters of one run.
    private struct Tally: Sendable {
        var removed = [[String: Int]](repeating: [:], count: CleaningStep.allCases.count)
        var changed = [[String: Int]](repeating: [:], count: CleaningStep.allCases.count)
        var bases = [Int](repeating: 0, count: CleaningStep.allCases.count)
        var counting = true
        mutating func remove(_ step: CleaningStep, _ label: String) { if counting { removed[step.rawValue][label, default: 0] += 1 } }
        mutating func change(_ step: CleaningStep, _ label: String, bases n: Int) {
            if counting { changed[step.rawValue][label, default: 0] += 1; bases[step.rawValue] += n }
        }
        mutating func merge(_ other: Tally) {
            guard counting else { return }
            for i in 0..<removed.count {
                removed[i].merge(other.removed[i], uniquingKeysWith: +)
                changed[i].merge(other.changed[i], uniquingKeysWith: +)
                bases[i] += other.bases[i]
            }
        }
    }

    /// Trims and filters one record in place; returns false when a step removes it.
    private static func trimAndFilter(_ r: inout SequenceRecord, _ tally: inout Tally, options: CleaningOptions,
                                      trimmer: AdapterTrimmer?) -> Bool {
        let label = r.label ?? ClassBalance.unlabeledName
        if options.qualityCutoff != nil || options.qualityCutoffFront != nil, r.quality != nil {
            // Read through the record, not a local copy: a copy would retain the qualities and
            // make the trims below copy them.
            let range = r.quality!.withUnsafeBufferPointer {
                QualityTrimmer.trimRange($0, cutoffFront: options.qualityCutoffFront ?? 0, cutoffBack: options.qualityCutoff ?? 0)
            }
            let n = r.sequence.count
            if range.count != n {
                r.sequence.removeSubrange(range.upperBound...)
                r.sequence.removeSubrange(..<range.lowerBound)
                r.quality!.removeSubrange(range.upperBound...)
                r.quality!.removeSubrange(..<range.lowerBound)
                tally.change(.qualityTrim, label, bases: n - range.count)
            }
        }
        if let trimmer, let match = r.sequence.withUnsafeBufferPointer({ trimmer.bestMatch(in: $0) }) {
            if options.adapterMode == .discard { tally.remove(.adapterDiscard, label); return false }
            let cut = match.cutPosition
            let n = r.sequence.count
            r.sequence.removeSubrange(cut...)
            r.quality?.removeSubrange(cut...)
            tally.change(.adapterTrim, label, bases: n - cut)
        }
        let n = r.sequence.count
        if let m = options.minLength, n < m { tally.remove(.tooShort, label); return false }
        if let m = options.maxLength, n > m { tally.remove(.tooLong, label); return false }
        if let f = options.maxNFraction, n > 0 {
            var ns = 0
            for b in r.sequence where b == UInt8(ascii: "N") { ns += 1 }
            if Double(ns) / Double(n) > f { tally.remove(.maxN, label); return false }
        }
        if let mq = options.minMeanQuality, let q = r.quality, n > 0 {
            var sum = 0
            for v in q { sum += Int(v) }
            if Double(sum) / Double(n) < mq { tally.remove(.meanQuality, label); return false }
        }
        return true
    }

    /// Whether a step before deduplication does enough work per record to be worth workers.
    /// (Hashing and formatting alone are not: deduplication on one thread measured as fast as
    /// on two, 1.31-1.35 s against 1.42-1.64 s for 1M gzip reads, the reading and compressing
    /// threads being the bound.)
    private var hasTrimmingWork: Bool { !options.adapters.isEmpty || options.qualityCutoff != nil || options.qualityCutoffFront != nil }

    /// The deduplication hash of a record's sequence (0 when not deduplicating).
    private static func dedupHash(_ r: borrowing SequenceRecord, options: CleaningOptions) -> UInt64 {
        guard options.deduplicate else { return 0 }
        return r.sequence.withUnsafeBufferPointer { SequenceHash.hash($0, canonical: options.reverseComplementDuplicates) }
    }

    /// What cleaning one batch of records hands back: its survivors in input order, each with
    /// its deduplication hash and label, as records or laid out as output bytes.
    private struct BatchResult: Sendable {
        /// The batch's place in the input (0, 1, 2, ...).
        var index = 0
        /// The batch's records: the survivors in input order when the output takes records, every
        /// record after cleaning when it takes bytes. Either way the reader then fills them again
        /// with later records, in the buffers they own.
        var records: [SequenceRecord] = []
        /// The survivors laid out by the formatter, when the output takes bytes, and where each
        /// one's bytes end.
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var hashes: [UInt64] = []
        /// Each survivor's label as an index into `labelNames` (−1: unlabeled).
        var labels: [Int32] = []
        var labelNames: [String] = []
        /// Where the batch's first conflicting records start (10 at most).
        var conflictPositions: [SourcePosition] = []
    }

    /// Cleans batches of records — counts them, trims, filters, hashes, removes conflicts and
    /// lays the survivors out — on whichever thread holds it; one per thread (it owns an
    /// adapter aligner). Deduplication, which needs the input order, is left to the consumer.
    private struct BatchCleaner {
        let options: CleaningOptions
        let trimmer: AdapterTrimmer?
        let formatter: RecordFormatter?
        let conflictHashes: HashSet64
        var counts = Counts()
        var labelIndex: [String: Int32] = [:]
        var labelNames: [String] = []

        init(options: CleaningOptions, formatter: RecordFormatter?, conflictHashes: HashSet64, counting: Bool) {
            self.options = options
            trimmer = options.adapters.isEmpty ? nil
                : AdapterTrimmer(adapters: options.adapters, maxErrorRate: options.adapterMaxErrorRate, minOverlap: options.adapterMinOverlap)
            self.formatter = formatter
            self.conflictHashes = conflictHashes
            counts.tally.counting = counting
        }

        mutating func clean(_ batch: consuming [SequenceRecord], index: Int) -> BatchResult {
            var records = batch
            var result = BatchResult(index: index)
            result.hashes.reserveCapacity(records.count)
            result.labels.reserveCapacity(records.count)
            if formatter != nil {
                result.ends.reserveCapacity(records.count)
                result.bytes.reserveCapacity(records.count * 2 * (records.first?.sequence.count ?? 0) + 64 * records.count)
            }
            var kept = 0
            // Read once: `self` is inout here, and each use inside the loop would copy them.
            let options = self.options, trimmer = self.trimmer, formatter = self.formatter, conflictHashes = self.conflictHashes
            records.withUnsafeMutableBufferPointer { records in
                for i in records.indices {
                    // Each record is moved out into a local (an empty one takes its place, which
                    // allocates nothing) and back: a record borrowed from the buffer by a call is
                    // copied first, a retain and a release of each of its buffers. Records are freed
                    // with the batch, not one by one: freeing memory of the reading thread's malloc
                    // arena takes its lock, and one at a time that measured 8 times the context
                    // switches (and 8 % more time).
                    var r = SequenceRecord(id: "", sequence: [], position: SourcePosition(file: "", line: 0))
                    swap(&r, &records[i])
                    defer { swap(&r, &records[i]) }
                    if counts.tally.counting {
                        if let label = r.label { counts.inputCounts[label, default: 0] += 1 } else { counts.unlabeledIn += 1 }
                        if r.quality != nil { counts.sawQualities = true }
                    }
                    guard CleaningPipeline.trimAndFilter(&r, &counts.tally, options: options, trimmer: trimmer) else { continue }
                    let hash = CleaningPipeline.dedupHash(r, options: options)
                    if conflictHashes.count > 0 && conflictHashes.contains(hash) {
                        counts.tally.remove(.conflicts, r.label ?? ClassBalance.unlabeledName)
                        if result.conflictPositions.count < 10 { result.conflictPositions.append(r.position) }
                        continue
                    }
                    result.hashes.append(hash)
                    if let label = r.label { result.labels.append(labelID(label)) } else { result.labels.append(-1) }
                    if let formatter {
                        formatter.append(r, to: &result.bytes)
                        result.ends.append(result.bytes.count)
                    } else {
                        // Survivors are moved to the front: no record is copied.
                        if kept != i { swap(&r, &records[kept]) }
                        kept += 1
                    }
                }
            }
            if formatter == nil { records.removeLast(records.count - kept) }
            result.records = records
            result.labelNames = labelNames
            return result
        }

        private mutating func labelID(_ label: String) -> Int32 {
            if let known = labelIndex[label] { return known }
            let id = Int32(labelNames.count)
            labelIndex[label] = id
            labelNames.append(label)
            return id
        }
    }

    /// What the cleaners counted: every step's tally, the input per label, and whether any
    /// record had qualities.
    private struct Counts: Sendable {
        var tally = Tally()
        var inputCounts: [String: Int] = [:]
        var unlabeledIn = 0
        var sawQualities = false

        /// Adds another cleaner's counts to these.
        mutating func merge(_ other: Counts) {
            tally.merge(other.tally)
            inputCounts.merge(other.inputCounts, uniquingKeysWith: +)
            unlabeledIn += other.unlabeledIn
            sawQualities = sawQualities || other.sawQualities
        }
    }

    /// Reads every record of `source` into batches, cleans them (`BatchCleaner`) and hands the
    /// results to `onBatch` in input order; returns the cleaners' merged counts. With `threads`
    /// ≥ 2 and trimming to do, that many workers clean the batches while this thread reads and
    /// consumes.
    private func stream(_ source: any SequenceRecordSource, first: SequenceRecord?, counting: Bool, threads: Int,
                        formatter: RecordFormatter?, conflictHashes: HashSet64,
                        onBatch: (inout BatchResult) throws -> Void) throws -> Counts {
        let options = self.options
        let batchSize = 2048
        @Sendable func cleaner() -> BatchCleaner {
            BatchCleaner(options: options, formatter: formatter, conflictHashes: conflictHashes, counting: counting)
        }
        var next = first
        var ended = first == nil
        /// Spent batches (`BatchResult.records`, once consumed) whose records the reader fills
        /// again: a FASTQ record then costs no allocation for its sequence and qualities, and none
        /// is freed.
        var spares: [[SequenceRecord]] = []
        /// The next batch of the source, or nil at its end.
        func readBatch() throws -> [SequenceRecord]? {
            guard !ended else { return nil }
            var batch = spares.popLast() ?? []
            if batch.isEmpty { batch.reserveCapacity(batchSize) }
            var filled = 0
            // Moved into the batch: a copy would retain and later release each of the record's buffers.
            if let record = next.take() {
                if batch.isEmpty { batch.append(consume record) } else { batch[0] = consume record }
                filled = 1
            }
            while filled < batchSize {
                if filled < batch.count {
                    guard try source.next(into: &batch[filled]) else { ended = true; break }
                } else {
                    guard let record = try source.next() else { ended = true; break }
                    batch.append(consume record)
                }
                filled += 1
            }
            batch.removeLast(batch.count - filled)
            return filled > 0 ? batch : nil
        }
        /// Keeps a spent batch's records for `readBatch` (a few batches: as many as are in flight).
        func recycle(_ result: inout BatchResult) {
            guard !result.records.isEmpty, spares.count < 4 * threads + 4 else { return }
            var spent: [SequenceRecord] = []
            swap(&spent, &result.records)
            spares.append(spent)
        }
        if threads < 2 || !hasTrimmingWork {
            var local = cleaner()
            var index = 0
            while let batch = try readBatch() {
                var result = local.clean(batch, index: index)
                index += 1
                try onBatch(&result)
                recycle(&result)
            }
            return local.counts
        }
        enum Message: Sendable { case batch(BatchResult), done(Counts) }
        let toWorkers = BlockingQueue<(Int, [SequenceRecord])?>(capacity: 2 * threads + 2)
        let fromWorkers = BlockingQueue<Message>()
        for _ in 0..<threads {
            let worker = Thread {
                var local = cleaner()
                while let (index, batch) = toWorkers.pop() { fromWorkers.push(.batch(local.clean(batch, index: index))) }
                fromWorkers.push(.done(local.counts))
            }
            worker.stackSize = 1 << 20
            worker.start()
        }
        var pending: [Int: BatchResult] = [:]
        var nextIndex = 0
        var finished: [Counts] = []
        var stopped = false
        func take(_ message: Message) throws {
            switch message {
            case .batch(let result):
                pending[result.index] = result
                while var ready = pending.removeValue(forKey: nextIndex) {
                    nextIndex += 1
                    try onBatch(&ready)
                    recycle(&ready)
                }
            case .done(let counts): finished.append(counts)
            }
        }
        defer {
            // On an error, stop the workers and wait for them before unwinding.
            if !stopped { for _ in 0..<threads { toWorkers.push(nil) } }
            while finished.count < threads { if case .done(let c) = fromWorkers.pop() { finished.append(c) } }
        }
        var sent = 0
        while let batch = try readBatch() {
            toWorkers.push((sent, batch))
            sent += 1
            while let message = fromWorkers.tryPop() { try take(message) }
        }
        for _ in 0..<threads { toWorkers.push(nil) }
        stopped = true
        while finished.count < threads || nextIndex < sent { try take(fromWorkers.pop()) }
        var total = Counts()
        total.tally.counting = counting
        for counts in finished { total.merge(counts) }
        return total
    }

    /// How a run hands over the records it keeps.
    enum Output {
        /// Each kept record, on the calling thread.
        case records((SequenceRecord) throws -> Void)
        /// The kept records laid out by the formatter that `makeFormatter` gives once the source
        /// is open (its first record read), handed to `write` with their count and whether the
        /// first one has a label.
        case formatted(makeFormatter: () throws -> RecordFormatter, write: (UnsafeRawBufferPointer, Int, Bool) throws -> Void)
    }

    /// Cleans the records of a source, calling `write` for each kept record in input order.
    ///
    /// - Parameters:
    ///   - open: opens the source; called twice for labeled input when conflicts are removed.
    ///   - sourceName, format, phredOffset: recorded in the report.
    ///   - threads: 2 or more cleans batches of records on that many workers while the calling
    ///     thread reads (same output, same report).
    /// - Throws: the source's `DataError`s and `write`'s errors.
    public func run(open: () throws -> any SequenceRecordSource, sourceName: String, format: SequenceFormat,
                    phredOffset: Int? = nil, threads: Int = 1, write: (SequenceRecord) throws -> Void) throws -> CleaningReport {
        try withoutActuallyEscaping(write) { write in
            try run(open: open, sourceName: sourceName, format: format, phredOffset: phredOffset, threads: threads, output: .records(write))
        }
    }

    func run(open: () throws -> any SequenceRecordSource, sourceName: String, format: SequenceFormat,
             phredOffset: Int? = nil, threads: Int, output: Output) throws -> CleaningReport {
        var source = try open()
        var first = try source.next()
        var conflictHashes = HashSet64(capacity: 64)
        if options.deduplicate && options.removeConflicts && first?.label != nil {
            // Conflicts need the whole input first; then it is read again.
            conflictHashes = try findConflicts(source, first: first, threads: threads)
            source = try open()
            first = try source.next()
        }
        var formatter: RecordFormatter?
        if case .formatted(let make, _) = output { formatter = try make() }

        var seen = HashSet64()
        var outputCounts: [String: Int] = [:]
        var conflictExamples: [String] = []
        // Unlabeled records are counted in a plain integer, labeled ones per batch by label index.
        var unlabeledOut = 0
        var dedupTally = Tally()
        var keptLabels: [Int] = []
        let cleaned = try stream(source, first: first, counting: true, threads: threads, formatter: formatter,
                                 conflictHashes: conflictHashes) { result in
            for p in result.conflictPositions where conflictExamples.count < 10 { conflictExamples.append(p.description) }
            keptLabels.removeAll(keepingCapacity: true)
            keptLabels.append(contentsOf: repeatElement(0, count: result.labelNames.count))
            // Kept survivors are compacted to the front: records by swaps, bytes by moves.
            var kept = 0, keptBytes = 0, firstLabeled = false
            for i in result.hashes.indices {
                let label = Int(result.labels[i])
                if options.deduplicate && !seen.insert(result.hashes[i]).inserted {
                    dedupTally.remove(.duplicates, label < 0 ? ClassBalance.unlabeledName : result.labelNames[label])
                    continue
                }
                if label < 0 { unlabeledOut += 1 } else { keptLabels[label] += 1 }
                if kept == 0 { firstLabeled = label >= 0 }
                if formatter != nil {
                    let start = i == 0 ? 0 : result.ends[i - 1], end = result.ends[i]
                    if keptBytes != start {
                        result.bytes.withUnsafeMutableBytes { b in
                            (b.baseAddress! + keptBytes).copyMemory(from: b.baseAddress! + start, byteCount: end - start)
                        }
                    }
                    keptBytes += end - start
                } else if kept != i {
                    result.records.swapAt(kept, i)
                }
                kept += 1
            }
            for (label, n) in keptLabels.enumerated() where n > 0 { outputCounts[result.labelNames[label], default: 0] += n }
            switch output {
            case .records(let write):
                try result.records.withUnsafeBufferPointer { records in for i in 0..<kept { try write(records[i]) } }
            case .formatted(_, let write):
                try result.bytes.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[..<keptBytes]), kept, firstLabeled) }
            }
        }
        var tally = cleaned.tally
        tally.merge(dedupTally)
        var inputCounts = cleaned.inputCounts
        if cleaned.unlabeledIn > 0 { inputCounts[ClassBalance.unlabeledName, default: 0] += cleaned.unlabeledIn }
        if unlabeledOut > 0 { outputCounts[ClassBalance.unlabeledName, default: 0] += unlabeledOut }
        return report(sourceName: sourceName, format: format, phredOffset: phredOffset, tally: tally,
                      ambiguousDropped: source.droppedAmbiguousByLabel, inputCounts: inputCounts, outputCounts: outputCounts,
                      sawQualities: cleaned.sawQualities, conflicts: conflictHashes.count, conflictExamples: conflictExamples)
    }

    /// The first pass over labeled input: the hashes of sequences that occur with more than
    /// one label (every copy of them is a conflict). Trimming and filters apply as in the
    /// second pass, without counting.
    private func findConflicts(_ source: any SequenceRecordSource, first: SequenceRecord?, threads: Int) throws -> HashSet64 {
        var conflictHashes = HashSet64(capacity: 64)
        var firstLabel = HashSet64()
        var labelIds: [String: UInt32] = [:]
        var ids: [UInt32] = []
        _ = try stream(source, first: first, counting: false, threads: threads, formatter: nil,
                       conflictHashes: HashSet64(capacity: 64)) { result in
            // The batch's label indices as run-wide ids (unlabeled records under their own name).
            ids.removeAll(keepingCapacity: true)
            for name in result.labelNames + [ClassBalance.unlabeledName] {
                if let known = labelIds[name] { ids.append(known) } else { ids.append(UInt32(labelIds.count)); labelIds[name] = ids.last! }
            }
            for (h, label) in zip(result.hashes, result.labels) {
                let id = ids[label < 0 ? ids.count - 1 : Int(label)]
                let (inserted, stored) = firstLabel.insert(h, value: id)
                if !inserted && stored != id { conflictHashes.insert(h) }
            }
        }
        return conflictHashes
    }

    /// The report of a run: every step's counts, the class balance before and after, and the
    /// warnings.
    private func report(sourceName: String, format: SequenceFormat, phredOffset: Int?, tally: Tally,
                        ambiguousDropped: [String: Int], inputCounts counted: [String: Int], outputCounts: [String: Int],
                        sawQualities: Bool, conflicts: Int, conflictExamples: [String]) -> CleaningReport {
        var warnings: [DataWarning] = []
        var inputCounts = counted
        for (k, v) in ambiguousDropped { inputCounts[k, default: 0] += v }
        if !sawQualities && (options.qualityCutoff != nil || options.minMeanQuality != nil) && !inputCounts.isEmpty {
            warnings.append(DataWarning(file: sourceName, "quality steps skipped: the input has no quality scores"))
        }
        if let m = options.minLength, let x = options.maxLength, m > x {
            warnings.append(DataWarning(file: sourceName, "minimum length \(m) exceeds maximum length \(x): every record is removed"))
        }

        let steps = CleaningStep.allCases.map { s in
            var step = CleaningReport.Step(name: s.name, enabled: s == .ambiguous ? !ambiguousDropped.isEmpty : s.isEnabled(by: options))
            step.removed = s == .ambiguous ? ambiguousDropped : tally.removed[s.rawValue]
            step.changed = tally.changed[s.rawValue]
            step.basesTrimmed = tally.bases[s.rawValue]
            return step
        }
        let inputBalance = ClassBalance(counts: inputCounts)
        let labelMap = LabelMap(labels: inputCounts.keys)
        if conflicts > 0 {
            warnings.append(DataWarning(file: sourceName,
                "\(conflicts) \(conflicts == 1 ? "sequence occurs" : "sequences occur") with different labels; every copy was removed"))
        }
        return CleaningReport(source: sourceName, format: format, phredOffset: phredOffset, options: options,
                              input: inputBalance, output: ClassBalance(counts: outputCounts, labelMap: labelMap),
                              steps: steps, conflictExamples: conflictExamples, warnings: warnings)
    }

    /// Cleans records held in memory.
    /// `droppedAmbiguous`: records the reader left out for ambiguity codes, by label, reported as
    /// the `ambiguous` step's.
    public func clean(_ records: [SequenceRecord], sourceName: String = "records", format: SequenceFormat = .text,
                      droppedAmbiguous: [String: Int] = [:]) throws -> (records: [SequenceRecord], report: CleaningReport) {
        var kept: [SequenceRecord] = []
        let report = try run(open: { ArrayRecordSource(records, droppedAmbiguousByLabel: droppedAmbiguous) },
                             sourceName: sourceName, format: format) { kept.append($0) }
        return (kept, report)
    }

    /// Cleans a file into another file of the same format (or `outputFormat`), writing the
    /// output atomically.
    /// - Returns: the report (not yet written anywhere).
    public static func cleanFile(input: String, output: String, readerOptions: ReaderOptions = ReaderOptions(),
                                 options: CleaningOptions? = nil, outputFormat: SequenceFormat? = nil,
                                 threads: Int = 2) throws -> CleaningReport {
        let probe = try SequenceReader(path: input, options: readerOptions)
        let format = probe.format
        var resolved = readerOptions
        resolved.format = format
        let pipeline = try CleaningPipeline(options: options ?? .defaults(for: format))
        var opened: SequenceReader? = probe
        var lastReader: SequenceReader?
        var writer: SequenceWriter?
        let report = try pipeline.run(open: {
            let reader = try opened ?? SequenceReader(path: input, options: resolved)
            opened = nil
            lastReader = reader
            return reader
        }, sourceName: input, format: format, phredOffset: nil, threads: threads, output: .formatted(makeFormatter: {
            // The reader knows the quality offset once it has read its first record.
            writer = try SequenceWriter(path: output, format: outputFormat ?? format, phredOffset: lastReader?.phredOffset ?? 33)
            return writer!.formatter
        }, write: { bytes, records, labeled in try writer!.write(formatted: bytes, records: records, labeled: labeled) }))
        try writer!.commit()
        var final = report
        final.phredOffset = lastReader?.phredOffset
        final.phredEvidence = lastReader?.phredEvidence
        return final
    }
}

/// The cleaning steps, in the order they run: each one's name in reports and whether the
/// options turn it on, declared once (the report, the tally and the dashboard follow it).
public enum CleaningStep: Int, CaseIterable, Sendable {
    /// Records with characters other than nucleotides, dropped while reading (`ambiguous`).
    case ambiguous
    /// 3' (and 5') quality trimming, cutadapt's `-q` algorithm.
    case qualityTrim
    /// Adapter trimming, or discarding reads that hold an adapter.
    case adapterTrim, adapterDiscard
    /// Length and content filters.
    case tooShort, tooLong, maxN, meanQuality
    /// Identical sequences with different labels (every copy), then exact duplicates.
    case conflicts, duplicates

    /// The step's name in reports (`quality-trim`).
    public var name: String {
        switch self {
        case .ambiguous: return "ambiguous"
        case .qualityTrim: return "quality-trim"
        case .adapterTrim: return "adapter-trim"
        case .adapterDiscard: return "adapter-discard"
        case .tooShort: return "too-short"
        case .tooLong: return "too-long"
        case .maxN: return "max-n"
        case .meanQuality: return "mean-quality"
        case .conflicts: return "conflicts"
        case .duplicates: return "duplicates"
        }
    }

    /// Whether `options` turn the step on. `ambiguous` depends on the input, not the options:
    /// it is on when reading dropped records, and false here.
    public func isEnabled(by options: CleaningOptions) -> Bool {
        switch self {
        case .ambiguous: return false
        case .qualityTrim: return options.qualityCutoff != nil || options.qualityCutoffFront != nil
        case .adapterTrim: return !options.adapters.isEmpty && options.adapterMode == .trim
        case .adapterDiscard: return !options.adapters.isEmpty && options.adapterMode == .discard
        case .tooShort: return options.minLength != nil
        case .tooLong: return options.maxLength != nil
        case .maxN: return options.maxNFraction != nil
        case .meanQuality: return options.minMeanQuality != nil
        case .conflicts: return options.deduplicate && options.removeConflicts
        case .duplicates: return options.deduplicate
        }
    }
}
