/// What to do with IUPAC ambiguity codes other than N (R, Y, S, W, K, M, B, D, H, V).
public enum AmbiguityPolicy: String, Sendable, Codable, CaseIterable {
    /// Replace the code by N (the record is kept).
    case toN = "n"
    /// Drop the whole record (counted in the reader's statistics).
    case drop
}

/// Normalises raw sequence bytes to upper-case `ACGTN`: lower case is upper-cased, U becomes
/// T, N and `.` (a no-call in some FASTQ files) become N, other IUPAC codes become N (the
/// caller decides whether to drop the record). Anything else is an error naming the column.
public enum SequenceNormalizer {
    /// 0 for an invalid byte, else the normalised base.
    @usableFromInline static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for (from, to) in [("A", "A"), ("C", "C"), ("G", "G"), ("T", "T"), ("U", "T"), ("N", "N")] {
            t[Int(UInt8(ascii: Unicode.Scalar(from)!))] = UInt8(ascii: Unicode.Scalar(to)!)
            t[Int(UInt8(ascii: Unicode.Scalar(from.lowercased())!))] = UInt8(ascii: Unicode.Scalar(to)!)
        }
        for c in "RYSWKMBDHV".unicodeScalars {
            t[Int(UInt8(ascii: c))] = 1
            t[Int(UInt8(ascii: c)) + 32] = 1
        }
        t[Int(UInt8(ascii: "."))] = UInt8(ascii: "N")
        return t
    }()

    /// Appends the normalised bytes of `raw` to `output`. Returns true when an ambiguity code
    /// other than N was seen (it is written as N).
    /// - Throws: `DataError` at `file:line:column` (column = `columnOffset` + index + 1) for a
    ///   byte that is not a nucleotide code.
    @inlinable
    public static func append(_ raw: UnsafeBufferPointer<UInt8>, to output: inout [UInt8], file: String,
                              line: Int, columnOffset: Int = 0) throws -> Bool {
        // The common case, upper-case A/C/G/T only, is told by one vectorised pass and copied
        // as it is.
        if ByteScan.allACGT(raw) {
            output.append(contentsOf: raw)
            return false
        }
        var ambiguous = false
        var bad = -1
        let n = raw.count
        let start = output.count
        // Copy, then translate in place: no per-byte append.
        output.append(contentsOf: raw)
        table.withUnsafeBufferPointer { t in
            output.withUnsafeMutableBufferPointer { out in
                var i = 0
                while i < n {
                    let v = t[Int(out[start + i])]
                    if v > 1 {
                        out[start + i] = v
                    } else if v == 1 {
                        ambiguous = true
                        out[start + i] = UInt8(ascii: "N")
                    } else {
                        bad = i
                        break
                    }
                    i += 1
                }
            }
        }
        if bad >= 0 {
            let byte = raw[bad]
            let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: byte)
            throw DataError(file: file, line: line, column: columnOffset + bad + 1,
                            "invalid character \(shown) in a sequence (expected A, C, G, T, U, N or an IUPAC code)")
        }
        return ambiguous
    }
}

extension String {
    /// `0xNN` for a byte.
    @usableFromInline init(format byte: UInt8) {
        let digits = Array("0123456789ABCDEF")
        self = "byte 0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }
}
