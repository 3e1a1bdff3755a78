/// The element types dnatune reads from safetensors files (and from PyTorch storages), under the
/// safetensors names. Every one is converted to `Float` on reading — integer buffers such as
/// BERT's `position_ids` included, so a checkpoint that carries them opens; dnatune writes `F32`.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f64 = "F64"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16, .i16: 2
        case .f64, .i64: 8
        case .i32: 4
        case .i8, .u8, .bool: 1
        }
    }

    /// Converts `count` little-endian elements at `source` to Float. O(count), no allocation.
    func convert(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
            #if _endian(big)
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(littleEndian: destination[i].bitPattern)) }
            #endif
        case .bf16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                destination[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .f16:
            for i in 0..<count {
                destination[i] = Self.halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        case .f64:
            for i in 0..<count {
                let bits = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                destination[i] = Float(Double(bitPattern: bits))
            }
        case .i64: integers(source, count, Int64.self, destination)
        case .i32: integers(source, count, Int32.self, destination)
        case .i16: integers(source, count, Int16.self, destination)
        case .i8: integers(source, count, Int8.self, destination)
        case .u8, .bool: integers(source, count, UInt8.self, destination)
        }
    }

    private func integers<T: FixedWidthInteger>(_ source: UnsafeRawPointer, _ count: Int, _: T.Type,
                                                 _ destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            destination[i] = Float(T(littleEndian: source.loadUnaligned(fromByteOffset: MemoryLayout<T>.size * i, as: T.self)))
        }
    }

    /// IEEE 754 binary16 to binary32, exactly (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent != 0 { return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13)) }
        // Zero or subnormal: mantissa × 2^-24, exact in Float.
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
}
