extension GenomeCorpus {
    /// Writes the bases of `window` into `buffer` (which must hold `window.length` bytes):
    /// the forward strand as stored, or its reverse complement. Allocates nothing. O(length).
    public func copyBases(of window: GenomeWindow, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        precondition(buffer.count >= window.length, "the buffer holds \(buffer.count) bases, the window \(window.length)")
        contigs[window.contig].bases.withUnsafeBufferPointer { bases in
            precondition(window.start >= 0 && window.end <= bases.count, "window outside its contig")
            if window.reverse {
                let last = window.end - 1
                for i in 0..<window.length { buffer[i] = Nucleotide.complement(bases[last - i]) }
            } else {
                for i in 0..<window.length { buffer[i] = bases[window.start + i] }
            }
        }
    }

    /// The bases of `window` as an array (for tests and display).
    public func bases(of window: GenomeWindow) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: window.length) { buffer, count in
            copyBases(of: window, into: buffer)
            count = window.length
        }
    }

    /// The number of N in `window` (the same on both strands). O(length).
    public func nCount(in window: GenomeWindow) -> Int {
        contigs[window.contig].bases.withUnsafeBufferPointer { bases in
            var n = 0
            for i in window.start..<window.end where bases[i] == UInt8(ascii: "N") { n += 1 }
            return n
        }
    }
}
