/// Cutadapt's quality trimming (`-q FRONT,BACK`, `cutadapt/qualtrim.pyx`
/// `quality_trim_index`), the algorithm of BWA's `bwa_trim_read`: subtract the cutoff from
/// every quality, sum from the read's end inwards, and cut where the partial sum is largest,
/// stopping as soon as the sum turns negative.
public enum QualityTrimmer {
    /// The good segment `start..<stop` of a read with decoded Phred `qualities`; an empty
    /// range at 0 when nothing is left. A cutoff of 0 leaves that end alone.
    public static func trimRange(_ qualities: UnsafeBufferPointer<UInt8>, cutoffFront: Int = 0, cutoffBack: Int) -> Range<Int> {
        let n = qualities.count
        var start = 0, stop = n
        var s = 0, best = 0
        for i in 0..<n {
            s += cutoffFront - Int(qualities[i])
            if s < 0 { break }
            if s > best { best = s; start = i + 1 }
        }
        s = 0; best = 0
        var i = n - 1
        while i >= 0 {
            s += cutoffBack - Int(qualities[i])
            if s < 0 { break }
            if s > best { best = s; stop = i }
            i -= 1
        }
        return start >= stop ? 0..<0 : start..<stop
    }

    /// `trimRange` over an array.
    public static func trimRange(_ qualities: [UInt8], cutoffFront: Int = 0, cutoffBack: Int) -> Range<Int> {
        qualities.withUnsafeBufferPointer { trimRange($0, cutoffFront: cutoffFront, cutoffBack: cutoffBack) }
    }
}
