import Data
import Foundation

/// Named tensors read from a checkpoint, whatever its format: one safetensors file, a sharded set
/// (`model.safetensors.index.json`), or PyTorch's `pytorch_model.bin`. Every tensor is converted
/// to Float on reading, straight into the caller's buffer.
public protocol WeightSource: AnyObject {
    /// The file (or index) the weights come from, for messages.
    var path: String { get }
    /// The tensor names in ascending order.
    var names: [String] { get }
    /// The row-major shape of tensor `name`.
    ///
    /// - Throws: `CheckpointError` when there is no such tensor.
    func shape(of name: String) throws -> [Int]
    /// Reads tensor `name` into `destination` after checking that its shape is `shape`.
    ///
    /// - Throws: `CheckpointError` naming the file and tensor when it is missing, of another shape,
    ///   or its data cannot be read.
    func read(_ name: String, shape: [Int], into destination: UnsafeMutableBufferPointer<Float>) throws
}

extension WeightSource {
    /// `read(_:shape:into:)`, then a check that every value is finite: a checkpoint holding NaN or
    /// an infinity (a diverged run saved, a corrupted file) is an error naming the file, the tensor
    /// and the first bad element, never weights that train to nothing.
    public func readFinite(_ name: String, shape: [Int], into destination: UnsafeMutableBufferPointer<Float>) throws {
        try read(name, shape: shape, into: destination)
        try requireFinite(name, destination, from: 0)
    }

    /// Throws the error `readFinite` names when `values`, tensor `name`'s elements from element
    /// `first` on, hold a NaN or an infinity.
    func requireFinite(_ name: String, _ values: UnsafeMutableBufferPointer<Float>, from first: Int) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(file: path, tensor: name,
                                  "holds a non-finite value (\(values[bad]) at element \(first + bad)); the checkpoint is corrupt or was saved from a diverged run")
        }
    }

    /// The number of values over all tensors.
    public var parameterCount: Int {
        names.reduce(0) { $0 + ((try? shape(of: $1).reduce(1, *)) ?? 0) }
    }

    /// Tensor `name`, converted to Float.
    public func namedTensor(_ name: String) throws -> NamedTensor {
        let shape = try shape(of: name)
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        try values.withUnsafeMutableBufferPointer { try read(name, shape: shape, into: $0) }
        return NamedTensor(name: name, shape: shape, values: values)
    }

    /// Every tensor, in name order.
    public func tensors() throws -> [NamedTensor] { try names.map(namedTensor) }
}

extension SafeTensorsFile: WeightSource {
    public func shape(of name: String) throws -> [Int] { try entry(name).shape }
}

/// A checkpoint split over several files by an index (`model.safetensors.index.json` or
/// `pytorch_model.bin.index.json`, as `save_pretrained` writes for large models):
/// `{"metadata": {...}, "weight_map": {tensor: file}}`, the files beside the index.
public final class ShardedWeights: WeightSource {
    public let path: String
    public let names: [String]
    private let shardOf: [String: WeightSource]

    /// Opens the index at `path` and every shard it names (each opened once, lazily mapped).
    ///
    /// - Throws: `CheckpointError` naming the index when it is malformed or names a missing file,
    ///   or naming the shard when a shard does not hold a tensor the index puts in it.
    public init(index path: String, open: (String) throws -> WeightSource) throws {
        self.path = path
        let data: Foundation.Data
        do { data = try Foundation.Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CheckpointError(file: path, "cannot read: \(error.localizedDescription)")
        }
        let root: [String: Any]
        do { root = try JSONObjectReader.object(data) } catch { throw CheckpointError(file: path, error.description) }
        guard let map = root["weight_map"] as? [String: Any], !map.isEmpty else {
            throw CheckpointError(file: path, "has no \"weight_map\" object naming each tensor's file")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var shards: [String: WeightSource] = [:], shardOf: [String: WeightSource] = [:]
        for (tensor, value) in map.sorted(by: { $0.key < $1.key }) {
            guard let file = value as? String, !file.isEmpty, !file.contains("/") else {
                throw CheckpointError(file: path, tensor: tensor, "weight_map value \(value) is not a file name beside the index")
            }
            let shard: WeightSource
            if let opened = shards[file] { shard = opened } else {
                let shardPath = folder.isEmpty ? file : folder + "/" + file
                guard FileManager.default.fileExists(atPath: shardPath) else {
                    throw CheckpointError(file: path, tensor: tensor, "its shard \(file) is missing from \(folder.isEmpty ? "." : folder)")
                }
                shard = try open(shardPath)
                shards[file] = shard
            }
            guard (try? shard.shape(of: tensor)) != nil else {
                throw CheckpointError(file: shard.path, tensor: tensor, "is not in the shard, although \(path) puts it there")
            }
            shardOf[tensor] = shard
        }
        self.shardOf = shardOf
        names = shardOf.keys.sorted()
    }

    public func shape(of name: String) throws -> [Int] {
        guard let shard = shardOf[name] else { throw CheckpointError(file: path, tensor: name, "not in the checkpoint") }
        return try shard.shape(of: name)
    }

    public func read(_ name: String, shape: [Int], into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let shard = shardOf[name] else { throw CheckpointError(file: path, tensor: name, "not in the checkpoint") }
        try shard.read(name, shape: shape, into: destination)
    }
}
