import Foundation
import Testing
@testable import Data

@Suite struct GenomeCorpusTests {
    @Test(arguments: ["tiny.fa", "tiny.fa.gz", "tiny.fa.xz"])
    func readsMultiRecordMultiLineCompressedFasta(file: String) throws {
        let corpus = try GenomeCorpus(paths: [FixtureFiles.path("genomes/" + file)])
        #expect(corpus.contigCount == 2)
        #expect(corpus.emptyRecordsSkipped == 1)
        #expect(corpus.contigs.map(\.name) == ["chr1", "plasmid|p1"])
        #expect(corpus.contigs[0].header == "chr1 test contig one")
        #expect(corpus.contigs[1].header == "plasmid|p1")
        // Lower case upper-cased, R/Y → N, U → T, lines joined, CR dropped.
        #expect(String(decoding: corpus.contigs[0].bases, as: UTF8.self) == "ACGTACGTNNNNACGTTGCA")
        #expect(String(decoding: corpus.contigs[1].bases, as: UTF8.self) == "GGCCAATTT")
        #expect(corpus.contigs.map(\.length) == [20, 9])
        #expect(corpus.contigs.map(\.nCount) == [4, 0])
        #expect(corpus.contigs[1].position.line == 6)
        #expect(corpus.totalBases == 29)
        #expect(abs(corpus.nFraction - 4.0 / 29.0) < 1e-12)
        #expect(corpus.summary.hasPrefix("1 file, 2 contigs, 29 bases, N 13.793 %"))
    }

    @Test func readsSeveralFilesInOrder() throws {
        let a = TempFiles.write(">a\nAAAA\n", name: "a.fa")
        let b = TempFiles.writeGzip(">b desc\nCCCCCC\n>c\nG\n", name: "b.fna.gz")
        let corpus = try GenomeCorpus(paths: [a, b])
        #expect(corpus.contigs.map(\.name) == ["a", "b", "c"])
        #expect(corpus.contigs.map(\.length) == [4, 6, 1])
        #expect(corpus.files == [a, b])
        #expect(corpus.nFraction == 0)
        #expect(corpus.contigs[2].position == SourcePosition(file: b, line: 3))
    }

    /// Each bad input names the file, and the line where one applies.
    @Test(arguments: [
        ("ACGT\n>x\nACGT\n", "g.fa", 1 as Int?, "expected a FASTA header"),
        (">x\nACGT\nAC-T\n", "g.fa", 3, "invalid character '-'"),
        (">x\nAC\u{0}T\n", "g.fa", 2, "binary data"),
        ("", "g.fa", 1, "empty file"),
        ("\n\n", "g.fa", 2, "empty file"),
        (">x\n>y\n", "g.fa", nil, "every FASTA record is empty"),
        ("@r\nACGT\n+\nIIII\n", "reads.fastq", nil, "not FASTQ"),
        ("sequence,label\nACGT,1\n", "t.csv", nil, "not CSV"),
        ("gene\tstart\nabc\t1\n", "g.fasta", 1, "expected a FASTA header"),
    ])
    func rejectsWhatIsNotAGenome(text: String, name: String, line: Int?, message: String) throws {
        let path = TempFiles.write(text, name: name)
        do {
            _ = try GenomeCorpus(paths: [path])
            Issue.record("accepted \(name): \(text.debugDescription)")
        } catch let error as DataError {
            #expect(error.file == path)
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test func missingFilesAndNoFilesAreErrors() {
        #expect(throws: DataError(file: "/nonexistent/g.fa", "no such file")) {
            try GenomeCorpus(paths: ["/nonexistent/g.fa"])
        }
        #expect(throws: DataError.self) { try GenomeCorpus(paths: []) }
        #expect(throws: DataError.self) { try GenomeCorpus(contigs: []) }
        #expect(throws: DataError.self) {
            try GenomeCorpus(contigs: [GenomeContig(name: "e", header: "e", position: SourcePosition(file: "x", line: 1), bases: [])])
        }
    }

    @Test func corruptCompressedDataIsAnError() throws {
        var bytes = Array(try Foundation.Data(contentsOf: URL(fileURLWithPath: FixtureFiles.path("genomes/tiny.fa.xz"))))
        bytes.removeLast(20)
        let path = TempFiles.write(bytes, name: "cut.fa.xz")
        #expect(throws: DataError.self) { try GenomeCorpus(paths: [path]) }
    }

    @Test(arguments: [1, 2, 3, 5, 10, 1000])
    func copiesWindowsOnBothStrands(length: Int) throws {
        var generator = SeededRandom(seed: UInt64(length))
        let bases = (0..<(length + 7)).map { _ in Array("ACGTN".utf8)[generator.nextInt(below: 5)] }
        let corpus = try GenomeCorpus(contigs: [GenomeContig(name: "c", header: "c", position: SourcePosition(file: "x", line: 1), bases: bases)])
        let forward = GenomeWindow(contig: 0, start: 3, length: length, reverse: false)
        var reverse = forward; reverse.reverse = true
        #expect(corpus.bases(of: forward) == Array(bases[3..<(3 + length)]))
        #expect(corpus.bases(of: reverse) == Nucleotide.reverseComplement(Array(bases[3..<(3 + length)])))
        #expect(corpus.nCount(in: forward) == bases[3..<(3 + length)].filter { $0 == UInt8(ascii: "N") }.count)
        #expect(corpus.nCount(in: reverse) == corpus.nCount(in: forward))
    }
}

/// Genome corpora built in memory for the sampler, masking and batch tests.
enum TestGenomes {
    /// A corpus of random ACGT contigs of the given lengths (seeded).
    static func random(lengths: [Int], seed: UInt64 = 1) -> GenomeCorpus {
        var generator = SeededRandom(seed: seed)
        let contigs = lengths.enumerated().map { i, n in
            GenomeContig(name: "c\(i)", header: "c\(i)", position: SourcePosition(file: "mem", line: i + 1),
                         bases: (0..<n).map { _ in Array("ACGT".utf8)[generator.nextInt(below: 4)] })
        }
        return try! GenomeCorpus(contigs: contigs)
    }

    /// One contig from a string.
    static func contig(_ text: String) -> GenomeCorpus {
        try! GenomeCorpus(contigs: [GenomeContig(name: "c", header: "c", position: SourcePosition(file: "mem", line: 1), bases: Array(text.utf8))])
    }
}
