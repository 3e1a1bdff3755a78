/// A 64-bit hash of a normalised sequence, computed over its bases packed 3 bits each (A, C,
/// G, T, N and anything else), 21 to a word, each word mixed with splitmix64's finalizer.
/// `canonical` hashes a sequence and its reverse complement to the same value.
///
/// Two different sequences collide with probability about 2⁻⁶⁴ per pair (about 3·10⁻⁸ for
/// a million distinct sequences), which exact-duplicate removal accepts.
public enum SequenceHash {
    @usableFromInline static let codes: [UInt8] = {
        var t = [UInt8](repeating: 5, count: 256)
        t[Int(UInt8(ascii: "A"))] = 1; t[Int(UInt8(ascii: "C"))] = 2
        t[Int(UInt8(ascii: "G"))] = 3; t[Int(UInt8(ascii: "T"))] = 4; t[Int(UInt8(ascii: "N"))] = 6
        return t
    }()
    /// Code of the complement of a base (A↔T, C↔G, N and others unchanged).
    @usableFromInline static let complementCodes: [UInt8] = {
        var t = codes
        t[Int(UInt8(ascii: "A"))] = 4; t[Int(UInt8(ascii: "T"))] = 1
        t[Int(UInt8(ascii: "C"))] = 3; t[Int(UInt8(ascii: "G"))] = 2
        return t
    }()

    @inlinable static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The hash of the sequence read forwards.
    @inlinable
    public static func forward(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        codes.withUnsafeBufferPointer { t in
            var h: UInt64 = 0x1234_5678_9ABC_DEF1 ^ UInt64(s.count)
            var word: UInt64 = 0
            var filled = 0
            for b in s {
                word = (word << 3) | UInt64(t[Int(b)])
                filled += 1
                if filled == 21 { h = mix(h ^ word); word = 0; filled = 0 }
            }
            if filled > 0 { h = mix(h ^ word) }
            return h
        }
    }

    /// The hash of the reverse complement, computed without building it: the definition that
    /// `canonical` computes in one pass with `forward` (and is tested against).
    @inlinable
    public static func reverseComplement(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        complementCodes.withUnsafeBufferPointer { t in
            var h: UInt64 = 0x1234_5678_9ABC_DEF1 ^ UInt64(s.count)
            var word: UInt64 = 0
            var filled = 0
            var i = s.count - 1
            while i >= 0 {
                word = (word << 3) | UInt64(t[Int(s[i])])
                filled += 1
                if filled == 21 { h = mix(h ^ word); word = 0; filled = 0 }
                i -= 1
            }
            if filled > 0 { h = mix(h ^ word) }
            return h
        }
    }

    /// The hash, optionally the same for a sequence and its reverse complement.
    @inlinable
    public static func hash(_ s: UnsafeBufferPointer<UInt8>, canonical: Bool) -> UInt64 {
        canonical ? Self.canonical(s) : forward(s)
    }

    /// `min(forward(s), reverseComplement(s))` in one pass: both strands' words are packed in the
    /// same loop (two independent dependency chains, one word of 21 bases at a time without a
    /// per-base branch), about half the time of the two passes.
    @inlinable
    public static func canonical(_ s: UnsafeBufferPointer<UInt8>) -> UInt64 {
        codes.withUnsafeBufferPointer { t in
            complementCodes.withUnsafeBufferPointer { c in
                let n = s.count
                var hf: UInt64 = 0x1234_5678_9ABC_DEF1 ^ UInt64(n), hr = hf
                guard let p = s.baseAddress, n > 0 else { return hf }
                var start = 0
                while start < n {
                    let end = min(start + 21, n)
                    var wf: UInt64 = 0, wr: UInt64 = 0
                    for i in start..<end {
                        wf = (wf << 3) | UInt64(t[Int(p[i])])
                        wr = (wr << 3) | UInt64(c[Int(p[n - 1 - i])])
                    }
                    hf = mix(hf ^ wf)
                    hr = mix(hr ^ wr)
                    start = end
                }
                return min(hf, hr)
            }
        }
    }

    /// The hash of an array.
    public static func hash(_ s: [UInt8], canonical: Bool) -> UInt64 {
        s.withUnsafeBufferPointer { hash($0, canonical: canonical) }
    }
}
