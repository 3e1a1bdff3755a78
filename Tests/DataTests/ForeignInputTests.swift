import Foundation
import Testing
@testable import Data

/// Files as researchers bring them, beyond the tidy CSV: several sources that overlap, dropped
/// ambiguity codes, byte order marks, old line endings, compressions and encodings dnatune does
/// not read, `.txt` names, FASTA headers with descriptions, and headers that name a column twice.
@Suite struct ForeignInputTests {
    /// Twelve distinct 30-mers.
    static let sequences: [String] = (0..<12).map { (i: Int) -> String in
        let bases: [Character] = ["A", "C", "G", "T"]
        var text = ""
        for j in 0..<30 { text.append(bases[(i * 7 + j * j + i * j + i / 4) % 4]) }
        return text
    }

    static func csv(_ rows: [(String, String)]) -> String {
        "sequence,label\n" + rows.map { "\($0.0),\($0.1)\n" }.joined()
    }

    static func load(_ paths: [String], options: ReaderOptions = ReaderOptions()) throws -> CleanedSources {
        try CleanedSources.load(paths, readerOptions: options) { CleaningOptions.defaults(for: $0) }
    }

    /// Two sources read together are one dataset: a sequence in both is a duplicate (kept once,
    /// from the first file), or, with another label, a conflict (every copy removed); a third
    /// report says so. The same file twice keeps each sequence once.
    @Test func duplicatesAndConflictsAcrossSourcesAreRemoved() throws {
        let s = Self.sequences
        let a = TempFiles.write(Self.csv((0..<8).map { (s[$0], $0 % 2 == 0 ? "pos" : "neg") }), name: "a.csv")
        // b: s[0], s[1] again with their labels (duplicates), s[2], s[3] with the other label
        // (conflicts), s[8...11] new.
        let b = TempFiles.write(Self.csv([(s[0], "pos"), (s[1], "neg"), (s[2], "neg"), (s[3], "pos")]
                                         + (8..<12).map { (s[$0], "pos") }), name: "b.csv")
        let both = try Self.load([a, b])
        let kept = both.parts.flatMap(\.records).map { String(decoding: $0.sequence, as: UTF8.self) }
        #expect(kept == [s[0], s[1]] + Array(s[4..<8]) + Array(s[8..<12]))
        let across = try #require(both.cleaning.last)
        #expect(both.cleaning.count == 3 && across.source == "across the 2 sources")
        #expect(across.step("duplicates")?.removedTotal == 2 && across.step("conflicts")?.removedTotal == 4)
        #expect(across.removalLine == "across the 2 sources: 16 → 10 records (conflicts 4, duplicates 2)")
        #expect(both.warnings.contains { $0.message.hasPrefix("2 sequences occur with different labels") })
        #expect(both.stages.map { $0.balance.total } == [16, 10])
        let twice = try Self.load([a, a])
        #expect(twice.parts.flatMap(\.records).count == 8)
        #expect(twice.stages.map { $0.balance.total } == [16, 8])
        // One source: no third report.
        #expect(try Self.load([a]).cleaning.count == 1)
        // Without deduplication nothing is removed across them either.
        let kept2 = try CleanedSources.load([a, b]) { _ in CleaningOptions() }
        #expect(kept2.parts.flatMap(\.records).count == 16 && kept2.cleaning.count == 2)
    }

    /// A pre-split folder's files are not merged: a sequence in train and test is leakage, which
    /// the split reports, and its official test file stays as given.
    @Test func aPreSplitFolderKeepsItsFilesApart() throws {
        let s = Self.sequences
        let dir = TempFiles.makeDirectory("presplit")
        try Self.csv((0..<8).map { (s[$0], $0 % 2 == 0 ? "pos" : "neg") }).write(toFile: dir + "/train.csv", atomically: true, encoding: .utf8)
        try Self.csv([(s[0], "pos"), (s[9], "neg")]).write(toFile: dir + "/test.csv", atomically: true, encoding: .utf8)
        let sources = try Self.load([dir])
        #expect(sources.cleaning.count == 2 && sources.parts.count == 2)
        #expect(sources.parts.first { $0.split == .test }?.records.count == 2)
    }

    /// `data.ambiguity: drop` leaves records out while reading; the report counts them (the
    /// `ambiguous` step, and the raw balance), as `dnatune data clean` does.
    @Test func recordsDroppedForAmbiguityAreReported() throws {
        let s = Self.sequences
        var rows: [(String, String)] = []
        for i in 0..<6 { rows.append((i < 2 ? "ACGR" + s[i] : s[i], i % 2 == 0 ? "pos" : "neg")) }
        let path = TempFiles.write(Self.csv(rows), name: "iupac.csv")
        let sources = try Self.load([path], options: ReaderOptions(ambiguity: .drop))
        let report = try #require(sources.cleaning.first)
        #expect(report.step("ambiguous")?.enabled == true && report.step("ambiguous")?.removed == ["pos": 1, "neg": 1])
        #expect(report.input.total == 6 && report.output.total == 4)
        #expect(report.removalLine?.hasSuffix(": 6 → 4 records (ambiguous 2)") == true)
        #expect(sources.stages.map { $0.balance.total } == [6, 4])
    }

