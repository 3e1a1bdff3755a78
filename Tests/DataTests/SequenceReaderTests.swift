import Foundation
import Testing
@testable import Data

@Suite struct SequenceReaderTests {
    func read(_ text: String, name: String, options: ReaderOptions = ReaderOptions()) throws -> [SequenceRecord] {
        try SequenceReader.readAll(path: TempFiles.write(text, name: name), options: options)
    }

    func error(_ text: String, name: String, options: ReaderOptions = ReaderOptions()) -> DataError? {
        do { _ = try read(text, name: name, options: options); return nil } catch let e as DataError { return e } catch { return nil }
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func csvRecordCounts(_ n: Int) throws {
        let rows = (0..<n).map { "ACGT\(String(repeating: "a", count: $0)),\($0 % 2)" }
        let text = "sequence,label\n" + rows.joined(separator: "\n") + "\n"
        if n == 0 {
            #expect(error(text, name: "x.csv")?.message.contains("empty") == true)
            return
        }
        let records = try read(text, name: "x.csv")
        #expect(records.count == n)
        #expect(records.last?.sequenceString == "ACGT" + String(repeating: "A", count: n - 1))
        #expect(records.first?.label == "0")
        #expect(records.first?.position.line == 2)
    }

    @Test func csvWithCRLFQuotesAndDNALLMLabels() throws {
        let records = try read("id,labels,sequence\r\n1,promoter,\"acgu\"\r\n2,other, NNRY \r\n", name: "d.csv")
        #expect(records.map(\.sequenceString) == ["ACGT", "NNNN"])
        #expect(records.map(\.label) == ["promoter", "other"])
    }

    @Test func tsvAndConfiguredColumns() throws {
        let options = ReaderOptions(sequenceColumn: "seq", labelColumn: "class")
        let records = try read("seq\tclass\nACGT\tA\nTTTT\tB\n", name: "d.tsv", options: options)
        #expect(records.map(\.label) == ["A", "B"])
        #expect(error("seq\tother\nACGT\tA\n", name: "d.tsv", options: options)?.message.contains("missing column 'class'") == true)
    }

    @Test func missingSequenceColumn() {
        let e = error("seqs,label\nACGT,1\n", name: "m.csv")
        #expect(e?.line == 1)
        #expect(e?.message.contains("missing column 'sequence'") == true)
    }

    @Test func shortRowNamesLine() {
        let e = error("sequence,label\nACGT,1\nACGT\n", name: "s.csv")
        #expect(e?.line == 3)
    }

    /// A row with more fields than the header is an error naming the line, not a record whose
    /// label is whatever field lands in the label column; a quoted delimiter is one field.
    @Test func longRowNamesLineAndQuotedDelimitersStayOneField() throws {
        let e = error("sequence,label\nACGTACGTAC,0\nACGTACGTAA,0,1\nACGTACGTTT,1\n", name: "l.csv")
        #expect(e?.line == 3 && e?.file?.hasSuffix("l.csv") == true)
        #expect(e?.message.contains("row has 3 fields, the header has 2") == true)
        let tsv = error("sequence\tlabel\nACGT\tA\tB\n", name: "l.tsv")
        #expect(tsv?.line == 2)
        let quoted = try read("sequence,label\nACGT,\"a,b\"\n", name: "q.csv")
        #expect(quoted.map(\.label) == ["a,b"])
    }

    @Test func unlabeledTable() throws {
        let records = try read("sequence\nACGT\n", name: "u.csv")
        #expect(records.first?.label == nil)
    }

    @Test func fastaLabelsAndWrapping() throws {
        let records = try read(">r1|promoter\nACG\ntac\n\n>r2 some text\nNNN\n>a|b|0\nA\n", name: "x.fa")
        #expect(records.map(\.id) == ["r1", "r2 some text", "a|b"])
        #expect(records.map(\.label) == ["promoter", nil, "0"])
        #expect(records.map(\.sequenceString) == ["ACGTAC", "NNN", "A"])
        #expect(records.map(\.position.line) == [1, 5, 7])
    }

    @Test func invalidCharacterNamesLineAndColumn() {
        let e = error(">r1\nACGT\nAC#T\n", name: "bad.fasta")
        #expect(e?.line == 3)
        #expect(e?.column == 3)
        #expect(e?.file?.hasSuffix("bad.fasta") == true)
        let csv = error("sequence,label\nACGT,1\nAC-T,0\n", name: "bad.csv")
        #expect(csv?.line == 3 && csv?.column == 3)
    }

    @Test func ambiguityPolicy() throws {
        let text = ">a\nACRT\n>b\nACGT\n>c\nANGT\n"
        #expect(try read(text, name: "a.fa").map(\.sequenceString) == ["ACNT", "ACGT", "ANGT"])
        let reader = try SequenceReader(path: TempFiles.write(text, name: "a.fa"), options: ReaderOptions(ambiguity: .drop))
        var kept: [String] = []
        while let r = try reader.next() { kept.append(r.sequenceString) }
        #expect(kept == ["ACGT", "ANGT"])
        #expect(reader.droppedAmbiguous == 1)
    }

    @Test func fastqPhred33() throws {
        let records = try read("@r1\nACGT\n+\n!+5I\n@r2|1\nAC\n+r2\nII\n", name: "r.fq")
        #expect(records[0].quality == [0, 10, 20, 40])
        #expect(records[1].label == "1")
        #expect(records[1].position.line == 5)
    }

    @Test func fastqPhred64Detected() throws {
        let reader = try SequenceReader(path: TempFiles.write("@r1\nACGT\n+\n@Jhh\n@r2\nA.\n+\nhB\n", name: "p.fastq"))
        let a = try reader.next(), b = try reader.next()
        #expect(reader.phredOffset == 64)
        #expect(a?.quality == [0, 10, 40, 40])
        #expect(b?.sequenceString == "AN")
        #expect(b?.quality == [40, 2])
    }

    /// A FIFO (a pipe with a name) reads like a file: the format from the content, twice-opened
    /// for detection and reading without losing a byte.
    @Test func aFifoReadsLikeAFile() throws {
        let path = NSTemporaryDirectory() + "dnatune-fifo-\(UUID().uuidString)"
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            let text = Array("@r1|a\nACGT\n+\nIIII\n@r2|b\nAAAA\n+\nIIII\n".utf8)
            _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        let records = try SequenceReader.readAll(path: path)
        #expect(records.map(\.sequenceString) == ["ACGT", "AAAA"] && records.map(\.label) == ["a", "b"])
        #expect(try SequenceReader(path: path).format == .fastq)
    }

    /// The offset is decided from all the evidence: one character above 'J' in an otherwise
    /// Phred+33 file does not make it Phred+64 (it used to, and cleaning then kept nothing).
    @Test func phredDetectionWeighsTheWholeFile() throws {
        var text = ""
        for i in 0..<50 {
            let q = String(repeating: i == 7 ? "K" : "I", count: 1) + String(repeating: "?", count: 9)
            text += "@r\(i)\nACGTACGTAC\n+\n\(q)\n"
        }
        let reader = try SequenceReader(path: TempFiles.write(text, name: "k.fastq"))
        let first = try reader.next()
        #expect(reader.phredOffset == 33)
        #expect(first?.quality?.first == 40)  // 'I' is Q40 in Phred+33
        #expect(reader.phredEvidence?.hasPrefix("Phred+33: qualities '?'…'K' in 50 reads, only 0.20 % above 'J'") == true,
                "\(reader.phredEvidence ?? "")")
        #expect(SequenceReader.detectPhredOffset([Array("hhhhgfB@".utf8)]).offset == 64)
        #expect(SequenceReader.detectPhredOffset([Array("hhhh#".utf8)]).offset == 33)  // '#' exists only in Phred+33
        #expect(SequenceReader.detectPhredOffset([Array("IIIIIKKK".utf8)]).offset == 64)  // mostly above 'J': +64
        let given = try SequenceReader(path: TempFiles.write(text, name: "g.fastq"), options: ReaderOptions(phredOffset: 64))
        _ = try given.next()
        #expect(given.phredEvidence == "Phred+64, as given")
    }

