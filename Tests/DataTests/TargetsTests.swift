import Foundation
import Testing
@testable import Data

/// Regression and multi-label data: label texts read as targets, several label columns,
/// deduplication and conflicts, the split, and what the reports summarise.
@Suite struct TargetsTests {
    static let here = SourcePosition(file: "t.csv", line: 7)
    static let unit = ReaderOptions.labelColumnSeparator

    @Test func regressionValuesAndErrorsNameTheLine() throws {
        let one = TargetSpec(kind: .regression, names: ["y"])
        #expect(try one.values(of: " -1.5e2 ", names: ["y"], at: Self.here) == [-150])
        let two = TargetSpec(kind: .regression, names: ["a", "b"], fromColumns: true)
        #expect(try two.values(of: "1\(Self.unit)2.5", names: ["a", "b"], at: Self.here) == [1, 2.5])
        for (spec, text, names, message) in [(one, "high", ["y"], "t.csv:7: 'high' is not a finite number (target 'y' of a regression task)"),
                                             (one, "nan", ["y"], "t.csv:7: 'nan' is not a finite number"),
                                             (one, "1e300", ["y"], "t.csv:7: '1e300' is not a finite number"),
                                             (two, "1", ["a", "b"], "t.csv:7: 1 target value(s), expected 2 (a, b)")] {
            #expect(throws: DataError.self) { try spec.values(of: text, names: names, at: Self.here) }
            do { _ = try spec.values(of: text, names: names, at: Self.here) } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }

    @Test func multiLabelCellsAndColumns() throws {
        let cell = TargetSpec(kind: .multiLabel, delimiter: ";")
        let names = ["CTCF", "YY1", "ZNF"]
        #expect(try cell.values(of: "YY1; CTCF", names: names, at: Self.here) == [1, 1, 0])
        #expect(try cell.values(of: "", names: names, at: Self.here) == [0, 0, 0])
        #expect(cell.canonical("YY1;CTCF;YY1") == "CTCF;YY1")
        #expect(cell.resolvedNames(from: ["YY1;CTCF", "", "ZNF"]) == names)
        do { _ = try cell.values(of: "CTCF;SP1", names: names, at: Self.here); Issue.record("accepted") } catch {
            #expect("\(error)" == "t.csv:7: unknown label 'SP1' (known: CTCF, YY1, ZNF)")
        }
        let columns = TargetSpec(kind: .multiLabel, names: ["a", "b"], fromColumns: true)
        #expect(try columns.values(of: "1\(Self.unit)0", names: ["a", "b"], at: Self.here) == [1, 0])
        #expect(columns.canonical("1\(Self.unit)0") == "1\(Self.unit)0")
        do { _ = try columns.values(of: "1\(Self.unit)2", names: ["a", "b"], at: Self.here); Issue.record("accepted") } catch {
            #expect("\(error)" == "t.csv:7: '2' in label column 'b' is not 0 or 1")
        }
    }

    @Test func theReaderJoinsLabelColumnsAndNamesAMissingOne() throws {
        let path = TempFiles.write("sequence,x,y\nACGT,1.5,2\nGGCC,3,-1\n", name: "targets.csv")
        let reader = try SequenceReader(path: path, options: ReaderOptions(labelColumns: ["y", "x"]))
        #expect(try reader.next()?.label == "2\(Self.unit)1.5")
        #expect(try reader.next()?.label == "-1\(Self.unit)3")
        do { _ = try SequenceReader(path: path, options: ReaderOptions(labelColumns: ["x", "z"])).next(); Issue.record("read") } catch {
            #expect("\(error)".contains("\(path):1: missing column 'z' (the header has: sequence, x, y)"), "\(error)")
        }
        let empty = TempFiles.write("sequence,x,y\nACGT,1.5,\n", name: "empty.csv")
        do { _ = try SequenceReader(path: empty, options: ReaderOptions(labelColumns: ["x", "y"])).next(); Issue.record("read") } catch {
            #expect("\(error)".contains("\(empty):2:") && "\(error)".contains("empty value in column 'y'"), "\(error)")
        }
        // A multi-label cell may be empty (no label); a class label may not.
        let cells = TempFiles.write("sequence,labels\nACGT,\nGGCC,A;B\n", name: "cells.csv")
        #expect(try SequenceReader(path: cells, options: ReaderOptions(allowsEmptyLabel: true)).next()?.label == "")
        #expect(throws: DataError.self) { _ = try SequenceReader(path: cells).next() }
    }

    /// Copies of a sequence within the tolerance are duplicates (the first kept, no warning);
    /// further apart, conflicts: every copy removed, a warning naming where.
    @Test func regressionConflictsBeyondTheTolerance() throws {
        let path = TempFiles.write("sequence,label\nAAAACCCC,1.00\nAAAACCCC,1.05\nGGGGTTTT,2.0\nGGGGTTTT,3.0\nACGTACGT,0.5\n", name: "dups.csv")
        func load(_ tolerance: Double) throws -> CleanedSources {
            try CleanedSources.load([path], targets: TargetSpec(kind: .regression, names: ["label"], tolerance: tolerance)) { _ in
                CleaningOptions(minLength: 1, deduplicate: true)
            }
        }
        let loose = try load(1.5)
        #expect(loose.parts[0].records.map(\.label) == ["1.00", "2.0", "0.5"])
        #expect(loose.warnings.isEmpty)
        let strict = try load(0.1)
        #expect(strict.parts[0].records.map(\.label) == ["1.00", "0.5"])
        let warning = try #require(strict.warnings.first)
        #expect(warning.message.contains("2 records are copies of one sequence with targets further apart than the tolerance (0.1)"))
        #expect(warning.message.contains("\(path):4 vs \(path):5"), "\(warning)")
        let data = try strict.prepare(options: PreparationOptions(ratios: try SplitRatios(train: 0.5, validation: 0.5, test: 0)))
        #expect(data.train.kind == .regression && data.train.labelNames == ["label"])
        #expect(Set(data.train.targets + data.validation.targets) == [1.0, 0.5])
    }

    /// The same set of labels written in another order is a duplicate; another set, a conflict.
    @Test func multiLabelSetsDeduplicateInAnyOrder() throws {
        let path = TempFiles.write("sequence,labels\nAAAACCCC,B;A\nAAAACCCC,A;B\nGGGGTTTT,A\nGGGGTTTT,A;B\nACGTACGT,\nTTTTAAAA,C\n",
                                   name: "sets.csv")
        let loaded = try CleanedSources.load([path], readerOptions: ReaderOptions(allowsEmptyLabel: true),
                                             targets: TargetSpec(kind: .multiLabel)) { _ in
            CleaningOptions(minLength: 1, deduplicate: true, removeConflicts: true)
        }
        #expect(loaded.targetNames == ["A", "B", "C"])
        #expect(loaded.parts[0].records.map(\.label) == ["A;B", "", "C"])
        let stage = try #require(loaded.stages.last)
        #expect(stage.targetKind == .multiLabel && stage.sequences == 3)
        #expect(stage.balance.entries.map(\.count) == [1, 1, 1])
        #expect(stage.cooccurrence == [[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    }

    /// Regression: every part spans the target's range (each of its deciles reaches every part).
    @Test func regressionSplitIsStratifiedOnQuantiles() throws {
        var rng = SeededRandom(seed: 5)
        let n = 1000
        let sequences = (0..<n).map { _ in (0..<10).map { _ in Array("ACGT".utf8)[rng.nextInt(below: 4)] } }
        let targets = (0..<n).map { i in Float(i % 2 == 0 ? i : n * 10 + i) }   // two far-apart clusters
        let data = try LabeledSequences(sequences: sequences, targets: targets, kind: .regression, names: ["y"])
        let split = StratifiedSplitter.split(data, ratios: .standard, seed: 3)
        #expect(split.train.count == 800 && split.validation.count == 100 && split.test.count == 100)
        let sorted = targets.sorted()
        for part in [split.train, split.validation, split.test] {
            for decile in 0..<10 {
                let lo = sorted[decile * n / 10], hi = sorted[(decile + 1) * n / 10 - 1]
                let inside = part.targets.filter { $0 >= lo && $0 <= hi }.count
                #expect(abs(Double(inside) - Double(part.count) / 10) <= 1, "decile \(decile): \(inside) of \(part.count)")
            }
        }
        #expect(StratifiedSplitter.split(data, ratios: .standard, seed: 3) == split)
    }

    /// Multi-label: each label's positives reach each part in proportion (within one), a rare
    /// label's too, and sequences without labels fill the parts to their sizes.
    @Test func multiLabelSplitIsIterativelyStratified() throws {
        var rng = SeededRandom(seed: 9)
        let n = 600, w = 4
        var data = LabeledSequences(labelNames: ["a", "b", "c", "rare"], kind: .multiLabel)
        for i in 0..<n {
            let row: [Float] = [rng.nextDouble() < 0.5 ? 1 : 0, rng.nextDouble() < 0.2 ? 1 : 0, rng.nextDouble() < 0.05 ? 1 : 0,
                                i % 200 == 0 ? 1 : 0]
            data.append((0..<12).map { _ in Array("ACGT".utf8)[rng.nextInt(below: 4)] }, targets: row)
        }
        let split = StratifiedSplitter.split(data, ratios: try SplitRatios(train: 0.6, validation: 0.2, test: 0.2), seed: 1)
        #expect(split.train.count + split.validation.count + split.test.count == n)
        #expect(Set(split.trainIndices + split.validationIndices + split.testIndices).count == n)
        for j in 0..<w {
            let total = (0..<n).filter { data.targets[$0 * w + j] > 0 }.count
            for (part, ratio) in [(split.train, 0.6), (split.validation, 0.2), (split.test, 0.2)] {
                let positives = (0..<part.count).filter { part.targets[$0 * w + j] > 0 }.count
                #expect(abs(Double(positives) - ratio * Double(total)) <= 1, "label \(j): \(positives) of \(total)")
            }
        }
        for (part, ratio) in [(split.train, 0.6), (split.validation, 0.2), (split.test, 0.2)] {
            #expect(abs(Double(part.count) - ratio * Double(n)) <= 2)
        }
    }

    @Test func balancingClassesIsRefusedForTargets() throws {
        let data = try LabeledSequences(sequences: [Array("ACGT".utf8), Array("GGCC".utf8)], targets: [1, 2], kind: .regression, names: ["y"])
        do {
            _ = try DataPreparation.prepare(train: data, validation: data, test: data, options: PreparationOptions(balance: .upsample))
            Issue.record("balanced")
        } catch {
            #expect("\(error)".contains("balancing upsample applies to classes; a regression task has none — set data.balancing: none"))
        }
        let prepared = try DataPreparation.prepare(train: data, validation: data, test: data,
                                                   options: PreparationOptions(reverseComplementAugmentation: true))
        #expect(prepared.train.count == 4 && prepared.train.targets == [1, 2, 1, 2])
        #expect(prepared.report.stages.map(\.name) == ["train", "dev", "test", "train (+ reverse complements)"])
        #expect(prepared.report.stages[0].balance.entries.map(\.count).reduce(0, +) == 2)
    }

    @Test func theHistogramSharesItsBinsAndClosesTheLast() throws {
        let data = try LabeledSequences(sequences: Array(repeating: Array("AC".utf8), count: 5), targets: [0, 1, 2, 3, 4],
                                        kind: .regression, names: ["y"])
        let edges = TargetSummary.edges([data], bins: 4)
        #expect(edges == [0, 1, 2, 3, 4])
        let h = TargetSummary.histogram(data, edges: edges)
        #expect(h.entries.map(\.count) == [1, 1, 1, 2])
        #expect(h.entries.first?.label == "0..1")
        let constant = try LabeledSequences(sequences: [Array("AC".utf8)], targets: [2], kind: .regression, names: ["y"])
        #expect(TargetSummary.histogram(constant, edges: TargetSummary.edges([constant])).entries.map(\.count) == [1])
    }

    /// The built-in demos of the other task types: deterministic, their targets as described.
    @Test func theDemosOfTheOtherTaskTypes() throws {
        let r = DemoDataset.regressionRecords(count: 400)
        #expect(r == DemoDataset.regressionRecords(count: 400) && r.count == 400)
        let values = r.compactMap { $0.label.flatMap(Double.init) }
        #expect(values.count == 400 && Set(values).count > 300)
        // Sequences with a TATA box score higher on average than those without.
        let tata = r.filter { String(decoding: $0.sequence, as: UTF8.self).contains("TATAAA") }
        let mean = { (rs: [SequenceRecord]) in rs.map { Double($0.label!)! }.reduce(0, +) / Double(max(1, rs.count)) }
        #expect(tata.count > 20 && mean(tata) > mean(r) + 0.3)
        let m = DemoDataset.multiLabelRecords(count: 400)
        let names = Set(m.flatMap { TargetSpec.split($0.label!, delimiter: ";") })
        #expect(names == Set(DemoDataset.multiLabelNames))
        #expect(m.contains { $0.label == "" } && m.contains { $0.label!.contains(";") })
        #expect(m.filter { $0.label!.contains("CREB") }.allSatisfy { String(decoding: $0.sequence, as: UTF8.self).count == 120 })
    }
}
