import Foundation

/// The built-in demo dataset: a synthetic promoter-detection task generated in code,
/// deterministically from a seed, and delivered as FASTQ reads with the artefacts of real
/// sequencing so that every cleaning step has something to find.
///
/// - Background: a first-order Markov chain with ~46 % GC and CpG depletion (as in
///   vertebrate DNA).
/// - Promoters carry a noisy core promoter: an Inr-like initiator (YYANWYY variants) with, in
///   most reads, a TATA box (TATAWAWR variants) 24–33 bp upstream and often a GC box
///   (GGGCGG) further upstream; positions and spacing vary, planted bases mutate at 8 %; 40 % of promoters lie in CpG islands (~58 % GC), and
///   some promoters are "weak" (no motif). Background reads sometimes hold a lone decoy TATA
///   box or Inr. The task is learnable well above chance but not perfectly.
/// - The 3-class variant adds enhancer-like reads: clusters of 2–4 TF sites (AP-1, CREB,
///   E-box, ETS), mutated, at random positions.
/// - Classes are imbalanced, about 1 promoter : 6 background (1 : 1 : 5 with enhancers).
/// - Reads are 100–150 bp with Phred+33 qualities; ~3 % are exact duplicates (a few with a
///   conflicting label), ~6 % run into the Illumina adapter (`AGATCGGAAGAGC…`, truncated
///   at the read's end), ~5 % have a low-quality tail, ~2 % are poor over most of their length, ~1 % are
///   N-rich, and some inserts are too short to keep after trimming.
///
/// Labels are written after the last `|` of the header (`@demo_00042|promoter`), DNALLM's
/// FASTA convention, which dnatune's readers apply to FASTQ as well.
public enum DemoDataset {
    /// The default seed of the built-in demo.
    public static let defaultSeed: UInt64 = 20_240_601
    /// The default number of reads.
    public static let defaultCount = 3_000
    /// The Illumina TruSeq adapter that read-through reads run into.
    public static let adapter = Array("AGATCGGAAGAGCACACGTCTGAACTCCAGTCACATCTCGTATGCCGTCTTCTGCTTG".utf8)

    /// The class names of the 2- or 3-class variant.
    public static func labelNames(classes: Int) throws -> [String] {
        switch classes {
        case 2: return ["non_promoter", "promoter"]
        case 3: return ["background", "enhancer", "promoter"]
        default: throw DataError("the demo dataset has 2 or 3 classes, not \(classes)")
        }
    }