    @Test(arguments: [
        ("@r1\nACGT\n", "sequence", "'+' line is missing"),
        ("@r1\nACGT\n+\n", "quality", "quality line is missing"),
        ("@r1\n", "header", "sequence line is missing"),
    ])
    func truncatedFastq(_ text: String, _ what: String, _ message: String) {
        let e = error(text, name: "t.fastq")
        #expect(e?.line == 1, "\(what)")
        #expect(e?.message.contains(message) == true, "\(String(describing: e))")
    }

    @Test func qualityLengthMismatch() {
        let e = error("@r1\nACGT\n+\nIII\n", name: "q.fastq")
        #expect(e?.line == 4)
        #expect(e?.message.contains("differs") == true)
    }

    @Test func gzipAndCRLFFastq() throws {
        let path = TempFiles.writeGzip("@r1\r\nACGT\r\n+\r\nIIII\r\n", name: "g.fastq.gz")
        let reader = try SequenceReader(path: path)
        #expect(reader.format == .fastq)
        #expect(reader.compression == .gzip)
        #expect(try reader.next()?.quality == [40, 40, 40, 40])
    }

    /// gzip as zlib reads it: members one after another (bgzip, `cat a.gz b.gz`), bytes after the
    /// last member that start no new one ignored; a damaged member is an error naming the file.
    @Test func gzipMembersTrailingBytesAndDamage() throws {
        let a = Array(FileManager.default.contents(atPath: TempFiles.writeGzip("@a\nACGT\n+\nIIII\n", name: "a.fastq.gz"))!)
        let b = Array(FileManager.default.contents(atPath: TempFiles.writeGzip(String(repeating: "@b\nGGCC\n+\nIIII\n", count: 30_000), name: "b.fastq.gz"))!)
        let both = TempFiles.write(a + b + a, name: "ab.fastq.gz")
        #expect(try SequenceReader.readAll(path: both).map(\.id) == ["a"] + Array(repeating: "b", count: 30_000) + ["a"])
        let padded = TempFiles.write(a + [UInt8](repeating: 0, count: 100), name: "pad.fastq.gz")
        #expect(try SequenceReader.readAll(path: padded).map(\.id) == ["a"])
        // A changed byte in the middle of the deflate data, and a changed CRC in the trailer.
        var damaged = b
        damaged[damaged.count / 2] ^= 0x55
        var crc = a
        crc[crc.count - 8] ^= 1
        for (bytes, name) in [(damaged, "damaged.fastq.gz"), (crc, "crc.fastq.gz"), (Array(b.prefix(b.count - 3)), "short.fastq.gz")] {
            let path = TempFiles.write(bytes, name: name)
            do {
                _ = try SequenceReader.readAll(path: path)
                Issue.record("\(name): no error")
            } catch let e as DataError {
                #expect(e.file == path && e.message.contains("gzip data"), "\(e)")
            }
        }
    }