    /// A UTF-8 byte order mark is not part of the first line in any format.
    @Test(arguments: [(">a|pos\nACGT\n>b|neg\nACGA\n", "bom.fa"), ("@a|pos\nACGT\n+\nIIII\n@b|neg\nACGA\n+\nIIII\n", "bom.fq"),
                      ("sequence\tlabel\nACGT\tpos\nACGA\tneg\n", "bom.tsv"), ("ACGT\nACGA\n", "bom.txt")])
    func aByteOrderMarkIsSkipped(text: String, name: String) throws {
        let path = TempFiles.write([0xEF, 0xBB, 0xBF] + Array(text.utf8), name: name)
        let records = try SequenceReader.readAll(path: path)
        #expect(records.map { String(decoding: $0.sequence, as: UTF8.self) } == ["ACGT", "ACGA"])
        if !name.hasSuffix(".txt") { #expect(records.map(\.label) == ["pos", "neg"]) }
    }

    /// Files that are not text dnatune reads say what they are, instead of "binary data".
    @Test(arguments: [([0x42, 0x5A, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x0A, 0x00], "bzip2-compressed"),
                      ([0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x00, 0x0A], "zstd-compressed"),
                      ([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x0A], "a ZIP archive"),
                      ([0xFF, 0xFE, 0x73, 0x00, 0x65, 0x00, 0x0A, 0x00], "UTF-16 text")] as [([UInt8], String)])
    func otherCompressionsAndEncodingsAreNamed(bytes: [UInt8], kind: String) throws {
        let path = TempFiles.write(bytes, name: "data.csv")
        #expect { try SequenceReader.readAll(path: path) } throws: { error in
            "\(error)".contains(kind) && !"\(error)".contains("NUL")
        }
        // A text file that merely starts with "BZh" is read as text (and its Z is the error).
        let text = TempFiles.write("BZhx\nACGT\n", name: "bzh.txt")
        #expect { try SequenceReader.readAll(path: text) } throws: { "\($0)".contains("invalid character 'Z'") }
    }

    /// A file whose lines end in CR alone reads as one line: said, with the fix, not "empty".
    @Test func classicMacLineEndingsAreNamed() throws {
        let path = TempFiles.write("sequence,label\rACGT,pos\rACGA,neg\r", name: "mac.csv")
        #expect { try SequenceReader.readAll(path: path) } throws: { error in
            "\(error)".contains("classic Mac OS line endings") && "\(error)".contains("tr '\\r' '\\n'")
        }
        // CRLF is fine.
        #expect(try SequenceReader.readAll(path: TempFiles.write("sequence,label\r\nACGT,pos\r\n", name: "dos.csv")).count == 1)
    }

    /// A `.txt` name says nothing about the content: FASTA, TSV and CSV saved so are read as
    /// such; one sequence a line stays plain text.
    @Test(arguments: [(">a|pos\nACGT\n", SequenceFormat.fasta), ("sequence\tlabel\nACGT\tpos\n", .tsv),
                      ("sequence,label\nACGT,pos\n", .csv), ("ACGT\n", .text)])
    func aTxtFileIsReadByItsContent(text: String, format: SequenceFormat) throws {
        #expect(try SequenceFormat.detect(path: TempFiles.write(text, name: "data.txt")) == format)
        #expect(try SequenceFormat.detect(path: TempFiles.writeGzip(text, name: "data.txt.gz")) == format)
        #expect(try SequenceFormat.detect(path: TempFiles.write(text, name: "data.seq")) == .text, "other names keep their meaning")
    }

    /// FASTA's identifier is the header's first word: `>id|label description` carries a label;
    /// the description stays in the id. Prediction (no labels read) keeps each header whole.
    @Test func aHeaderLabelBeforeADescriptionIsRead() throws {
        let path = TempFiles.write(">r0|1 chr1:100-170 strand=+\nACGT\n>r1|0\nACGA\n>chr2 desc|pos\nACGG\n>plain desc\nAC\n",
                                   name: "desc.fa")
        let records = try SequenceReader.readAll(path: path)
        #expect(records.map(\.label) == ["1", "0", "pos", nil])
        #expect(records.map(\.id) == ["r0 chr1:100-170 strand=+", "r1", "chr2 desc", "plain desc"])
        var whole = ReaderOptions()
        whole.headerLabels = false
        let named = try SequenceReader.readAll(path: path, options: whole)
        #expect(named.map(\.id) == ["r0|1 chr1:100-170 strand=+", "r1|0", "chr2 desc|pos", "plain desc"])
        #expect(named.allSatisfy { $0.label == nil })
    }

    /// A header naming the read column twice is an error (the other copy would go unread);
    /// a missing column's message says what is near: another case, another delimiter.
    @Test func headerColumnsAreCheckedAndMissingOnesExplained() throws {
        let twice = TempFiles.write("sequence,label,label\nACGT,1,0\n", name: "twice.csv")
        #expect { try SequenceReader.readAll(path: twice) } throws: { "\($0)".contains("the header has 2 columns named 'label' (columns 2, 3)") }
        let cased = TempFiles.write("Sequence,Label\nACGT,1\n", name: "cased.csv")
        #expect { try SequenceReader.readAll(path: cased) } throws: { error in
            "\(error)".contains("missing column 'sequence'") && "\(error)".contains("names are case-sensitive: 'Sequence' is read with")
        }
        let semicolons = TempFiles.write("sequence;label\nACGT;1\n", name: "semi.csv")
        #expect { try SequenceReader.readAll(path: semicolons) } throws: { "\($0)".contains("separated by semicolons") }
        // An extra column of another name is fine.
        #expect(try SequenceReader.readAll(path: TempFiles.write("sequence,label,note\nACGT,1,x\n", name: "extra.csv")).count == 1)
    }
}
