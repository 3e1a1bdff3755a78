/// The per-byte passes over every read's bases and qualities, written over 16-byte vectors.
///
/// Plain loops over these bytes compile to one byte at a time: the optimiser turns an
/// "any byte outside the set" scan into a loop that exits at the first such byte, and a
/// conditional store into a branch, and neither is vectorised. On FASTQ cleaning these passes
/// were a fifth of the reading thread's time; as vectors they are a few percent.
@usableFromInline enum ByteScan {
    @usableFromInline typealias V = SIMD16<UInt8>

    /// Whether every byte is an upper-case A, C, G or T.
    @inlinable @inline(__always)
    static func allACGT(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        let a = V(repeating: 0x41), c = V(repeating: 0x43), g = V(repeating: 0x47), t = V(repeating: 0x54)
        var other = SIMDMask<V.MaskStorage>(repeating: false)
        while i + 16 <= n {
            let v = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
            other .|= .!((v .== a) .| (v .== c) .| (v .== g) .| (v .== t))
            i += 16
        }
        if any(other) { return false }
        while i < n {
            let b = base[i]
            if b != 0x41 && b != 0x43 && b != 0x47 && b != 0x54 { return false }
            i += 1
        }
        return true
    }

    /// Whether every byte is a printable quality character, `!` (33) to `~` (126).
    @inlinable @inline(__always)
    static func allQualityCharacters(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        let low = V(repeating: 33), span = V(repeating: 93)
        var outside = SIMDMask<V.MaskStorage>(repeating: false)
        while i + 16 <= n {
            let v = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
            outside .|= (v &- low) .> span
            i += 16
        }
        if any(outside) { return false }
        while i < n {
            if base[i] &- 33 > 93 { return false }
            i += 1
        }
        return true
    }

    /// Quality characters to scores in place: `max(c, offset) - offset` (characters below the
    /// offset become 0).
    @inlinable @inline(__always)
    static func decodeQualities(_ bytes: UnsafeMutableBufferPointer<UInt8>, offset: UInt8) {
        guard let base = bytes.baseAddress else { return }
        let n = bytes.count
        var i = 0
        let o = V(repeating: offset)
        while i + 16 <= n {
            let raw = UnsafeMutableRawPointer(base + i)
            let v = raw.loadUnaligned(as: V.self)
            raw.storeBytes(of: pointwiseMax(v, o) &- o, as: V.self)
            i += 16
        }
        while i < n {
            base[i] = max(base[i], offset) &- offset
            i += 1
        }
    }

    /// Scores to quality characters in place: `min(q, 126 - offset) + offset` (scores above
    /// what the offset can write become `~`).
    @inlinable @inline(__always)
    static func encodeQualities(_ bytes: UnsafeMutableBufferPointer<UInt8>, offset: UInt8) {
        guard let base = bytes.baseAddress else { return }
        let n = bytes.count
        var i = 0
        let o = V(repeating: offset), top = V(repeating: 126 - offset)
        while i + 16 <= n {
            let raw = UnsafeMutableRawPointer(base + i)
            let v = raw.loadUnaligned(as: V.self)
            raw.storeBytes(of: pointwiseMin(v, top) &+ o, as: V.self)
            i += 16
        }
        while i < n {
            base[i] = min(base[i], 126 - offset) &+ offset
            i += 1
        }
    }
}