    @Test func plainTextAndSniffing() throws {
        let records = try read("ACGT\n\nggcc\n", name: "noext")
        #expect(records.map(\.sequenceString) == ["ACGT", "GGCC"])
        #expect(records.map(\.position.line) == [1, 3])
        #expect(try SequenceReader(path: TempFiles.write(">a\nAC\n", name: "sniff")).format == .fasta)
        #expect(try SequenceReader(path: TempFiles.write("sequence,label\nAC,1\n", name: "sniff2")).format == .csv)
    }

    @Test(arguments: ["e.csv", "e.fa", "e.fastq", "e.txt", "e.tsv"])
    func emptyFileIsAnError(_ name: String) {
        let e = error("", name: name)
        #expect(e?.message.contains("empty file") == true)
        #expect(e?.line == 1)
    }

    @Test func binaryFile() {
        let path = TempFiles.write([0x41, 0x43, 0x00, 0xFF, 0x0A], name: "bin.fa")
        #expect(throws: DataError.self) { _ = try SequenceReader.readAll(path: path) }
        let text = TempFiles.write([0x41, 0x43, 0x00, 0xFF, 0x0A], name: "bin.txt")
        do { _ = try SequenceReader.readAll(path: text); Issue.record("no error") } catch let e as DataError {
            #expect(e.line == 1 && e.column == 3)
        } catch { Issue.record("\(error)") }
    }

    @Test func hugeSingleLineIsAnErrorNotAHang() throws {
        let line = [UInt8](repeating: UInt8(ascii: "A"), count: 100 << 20) + [0x0A]
        let path = TempFiles.write(line, name: "huge.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // With the default 64 MiB cap: an error naming line 1.
        do { _ = try SequenceReader.readAll(path: path); Issue.record("no error") } catch let e as DataError {
            #expect(e.line == 1)
            #expect(e.message.contains("longer than"))
        }
        // With a larger cap it is read as one record.
        let records = try SequenceReader.readAll(path: path, options: ReaderOptions(maxLineBytes: 128 << 20))
        #expect(records.first?.sequence.count == 100 << 20)
    }

    @Test func missingFile() {
        #expect(throws: DataError.self) { _ = try SequenceReader(path: "/nonexistent/x.fa") }
    }
}

@Suite struct CompressedInputTests {
    @Test func xzFixture() throws {
        let reader = try SequenceReader(path: FixtureFiles.path("small.fa.xz"))
        #expect(reader.compression == .xz)
        var records: [SequenceRecord] = []
        while let r = try reader.next() { records.append(r) }
        #expect(records.map(\.sequenceString) == ["ACGTACGTACGGGG", "TTTT"])
        #expect(records.first?.label == "x")
    }

