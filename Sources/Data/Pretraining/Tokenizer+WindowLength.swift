extension Tokenizer {
    /// The window length, in bases, whose encoding (`[CLS]` + tokens + `[SEP]`) fills exactly
    /// `tokens` positions: `tokens - 2 + k - 1` for overlapping k-mers, `tokens - 2` for single
    /// bases, `(tokens - 2) · k` for non-overlapping k-mers. E.g. 512 positions with 6-mers →
    /// 515 bases. `tokens` must be at least 3.
    public func windowLength(forTokens tokens: Int) -> Int {
        precondition(tokens >= 3, "a window needs room for [CLS], one token and [SEP]")
        switch mode {
        case .nucleotide: return tokens - 2
        case .overlapping(let k): return tokens - 2 + k - 1
        case .nonOverlapping(let k): return (tokens - 2) * k
        }
    }
}
