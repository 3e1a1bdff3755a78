import Data
import Foundation

/// Writes safetensors files exactly as the reference (Rust) implementation does for F32 tensors:
/// `__metadata__` first, tensors sorted by name (UTF-8 byte order) with contiguous data offsets,
/// compact JSON, the header padded with spaces to a multiple of 8 bytes. Writes are atomic
/// (`AtomicFile`) and copy no tensor data.
public enum SafeTensorsWriter {
    /// Writes `tensors` to `path` with `__metadata__` `{"format": "pt"}` plus `metadata`.
    ///
    /// - Throws: `CheckpointError` naming the tensor for a shape that does not match the value
    ///   count, a duplicate or reserved name; `DataError` from the file system.
    public static func write(_ tensors: [TensorView], metadata: [String: String] = [:], to path: String) throws {
        let header = try self.header(for: tensors.map { ($0.name, $0.shape, $0.count) }, metadata: metadata, path: path)
        let order = tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        try AtomicFile.write(to: path) { writer in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writer.write($0) }
            try writer.write(header)
            for tensor in order {
                for piece in tensor.pieces {
                    #if _endian(big)
                    try writer.write(piece.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
                    #else
                    try writer.write(contentsOf: piece)
                    #endif
                }
            }
        }
    }

    /// Writes owned tensors; see `write(_:metadata:to:)` over views.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        try withViews(tensors, index: 0, views: []) { try write($0, metadata: metadata, to: path) }
    }

    /// The safetensors file content for `tensors`, in memory (for tests and small files).
    public static func serialize(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> [UInt8] {
        var bytes = try header(for: tensors.map { ($0.name, $0.shape, $0.values.count) }, metadata: metadata, path: "<memory>")
        var length = UInt64(bytes.count).littleEndian
        bytes.insert(contentsOf: withUnsafeBytes(of: &length, Array.init), at: 0)
        for tensor in tensors.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            for value in tensor.values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    /// Binds every tensor's values to a buffer pointer, then calls `body` with all the views.
    static func withViews(_ tensors: [NamedTensor], index: Int, views: [TensorView],
                                  _ body: ([TensorView]) throws -> Void) throws {
        guard index < tensors.count else { return try body(views) }
        let t = tensors[index]
        try t.values.withUnsafeBufferPointer { buffer in
            try withViews(tensors, index: index + 1, views: views + [TensorView(name: t.name, shape: t.shape, values: buffer)], body)
        }
    }

    /// The padded JSON header for tensors given as (name, shape, value count).
    static func header(for tensors: [(name: String, shape: [Int], count: Int)], metadata: [String: String],
                       path: String) throws -> [UInt8] {
        var seen = Set<String>()
        for t in tensors {
            guard t.name != "__metadata__" else { throw CheckpointError(file: path, tensor: t.name, "the name is reserved") }
            guard seen.insert(t.name).inserted else { throw CheckpointError(file: path, tensor: t.name, "appears twice") }
            guard t.shape.allSatisfy({ $0 >= 0 }), t.shape.reduce(1, *) == t.count else {
                throw CheckpointError(file: path, tensor: t.name, "shape \(t.shape) does not hold its \(t.count) values")
            }
        }
        var meta = metadata
        meta["format"] = meta["format"] ?? "pt"
        let metaText = meta.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { JSONText.quoted($0) + ":" + JSONText.quoted(meta[$0]!) }.joined(separator: ",")
        var json = "{\"__metadata__\":{\(metaText)}"
        var offset = 0
        for t in tensors.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            let end = offset + 4 * t.count
            json += ",\(JSONText.quoted(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var bytes = Array(json.utf8)
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        return bytes
    }
}