    @Test func truncatedXzIsAnError() throws {
        let bytes = Array(FileManager.default.contents(atPath: FixtureFiles.path("small.fa.xz"))!)
        let cut = TempFiles.write(Array(bytes.prefix(bytes.count - 12)), name: "cut.fa.xz")
        #expect(throws: DataError.self) { _ = try SequenceReader.readAll(path: cut) }
    }

    @Test(.enabled(if: SharedData.available, "needs ../shared/data"))
    func sharedXzGenome() throws {
        let dir = SharedData.path("genomes")
        guard let name = try FileManager.default.contentsOfDirectory(atPath: dir).first(where: { $0.hasSuffix(".xz") }) else { return }
        let records = try SequenceReader.readAll(path: dir + "/" + name)
        #expect(records.count >= 1)
        #expect(records[0].sequence.count > 1_000_000)
    }
}

@Suite struct SequenceReaderRefillTests {
    /// `next(into:)` — the cleaning pipeline's way to read into recycled records — gives the
    /// records `next()` gives, field for field, past the records that decide the Phred offset
    /// and across records of different lengths, labels, ambiguity codes (dropped or turned into
    /// N) and blank lines; its drop counts and end of file are `next()`'s, and the refilled
    /// record's buffers are the ones it already had.
    @Test(arguments: [AmbiguityPolicy.drop, .toN])
    func refillingGivesTheRecordsNextGives(_ ambiguity: AmbiguityPolicy) throws {
        var rng = FuzzTests.Generator(state: 7)
        var text = ""
        for i in 0..<300 {
            let n = Int.random(in: 1...40, using: &rng)
            let seq = String((0..<n).map { _ in Array("ACGTNacgtRY")[Int.random(in: 0..<(i % 7 == 0 ? 11 : 4), using: &rng)] })
            let qual = String((0..<n).map { _ in Character(UnicodeScalar(UInt8.random(in: 35...74, using: &rng))) })
            let label = i % 3 == 0 ? "" : "|\(i % 2)"
            text += "@read\(i) some description\(label)\n\(seq)\n+\n\(qual)\n" + (i % 50 == 0 ? "\n" : "")
        }
        let path = TempFiles.write(text, name: "refill.fastq")
        let options = ReaderOptions(ambiguity: ambiguity, phredDetectionRecords: 20)
        let plain = try SequenceReader(path: path, options: options)
        var expected: [SequenceRecord] = []
        while let r = try plain.next() { expected.append(r) }

        let refilling = try SequenceReader(path: path, options: options)
        var record = SequenceRecord(id: "", sequence: [], position: SourcePosition(file: "", line: 0))
        var got: [SequenceRecord] = []
        var refilledInPlace = 0
        while true {
            let buffers = (record.sequence.withUnsafeBufferPointer { $0.baseAddress }, record.quality?.withUnsafeBufferPointer { $0.baseAddress })
            guard try refilling.next(into: &record) else { break }
            if buffers == (record.sequence.withUnsafeBufferPointer { $0.baseAddress }, record.quality?.withUnsafeBufferPointer { $0.baseAddress }) {
                refilledInPlace += 1
            }
            got.append(record)
            // `got` now shares the record's buffers; the record gets buffers of its own (as a
            // recycled batch's records have), large enough for any read here.
            record.sequence.reserveCapacity(64)
            record.quality?.reserveCapacity(64)
        }
        #expect(got == expected)
        #expect(got.count > 250 && got.count < 300 || ambiguity == .toN && got.count == 300)
        #expect(refilling.droppedAmbiguousByLabel == plain.droppedAmbiguousByLabel)
        #expect(try refilling.next(into: &record) == false)
        #expect(refilledInPlace > 200)  // all but the first 20 (read before the offset was decided)
    }
}