    /// The reads of the demo, in file order. Deterministic in `(classes, seed, count)`.
    public static func records(classes: Int = 2, seed: UInt64 = defaultSeed, count: Int = defaultCount,
                               file: String = "demo.fastq") throws -> [SequenceRecord] {
        let names = try labelNames(classes: classes)
        guard count >= 0 else { throw DataError("the demo read count must not be negative") }
        var g = Generator(seed: seed)
        var out: [SequenceRecord] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let id = String(format: "demo_%05d", i + 1)
            let position = SourcePosition(file: file, line: 4 * i + 1)
            // Duplicates and conflicts copy an earlier read.
            if i >= 20 {
                let roll = g.rng.nextDouble()
                if roll < 0.0315 {
                    var copy = out[g.rng.nextInt(below: out.count)]
                    copy.id = id; copy.position = position
                    if roll >= 0.03 {  // a conflicting label for the same sequence
                        let others = names.filter { $0 != copy.label }
                        copy.label = others[g.rng.nextInt(below: others.count)]
                    }
                    out.append(copy)
                    continue
                }
            }
            let label = g.drawClass(classes: classes)
            let length = 100 + g.rng.nextInt(below: 51)
            let insert = g.insert(label: label, classes: classes, length: length)
            var (sequence, quality) = g.read(from: insert, length: length)
            g.addArtefacts(&sequence, &quality)
            out.append(SequenceRecord(id: id, sequence: sequence, quality: quality,
                                      label: names[classIndex(label, classes: classes)], position: position))
        }
        return out
    }

    /// The reads as FASTQ text (Phred+33).
    public static func fastq(_ records: [SequenceRecord]) -> String {
        var text = ""
        text.reserveCapacity(records.count * 330)
        for r in records {
            text += "@\(r.id)|\(r.label ?? "")\n"
            text += r.sequenceString
            text += "\n+\n"
            text += String(decoding: (r.quality ?? r.sequence.map { _ in 40 }).map { $0 + 33 }, as: UTF8.self)
            text += "\n"
        }
        return text
    }

    /// One line describing the variant, for a README beside the written file.
    public static func readme(classes: Int, seed: UInt64, count: Int) -> String {
        let classesText = classes == 3 ? "promoter / enhancer-like / background, about 1:1:5"
            : "promoter vs non-promoter, about 1:6"
        return "demo.fastq: dnatune's synthetic demo (\(classesText)), \(count) reads of 100-150 bp, seed \(seed); "
            + "FASTQ Phred+33, label after the last '|' of the header (@id|label); planted noisy TATA/Inr/GC-box "
            + "promoter motifs in a CpG-depleted ~46% GC background; includes duplicates, adapter read-through "
            + "(AGATCGGAAGAGC), low-quality and N-rich reads for the cleaning steps to find.\n"
    }

    /// Writes `demo.fastq` and `README.txt` into `directory` (atomically) and returns the
    /// FASTQ file's URL.
    @discardableResult
    public static func write(to directory: URL, classes: Int = 2, seed: UInt64 = defaultSeed,
                             count: Int = defaultCount) throws -> URL {
        try AtomicFile.createDirectory(atPath: directory.path)
        let url = directory.appendingPathComponent("demo.fastq")
        let recs = try records(classes: classes, seed: seed, count: count, file: url.path)
        try AtomicFile.write(Array(fastq(recs).utf8), to: url.path)
        try AtomicFile.write(Array(readme(classes: classes, seed: seed, count: count).utf8),
                             to: directory.appendingPathComponent("README.txt").path)
        return url
    }

    /// Internal classes: 0 background, 1 promoter, 2 enhancer; mapped to the sorted names.
    private static func classIndex(_ label: Int, classes: Int) -> Int {
        classes == 2 ? label : [0, 2, 1][label]
    }

    private struct Generator {
        var rng: SeededRandom
        init(seed: UInt64) { rng = SeededRandom(seed: seed, stream: 0x44454D4F) }  // "DEMO"

        static let bases = Array("ACGT".utf8)
        /// Markov transitions (rows: previous base A, C, G, T), cumulative; CpG depleted.
        static let transitions: [[Double]] = [
            [0.30, 0.20, 0.25, 0.25], [0.30, 0.29, 0.05, 0.36], [0.25, 0.25, 0.29, 0.21], [0.20, 0.22, 0.26, 0.32],
        ].map { row in var s = 0.0; return row.map { s += $0; return s } }
        /// A CpG-island chain (~58 % GC, CpG not depleted) for part of the promoters.
        static let islandTransitions: [[Double]] = [
            [0.22, 0.28, 0.32, 0.18], [0.20, 0.32, 0.28, 0.20], [0.20, 0.32, 0.30, 0.18], [0.14, 0.28, 0.34, 0.24],
        ].map { row in var s = 0.0; return row.map { s += $0; return s } }
        static let tata = ["TATAAAAG", "TATAAAAA", "TATATAAG", "TATAAATA"]
        static let inr = ["TCAGTCT", "CCACTCT", "TCATTCT"]
        static let gcBox = ["GGGCGG", "GGGGCGGGG", "CCGCCC"]
        static let enhancerSites = ["TGACTCA", "TGAGTCA", "TGACGTCA", "CACGTG", "CCGGAAGT", "ACTTCCGG"]

        mutating func drawClass(classes: Int) -> Int {
            let r = rng.nextDouble()
            if classes == 2 { return r < 1.0 / 7 ? 1 : 0 }
            return r < 1.0 / 7 ? 1 : r < 2.0 / 7 ? 2 : 0
        }

        mutating func background(_ length: Int, island: Bool = false) -> [UInt8] {
            var s = [UInt8](); s.reserveCapacity(length)
            var prev = rng.nextInt(below: 4)
            for _ in 0..<length {
                let r = rng.nextDouble()
                let row = island ? Self.islandTransitions[prev] : Self.transitions[prev]
                prev = r < row[0] ? 0 : r < row[1] ? 1 : r < row[2] ? 2 : 3
                s.append(Self.bases[prev])
            }
            return s
        }

        /// Writes `motif` at `at`, each base mutated with probability `rate`.
        mutating func plant(_ motif: String, into s: inout [UInt8], at: Int, rate: Double = 0.08) {
            for (j, b) in motif.utf8.enumerated() where at + j >= 0 && at + j < s.count {
                s[at + j] = rng.nextDouble() < rate ? Self.bases[rng.nextInt(below: 4)] : b
            }
        }

        mutating func pick(_ list: [String]) -> String { list[rng.nextInt(below: list.count)] }

        mutating func insert(label: Int, classes: Int, length: Int) -> [UInt8] {
            // Part of the promoters sit in CpG islands, a spread-out compositional signal.
            var s = background(length, island: label == 1 && rng.nextDouble() < 0.4)
            switch label {
            case 1:  // promoter
                if rng.nextDouble() < 0.07 { break }  // a weak promoter: no recognisable motif
                let inrAt = Int(Double(length) * (0.40 + 0.30 * rng.nextDouble()))
                if rng.nextDouble() < 0.85 { plant(pick(Self.inr), into: &s, at: inrAt) }
                if rng.nextDouble() < 0.75 {
                    let tataAt = inrAt - (24 + rng.nextInt(below: 10))
                    plant(pick(Self.tata), into: &s, at: tataAt)
                    if rng.nextDouble() < 0.4 { plant(pick(Self.gcBox), into: &s, at: tataAt - 15 - rng.nextInt(below: 25)) }
                } else if rng.nextDouble() < 0.6 {
                    plant(pick(Self.gcBox), into: &s, at: inrAt - 20 - rng.nextInt(below: 30))
                }
            case 2:  // enhancer-like
                for _ in 0..<(2 + rng.nextInt(below: 3)) {
                    plant(pick(Self.enhancerSites), into: &s, at: rng.nextInt(below: length - 8))
                }
            default:  // background, sometimes with a lone decoy
                let r = rng.nextDouble()
                if r < 0.07 { plant(pick(Self.tata), into: &s, at: rng.nextInt(below: length - 8)) }
                else if r < 0.14 { plant(pick(Self.inr), into: &s, at: rng.nextInt(below: length - 7)) }
                else if r < 0.24 && classes == 3 { plant(pick(Self.enhancerSites), into: &s, at: rng.nextInt(below: length - 8)) }
            }
            return s
        }

        /// A standard normal draw (Box–Muller).
        mutating func normal() -> Double {
            let u = max(rng.nextDouble(), 1e-12), v = rng.nextDouble()
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
        }

        /// The read of `length` bases over an insert: adapter read-through for short
        /// fragments, and a quality profile that decays towards the 3' end.
        mutating func read(from insert: [UInt8], length: Int) -> ([UInt8], [UInt8]) {
            var s = insert
            let r = rng.nextDouble()
            if r < 0.07 {
                // Fragment shorter than the read: the read continues into the adapter.
                let fragment = r < 0.06 ? 30 + rng.nextInt(below: length - 36) : 4 + rng.nextInt(below: 20)
                s = Array(insert.prefix(fragment)) + DemoDataset.adapter.prefix(length - fragment)
                while s.count < length { s.append(UInt8(ascii: "A")) }  // past the adapter: poly-A
            }
            var q = [UInt8](repeating: 0, count: length)
            for i in 0..<length {
                let x = Double(i) / Double(length)
                q[i] = UInt8(max(2, min(41, (37.5 - 7 * x * x + 1.8 * normal()).rounded())))
            }
            return (s, q)
        }

        mutating func addArtefacts(_ s: inout [UInt8], _ q: inout [UInt8]) {
            let r = rng.nextDouble()
            if r < 0.05 {  // low-quality tail, with errors
                let from = Int(Double(s.count) * (0.45 + 0.35 * rng.nextDouble()))
                for i in from..<s.count {
                    q[i] = UInt8(2 + rng.nextInt(below: 11))
                    if rng.nextDouble() < 0.25 { s[i] = Self.bases[rng.nextInt(below: 4)] }
                    if rng.nextDouble() < 0.05 { s[i] = UInt8(ascii: "N"); q[i] = 2 }
                }
            } else if r < 0.07 {  // poor over most of the read (a good 3' end hides it from trimming)
                let goodFrom = Int(Double(s.count) * 0.78)
                for i in 0..<goodFrom {
                    q[i] = UInt8(max(2, min(20, (12 + 4 * normal()).rounded())))
                    if rng.nextDouble() < 0.12 { s[i] = Self.bases[rng.nextInt(below: 4)] }
                }
            } else if r < 0.08 {  // N-rich
                let fraction = 0.15 + 0.25 * rng.nextDouble()
                for i in 0..<s.count where rng.nextDouble() < fraction { s[i] = UInt8(ascii: "N"); q[i] = 2 }
            }
        }
    }
}

