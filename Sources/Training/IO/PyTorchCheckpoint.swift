import Foundation

/// A `pytorch_model.bin` (anything `torch.save` wrote of a state dict), read without Python and
/// without running code: the pickle is interpreted by `StateDictUnpickler`, which accepts only an
/// ordered dict of tensors, and each tensor is a strided view of a storage converted to Float.
///
/// Both of `torch.save`'s layouts are read: the ZIP archive (PyTorch ≥ 1.6: `<name>/data.pkl` and
/// one stored member `<name>/data/<key>` per storage) and the legacy stream (a magic number,
/// protocol version and system info, the pickle, the sorted storage keys, then each storage as an
/// element count and its bytes), which older checkpoints such as DNABERT-1's still use.
public final class PyTorchCheckpoint: WeightSource {
    public let path: String
    public let names: [String]
    private let file: MappedFile
    private let tensors: [String: StateDictUnpickler.TensorReference]
    /// Where each storage's bytes lie in the file, and how many elements they hold.
    private let storages: [String: (start: Int, count: Int)]

    /// The legacy format's magic number, as pickled (LONG1 of 10 bytes).
    static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    /// Opens `path` and checks every tensor against its storage.
    ///
    /// - Throws: `CheckpointError` naming the file (and tensor) for a truncated or malformed file,
    ///   a pickle that is not a plain state dict, or a tensor that reaches outside its storage.
    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let root: PickleValue
        var storages: [String: (start: Int, count: Int)] = [:]
        if ZipArchive.looksLikeZip(file) {
            let archive = try ZipArchive(file)
            guard let pickle = archive.members.keys.filter({ $0.hasSuffix("/data.pkl") || $0 == "data.pkl" }).min(by: { $0.count < $1.count }) else {
                throw CheckpointError(file: path, "a ZIP archive without data.pkl: not a PyTorch checkpoint")
            }
            let prefix = String(pickle.dropLast("data.pkl".count))
            if let order = archive.bytes(prefix + "byteorder"), String(decoding: order, as: UTF8.self) != "little" {
                throw CheckpointError(file: path, "was saved on a big-endian machine (byteorder \(String(decoding: order, as: UTF8.self))); dnatune reads little-endian checkpoints")
            }
            var unpickler = StateDictUnpickler(path: path, bytes: archive.bytes(pickle)!)
            root = try unpickler.load()
            for (name, member) in archive.members where name.hasPrefix(prefix + "data/") {
                storages[String(name.dropFirst((prefix + "data/").count))] = (member.range.lowerBound, member.range.count)
            }
        } else {
            root = try Self.readLegacy(file, storages: &storages)
        }
        guard case .dict(let dict) = root else {
            throw CheckpointError(file: path, "holds a pickled object that is not a state dict (a dict of tensors)")
        }
        var tensors: [String: StateDictUnpickler.TensorReference] = [:]
        for (key, value) in dict.items {
            guard case .string(let name) = key else { throw CheckpointError(file: path, "a state-dict key is not a string") }
            guard case .tensor(let t) = value else {
                throw CheckpointError(file: path, tensor: name, "is not a tensor; dnatune reads state dicts of tensors only")
            }
            guard let storage = storages[t.storage.key] else {
                throw CheckpointError(file: path, tensor: name, "its storage \(t.storage.key) is missing from the file")
            }
            let size = t.storage.dtype.size
            guard storage.count % size == 0 else {
                throw CheckpointError(file: path, tensor: name, "its storage \(t.storage.key) holds \(storage.count) bytes, not a whole number of \(size)-byte elements")
            }
            // The last element the view reaches must lie inside the storage.
            var last = t.storage.viewOffset + t.offset
            var empty = false
            for (dim, stride) in zip(t.shape, t.stride) {
                guard dim >= 0, stride >= 0 else { throw CheckpointError(file: path, tensor: name, "has a negative size or stride") }
                if dim == 0 { empty = true }
                let (step, overflow) = (dim - 1).multipliedReportingOverflow(by: stride)
                guard !overflow else { throw CheckpointError(file: path, tensor: name, "has an impossible shape \(t.shape)") }
                last += max(0, step)
            }
            guard empty || (t.offset >= 0 && last < storage.count / size) else {
                throw CheckpointError(file: path, tensor: name,
                                      "shape \(t.shape) with stride \(t.stride) at offset \(t.offset) reaches outside its storage of \(storage.count / size) elements (truncated file?)")
            }
            tensors[name] = t
        }
        self.tensors = tensors
        self.storages = storages
        names = tensors.keys.sorted()
    }

    /// Reads the legacy (pre-ZIP) stream: four pickles, then the storages in key order.
    private static func readLegacy(_ file: MappedFile, storages: inout [String: (start: Int, count: Int)]) throws -> PickleValue {
        let path = file.path
        let all = file.bytes(0..<file.count)
        var unpickler = StateDictUnpickler(path: path, bytes: all)
        guard case .bigInt(let magic)? = try? unpickler.load(), magic == legacyMagic else {
            throw CheckpointError(file: path, "is neither a ZIP archive nor a legacy torch.save stream: not a PyTorch checkpoint")
        }
        guard case .int(let version) = try unpickler.load(), version == 1001 else {
            throw CheckpointError(file: path, "legacy torch.save stream of an unknown protocol version")
        }
        _ = try unpickler.load()  // system info
        let root = try unpickler.load()
        guard case .list(let keys) = try unpickler.load() else {
            throw CheckpointError(file: path, "legacy torch.save stream without its list of storage keys")
        }
        // Each storage: an int64 element count, then its bytes. Element sizes come from the tensors
        // that use it; the count is checked against the length when a tensor is read.
        var sizes: [String: Int] = [:]
        Self.collectStorageSizes(root, into: &sizes)
        var position = unpickler.position
        for key in keys.items {
            guard case .string(let k) = key, let size = sizes[k] else {
                throw CheckpointError(file: path, "legacy stream names a storage that no tensor uses")
            }
            guard position + 8 <= file.count else { throw CheckpointError(file: path, "truncated in storage \(k)") }
            let count = Int(clamping: file.load(position, as: Int64.self))
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            guard count >= 0, !overflow, bytes <= file.count - position - 8 else {
                throw CheckpointError(file: path, "truncated in storage \(k): \(count) elements do not fit in the file")
            }
            storages[k] = (position + 8, bytes)
            position += 8 + bytes
        }
        return root
    }

    private static func collectStorageSizes(_ value: PickleValue, into sizes: inout [String: Int]) {
        switch value {
        case .dict(let d): for item in d.items { collectStorageSizes(item.value, into: &sizes) }
        case .tensor(let t): sizes[t.storage.key] = t.storage.dtype.size
        default: break
        }
    }

    public func shape(of name: String) throws -> [Int] {
        guard let t = tensors[name] else { throw CheckpointError(file: path, tensor: name, "not in the file") }
        return t.shape
    }

    public func read(_ name: String, shape: [Int], into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let t = tensors[name] else { throw CheckpointError(file: path, tensor: name, "not in the file") }
        guard t.shape == shape else { throw CheckpointError(file: path, tensor: name, "has shape \(t.shape) but \(shape) is expected") }
        let count = shape.reduce(1, *)
        guard destination.count == count else {
            throw CheckpointError(file: path, tensor: name, "holds \(count) values (shape \(shape)) but \(destination.count) are expected")
        }
        guard count > 0, let out = destination.baseAddress, let base = file.base, let storage = storages[t.storage.key] else { return }
        let dtype = t.storage.dtype, size = dtype.size
        let start = base + storage.start + (t.storage.viewOffset + t.offset) * size
        // Contiguous (row-major) views convert in one call; any other stride is gathered.
        var contiguous = true, expected = 1
        for (dim, stride) in zip(shape, t.stride).reversed() where dim != 1 {
            if stride != expected { contiguous = false; break }
            expected *= dim
        }
        if contiguous { dtype.convert(start, count: count, into: out); return }
        var index = [Int](repeating: 0, count: shape.count)
        for i in 0..<count {
            var offset = 0
            for d in 0..<shape.count { offset += index[d] * t.stride[d] }
            dtype.convert(start + offset * size, count: 1, into: out + i)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0; d -= 1
            }
        }
    }
}
