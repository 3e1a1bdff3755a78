/// The split of a genome corpus into training and validation bases for masked-LM
/// pretraining: a fixed region at the 3' end of each contig is held out, and no training
/// window ever touches it.
///
/// The choice: each contig keeps its first `1 - validationFraction` for training and its last
/// `validationFraction` (rounded down) for validation, so the split is a pure function of the
/// corpus, the fraction and the window length — independent of the seed — and the
/// validation loss of runs with different seeds is measured on the very same windows. A
/// contig is split only when both parts hold at least one whole window; otherwise it is all
/// training. The validation windows tile each held-out region without overlap (stride =
/// window length), alternate forward and reverse strand, skip those with too many N, and
/// are thinned to at most `maxValidationWindows`, evenly spaced.
///
/// Caveat: a held-out region is new sequence to the model, not a new organism; closely
/// related genomes in one corpus (two E. coli strains) share sequence across the split.
public struct HeldOutRegions: Sendable, Equatable {
    /// Per contig, the training bases are `0..<trainingEnd[i]` and the held-out bases
    /// `trainingEnd[i]..<length`.
    public let trainingEnd: [Int]
    /// The fixed validation windows, in contig then position order.
    public let validationWindows: [GenomeWindow]
    /// Validation windows dropped for their N content (before thinning).
    public let validationWindowsRejectedForN: Int

    /// Splits `corpus` for windows of `options.windowLength` bases.
    public init(corpus: GenomeCorpus, options: PretrainingDataOptions) {
        let w = options.windowLength
        var ends: [Int] = []
        var windows: [GenomeWindow] = []
        var rejected = 0
        for (index, contig) in corpus.contigs.enumerated() {
            let length = contig.length
            let held = Int((Double(length) * options.validationFraction).rounded(.down))
            guard w > 0, held >= w, length - held >= w else { ends.append(length); continue }
            let trainingEnd = length - held
            ends.append(trainingEnd)
            var start = trainingEnd
            while start + w <= length {
                let window = GenomeWindow(contig: index, start: start, length: w, reverse: windows.count % 2 == 1)
                if Double(corpus.nCount(in: window)) > options.maxNFraction * Double(w) {
                    rejected += 1
                } else {
                    windows.append(window)
                }
                start += w
            }
        }
        let cap = options.maxValidationWindows
        if windows.count > cap {
            let n = windows.count
            windows = (0..<cap).map { windows[$0 * n / cap] }
        }
        trainingEnd = ends
        validationWindows = windows
        validationWindowsRejectedForN = rejected
    }

    /// The number of training window starts in contig `i` for windows of `length` bases.
    public func trainingStarts(contig i: Int, windowLength length: Int) -> Int {
        max(0, trainingEnd[i] - length + 1)
    }

    /// True when `window` lies wholly inside the training part of its contig.
    public func isTraining(_ window: GenomeWindow) -> Bool {
        window.start >= 0 && window.end <= trainingEnd[window.contig]
    }
}
