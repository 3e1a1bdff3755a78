import Foundation

/// CRC-32C (Castagnoli), the checksum of TFRecord frames.
enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes`.
    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The masked CRC TFRecord stores (so that a CRC of data holding CRCs is not degenerate).
    static func masked<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let c = checksum(bytes)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }
}

/// A TFRecord file that is not one: the file and the byte offset of the bad frame.
public struct TFRecordError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var offset: Int
    public var reason: String
    public var description: String { "\(file): byte \(offset): \(reason)" }
}

/// TFRecord framing, as TensorBoard's event files use it: each record is its length (8 bytes,
/// little-endian), the masked CRC-32C of those 8 bytes, the data, and the data's masked CRC-32C.
enum TFRecord {
    /// `data` framed as one record.
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = UInt64(data.count)
        let lengthBytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        out += lengthBytes
        out += littleEndian(CRC32C.masked(lengthBytes))
        out += data
        out += littleEndian(CRC32C.masked(data))
        return out
    }

    private static func littleEndian(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    private static func word(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * $1) }
    }

    /// The complete records of `bytes` from `offset`, and where the next record starts. A
    /// record cut short at the end (the writer is still writing it) is left for a later read.
    ///
    /// - Throws: `TFRecordError` for a frame whose checksums do not match.
    static func records(in bytes: [UInt8], from offset: Int, file: String) throws -> (records: [ArraySlice<UInt8>], end: Int) {
        var records: [ArraySlice<UInt8>] = []
        var at = offset
        while bytes.count - at >= 12 {
            let lengthBytes = bytes[at..<at + 8]
            guard word(bytes, at + 8) == CRC32C.masked(lengthBytes) else {
                throw TFRecordError(file: file, offset: at, reason: "the record length's checksum does not match (not a TFRecord file, or corrupted)")
            }
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
            guard length <= UInt64(Int.max - 16 - at) else {
                throw TFRecordError(file: file, offset: at, reason: "a record of \(length) bytes")
            }
            let end = at + 12 + Int(length) + 4
            if end > bytes.count { break }
            let data = bytes[(at + 12)..<(end - 4)]
            guard word(bytes, end - 4) == CRC32C.masked(data) else {
                throw TFRecordError(file: file, offset: at, reason: "the record's data checksum does not match (corrupted)")
            }
            records.append(data)
            at = end
        }
        return (records, at)
    }
}