extension DemoDataset {
    /// The regression variant's target name.
    public static let regressionTarget = "activity"
    /// The multi-label variant's labels: one motif family each.
    public static let multiLabelNames = ["AP1", "CREB", "EBOX", "ETS"]

    /// The regression demo: 120 bp sequences of the same CpG-depleted background whose target,
    /// a promoter "activity", is a noisy function of planted motifs — each TATA box adds 1.0,
    /// each GC box 0.6, each E-box takes 0.5 — plus 2 × (GC content − 0.46) and Gaussian noise
    /// (sd 0.3). 0–3 copies of each motif, mutated at 8 %. About 1 % are exact copies of an
    /// earlier sequence with a target further off than any tolerance (conflicts to report).
    /// Labels are the targets as text. Deterministic in `(seed, count)`.
    public static func regressionRecords(seed: UInt64 = defaultSeed, count: Int = defaultCount,
                                         file: String = "demo-regression.csv") -> [SequenceRecord] {
        var g = Generator(seed: seed ^ 0x5245_4752)  // "REGR"
        var out: [SequenceRecord] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let position = SourcePosition(file: file, line: i + 2)
            if i >= 20, g.rng.nextDouble() < 0.01 {
                var copy = out[g.rng.nextInt(below: out.count)]
                copy.id = "row \(i + 2)"; copy.position = position
                copy.label = String(format: "%.4f", (Double(copy.label!) ?? 0) + 3 + g.normal())
                out.append(copy)
                continue
            }
            var s = g.background(120)
            var target = 0.0
            for (motifs, weight) in [(Generator.tata, 1.0), (Generator.gcBox, 0.6), (["CACGTG"], -0.5)] {
                let copies = [0, 0, 1, 1, 2, 3][g.rng.nextInt(below: 6)]
                for _ in 0..<copies {
                    g.plant(g.pick(motifs), into: &s, at: g.rng.nextInt(below: 110))
                    target += weight
                }
            }
            let gc = Double(s.filter { $0 == UInt8(ascii: "G") || $0 == UInt8(ascii: "C") }.count) / Double(s.count)
            target += 2 * (gc - 0.46) + 0.3 * g.normal()
            out.append(SequenceRecord(id: "row \(i + 2)", sequence: s, label: String(format: "%.4f", target), position: position))
        }
        return out
    }

    /// The multi-label demo: 120 bp background sequences, each label (`multiLabelNames`) present
    /// independently with probability 0.3 (CREB twice as likely where AP-1 is), as 1–2 mutated
    /// copies of its motif family's sites; about 4 % of sequences carry an unlabelled decoy
    /// site. Labels are written `AP1;EBOX` (empty: none). Deterministic in `(seed, count)`.
    public static func multiLabelRecords(seed: UInt64 = defaultSeed, count: Int = defaultCount,
                                         file: String = "demo-multilabel.csv") -> [SequenceRecord] {
        var g = Generator(seed: seed ^ 0x4D4C_4142)  // "MLAB"
        let sites = [["TGACTCA", "TGAGTCA"], ["TGACGTCA"], ["CACGTG", "CAGCTG"], ["CCGGAAGT", "ACTTCCGG"]]
        var out: [SequenceRecord] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            var s = g.background(120)
            var present: [Int] = []
            for j in 0..<sites.count {
                let p = j == 1 && present.contains(0) ? 0.6 : 0.3
                if g.rng.nextDouble() < p { present.append(j) }
            }
            for j in present {
                for _ in 0..<(1 + g.rng.nextInt(below: 2)) { g.plant(g.pick(sites[j]), into: &s, at: g.rng.nextInt(below: 110)) }
            }
            if g.rng.nextDouble() < 0.04 {
                let decoy = g.rng.nextInt(below: sites.count)
                if !present.contains(decoy) { g.plant(g.pick(sites[decoy]), into: &s, at: g.rng.nextInt(below: 110), rate: 0.25) }
            }
            out.append(SequenceRecord(id: "row \(i + 2)", sequence: s,
                                      label: present.map { multiLabelNames[$0] }.joined(separator: ";"),
                                      position: SourcePosition(file: file, line: i + 2)))
        }
        return out
    }
}
