import Foundation

/// A safetensors file opened for reading: the header is parsed and checked up front, the data is
/// memory-mapped and converted to Float only for the tensors asked for.
///
/// Format: an 8-byte little-endian header length N, N bytes of JSON
/// (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, offsets relative
/// to the end of the header), then the tensors' bytes, contiguous and little-endian. Opening checks
/// what the reference (Rust) implementation checks — header length within the file and below
/// 100 MB, a JSON object, known dtypes, offsets in range, byte length = shape × dtype size, and
/// tensors covering the data exactly with no gap or overlap — and reports the first violation as
/// a `CheckpointError` naming the file and tensor.
public final class SafeTensorsFile {
    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        /// Byte range within the data section (after the header).
        public var dataOffsets: Range<Int>

        /// The number of elements the shape holds.
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The largest header accepted (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    public let path: String
    /// The `__metadata__` map (e.g. `["format": "pt"]`); empty when absent.
    public let metadata: [String: String]
    /// The tensors by name.
    public let entries: [String: Entry]
    private let file: MappedFile
    private let dataStart: Int

    /// Opens and validates `path`.
    ///
    /// - Throws: `CheckpointError` for an unreadable, truncated or malformed file.
    public init(path: String) throws {
        self.path = path
        let file = try MappedFile(path: path)
        let size = file.count
        guard size >= 8 else {
            throw CheckpointError(file: path, "truncated: \(size) bytes, shorter than the 8-byte header length")
        }
        let headerLength: UInt64 = file.load(0, as: UInt64.self)
        guard headerLength <= UInt64(Self.maximumHeaderLength) else {
            throw CheckpointError(file: path, "header length \(headerLength) is absurd (limit \(Self.maximumHeaderLength) bytes); not a safetensors file?")
        }
        guard Int(headerLength) <= size - 8 else {
            throw CheckpointError(file: path, "truncated: the header claims \(headerLength) bytes but only \(size - 8) follow")
        }
        let header = Foundation.Data(file.bytes(8..<(8 + Int(headerLength))))
        (metadata, entries) = try Self.parseHeader(header, dataLength: size - 8 - Int(headerLength), path: path)
        dataStart = 8 + Int(headerLength)
        self.file = file
    }

    /// The tensor names in ascending order.
    public var names: [String] { entries.keys.sorted() }

    /// The header entry of `name`.
    ///
    /// - Throws: `CheckpointError` when the file has no such tensor.
    public func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else { throw CheckpointError(file: path, tensor: name, "not in the file") }
        return entry
    }

