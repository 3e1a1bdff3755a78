/// Nucleotide-level helpers shared by readers, cleaning and tokenizers.
public enum Nucleotide {
    /// The Watson–Crick complement of an upper-case base as an ASCII byte: A↔T, C↔G; N and
    /// anything else map to N.
    @inlinable
    public static func complement(_ base: UInt8) -> UInt8 {
        switch base {
        case UInt8(ascii: "A"): return UInt8(ascii: "T")
        case UInt8(ascii: "T"): return UInt8(ascii: "A")
        case UInt8(ascii: "C"): return UInt8(ascii: "G")
        case UInt8(ascii: "G"): return UInt8(ascii: "C")
        default: return UInt8(ascii: "N")
        }
    }

    /// The reverse complement of a normalised (upper-case ACGTN) sequence. O(n).
    public static func reverseComplement(_ sequence: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: sequence.count)
        let n = sequence.count
        for i in 0..<n { out[n - 1 - i] = complement(sequence[i]) }
        return out
    }

    /// The reverse complement of a normalised sequence given as a string.
    public static func reverseComplement(_ sequence: String) -> String {
        String(decoding: reverseComplement(Array(sequence.utf8)), as: UTF8.self)
    }
}
