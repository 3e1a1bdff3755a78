import Testing
@testable import Data

/// The vector passes against their one-byte-at-a-time definitions, on every length from 0 to
/// 80 (so every tail length after the 16-byte blocks) and on bytes that land anywhere in a
/// block, the one odd byte first, last or in the middle.
@Suite struct ByteScanTests {
    private static let lengths = Array(0...80)

    private func withBuffer<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer(body)
    }

    @Test func allACGTMatchesTheScalarDefinition() {
        var rng = SeededRandom(seed: 11)
        let acgt = Array("ACGT".utf8)
        let odd: [UInt8] = Array("acgtNnRU.-\u{0}\u{7F}".utf8) + [0xFF, 0x40, 0x42, 0x55]
        for n in Self.lengths {
            let clean = (0..<n).map { _ in acgt[Int(rng.next() % 4)] }
            #expect(withBuffer(clean, ByteScan.allACGT), "length \(n)")
            for position in Set([0, n / 2, n - 1]) where n > 0 {
                for byte in odd {
                    var read = clean
                    read[position] = byte
                    #expect(!withBuffer(read, ByteScan.allACGT), "length \(n), byte \(byte) at \(position)")
                }
            }
        }
    }

    @Test func allQualityCharactersMatchesTheScalarDefinition() {
        var rng = SeededRandom(seed: 12)
        for n in Self.lengths {
            let valid = (0..<n).map { _ in UInt8(33 + rng.next() % 94) }
            #expect(withBuffer(valid, ByteScan.allQualityCharacters), "length \(n)")
            for position in Set([0, n / 2, n - 1]) where n > 0 {
                for byte in [0, 10, 32, 127, 128, 200, 255] as [UInt8] {
                    var line = valid
                    line[position] = byte
                    #expect(!withBuffer(line, ByteScan.allQualityCharacters), "length \(n), byte \(byte) at \(position)")
                }
                for byte in [33, 126] as [UInt8] {
                    var line = valid
                    line[position] = byte
                    #expect(withBuffer(line, ByteScan.allQualityCharacters), "length \(n), byte \(byte) at \(position)")
                }
            }
        }
    }

    @Test(arguments: [33, 64] as [UInt8])
    func qualitiesDecodeAndEncodeAsTheScalarDefinition(offset: UInt8) {
        var rng = SeededRandom(seed: 13 + UInt64(offset))
        for n in Self.lengths {
            // Every byte value, so that the clamping at both ends is exercised.
            let raw = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var decoded = raw
            decoded.withUnsafeMutableBufferPointer { ByteScan.decodeQualities($0, offset: offset) }
            #expect(decoded == raw.map { $0 > offset ? $0 - offset : 0 }, "decode, length \(n)")
            var encoded = raw
            encoded.withUnsafeMutableBufferPointer { ByteScan.encodeQualities($0, offset: offset) }
            #expect(encoded == raw.map { Swift.min($0, 126 - offset) &+ offset }, "encode, length \(n)")
        }
    }
}