    /// Reads tensor `name`, converted to Float.
    public func tensor(_ name: String) throws -> NamedTensor {
        let e = try entry(name)
        var values = [Float](repeating: 0, count: e.elementCount)
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0) }
        return NamedTensor(name: name, shape: e.shape, values: values)
    }

    /// Every tensor, in name order.
    public func tensors() throws -> [NamedTensor] { try names.map(tensor) }

    /// Converts tensor `name` straight into `destination` (e.g. a view into the parameter buffer),
    /// which must hold exactly its element count.
    ///
    /// - Throws: `CheckpointError` when the tensor is missing or the sizes differ.
    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let e = try entry(name)
        guard destination.count == e.elementCount else {
            throw CheckpointError(file: path, tensor: name,
                                  "holds \(e.elementCount) values (shape \(e.shape)) but \(destination.count) are expected")
        }
        guard let out = destination.baseAddress, let mapping = file.base else { return }
        e.dtype.convert(mapping + dataStart + e.dataOffsets.lowerBound, count: e.elementCount, into: out)
    }

    /// Converts elements `elements` of tensor `name` (in its flat row-major order) into
    /// `destination`, which must hold exactly that many, and checks that every one is finite.
    ///
    /// - Throws: `CheckpointError` when the tensor is missing, the range runs past its end, or a
    ///   value is not finite.
    public func readFinite(_ name: String, elements: Range<Int>, into destination: UnsafeMutableBufferPointer<Float>) throws {
        let e = try entry(name)
        guard elements.lowerBound >= 0, elements.upperBound <= e.elementCount, destination.count == elements.count else {
            throw CheckpointError(file: path, tensor: name,
                                  "holds \(e.elementCount) values (shape \(e.shape)); elements \(elements) into \(destination.count) cannot be read")
        }
        guard let out = destination.baseAddress, let mapping = file.base else { return }
        e.dtype.convert(mapping + dataStart + e.dataOffsets.lowerBound + elements.lowerBound * e.dtype.size,
                        count: elements.count, into: out)
        try requireFinite(name, destination, from: elements.lowerBound)
    }

    /// Reads tensor `name` into `destination` after checking its shape equals `shape`.
    public func read(_ name: String, shape: [Int], into destination: UnsafeMutableBufferPointer<Float>) throws {
        let e = try entry(name)
        guard e.shape == shape else {
            throw CheckpointError(file: path, tensor: name, "has shape \(e.shape) but \(shape) is expected")
        }
        try read(name, into: destination)
    }

    static func parseHeader(_ header: Foundation.Data, dataLength: Int, path: String) throws
        -> (metadata: [String: String], entries: [String: Entry]) {
        guard header.first == UInt8(ascii: "{") else {
            throw CheckpointError(file: path, "header is not a JSON object")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: header)
        } catch {
            throw CheckpointError(file: path, "header is not valid JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw CheckpointError(file: path, "header is not a JSON object") }
        var metadata: [String: String] = [:], entries: [String: Entry] = [:]
        for (name, value) in root {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw CheckpointError(file: path, "__metadata__ is not an object of strings")
                }
                for (key, item) in map {
                    guard let text = item as? String else {
                        throw CheckpointError(file: path, "__metadata__ value of \"\(key)\" is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try parseEntry(value, name: name, path: path)
        }
        // The tensors must tile the data section exactly: sorted by offset, no gap, no overlap.
        var position = 0
        for (name, entry) in entries.sorted(by: { ($0.value.dataOffsets.lowerBound, $0.value.dataOffsets.upperBound, $0.key) < ($1.value.dataOffsets.lowerBound, $1.value.dataOffsets.upperBound, $1.key) }) {
            let r = entry.dataOffsets
            guard r.upperBound <= dataLength else {
                throw CheckpointError(file: path, tensor: name,
                                      "data_offsets [\(r.lowerBound), \(r.upperBound)] run past the \(dataLength) data bytes (file truncated?)")
            }
            if r.lowerBound < position {
                throw CheckpointError(file: path, tensor: name, "data_offsets [\(r.lowerBound), \(r.upperBound)] overlap the previous tensor (ending at \(position))")
            }
            if r.lowerBound > position {
                throw CheckpointError(file: path, tensor: name, "data_offsets start at \(r.lowerBound), leaving a gap after byte \(position)")
            }
            position = r.upperBound
        }
        guard position == dataLength else {
            throw CheckpointError(file: path, "the tensors cover \(position) data bytes but the file holds \(dataLength) after the header")
        }
        return (metadata, entries)
    }

    static func parseEntry(_ value: Any, name: String, path: String) throws -> Entry {
        guard let info = value as? [String: Any] else { throw CheckpointError(file: path, tensor: name, "entry is not a JSON object") }
        guard let dtypeName = info["dtype"] as? String else { throw CheckpointError(file: path, tensor: name, "has no dtype") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw CheckpointError(file: path, tensor: name, "dtype \"\(dtypeName)\" is not supported (supported: \(known))")
        }
        guard let shapeItems = info["shape"] as? [Any] else { throw CheckpointError(file: path, tensor: name, "has no shape") }
        let shape = try shapeItems.map { item -> Int in
            guard let n = integer(item), n >= 0 else {
                throw CheckpointError(file: path, tensor: name, "shape \(shapeItems) holds a value that is not a non-negative integer")
            }
            return n
        }
        guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
              let begin = integer(offsets[0]), let end = integer(offsets[1]), begin >= 0, begin <= end else {
            throw CheckpointError(file: path, tensor: name, "data_offsets \(info["data_offsets"] ?? "missing") are not [begin, end] with 0 ≤ begin ≤ end")
        }
        var elements = 1
        for dim in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw CheckpointError(file: path, tensor: name, "shape \(shape) is too large") }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes == end - begin else {
            throw CheckpointError(file: path, tensor: name,
                                  "shape \(shape) of \(dtypeName) needs \(overflow ? "too many" : String(bytes)) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return Entry(dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// An exact JSON integer (rejecting fractions, strings and numbers beyond 2^53).
    static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 9e15 else { return nil }
        return number.intValue
    }
}
