extension Tokenizer {
    /// The window length, in bases, whose encoding (`[CLS]` + tokens + `[SEP]`) fills exactly
    /// `tokens` positions: `tokens - 2 + k - 1` for overlapping k-mers, `tokens - 2` for single
    /// bases, `(tokens - 2) · k` for non-overlapping k-mers. E.g. 512 positions with 6-mers →
    /// 515 bases. `tokens` must be at least 3.
    /// For the content-dependent modes, see the cases.
    public func windowLength(forTokens tokens: Int) -> Int {
        precondition(tokens >= 3, "a window needs room for [CLS], one token and [SEP]")
        switch mode {
        case .nucleotide: return tokens - 2
        case .overlapping(let k): return tokens - 2 + k - 1
        case .nonOverlapping(let k): return (tokens - 2) * k
        // Content-dependent: the bases that fill the window when every token is a whole k-mer
        // (an N makes more tokens, which truncation cuts), or one base per BPE token (BPE
        // tokens hold one base or more, so the window never overflows).
        case .kmersWithBaseFallback(let k): return (tokens - specialTokenCount) * k
        case .bpe: return tokens - specialTokenCount
        }
    }
}
