import Data
import Foundation
import Testing
@testable import Training

/// The safetensors reader and writer against files written by the Python `safetensors` package
/// (scripts/reference/safetensors_fixtures.py), round trips, and every kind of broken file.
@Suite struct SafeTensorsTests {
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "safetensors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func expected(_ file: String) throws -> [String: (shape: [Int], bits: [UInt32])] {
        let root = try OptimFixture.json("safetensors/\(file)") as! [String: [String: Any]]
        return root.mapValues { ($0["shape"] as! [Int], ($0["bits"] as! [String]).map { UInt32($0, radix: 16)! }) }
    }

    @Test func readsEveryDTypeLikePyTorch() throws {
        let file = try SafeTensorsFile(path: OptimFixture.url("safetensors/mixed.safetensors").path)
        let want = try Self.expected("mixed.expected.json")
        #expect(file.names == want.keys.sorted())
        #expect(file.metadata == ["format": "pt", "note": "dnatune fixture"])
        #expect(try file.entry("half").dtype == .f16 && file.entry("brain").dtype == .bf16 && file.entry("double").dtype == .f64)
        for (name, w) in want {
            let t = try file.tensor(name)
            #expect(t.shape == w.shape, "\(name)")
            #expect(t.values.map(\.bitPattern) == w.bits, "\(name)")
        }
    }

    @Test func writerMatchesPythonByteForByte() throws {
        let url = OptimFixture.url("safetensors/f32.safetensors")
        let python = try [UInt8](Foundation.Data(contentsOf: url))
        let tensors = try Self.expected("f32.expected.json").map { name, w in
            NamedTensor(name: name, shape: w.shape, values: w.bits.map(Float.init(bitPattern:)))
        }
        #expect(try SafeTensorsWriter.serialize(tensors) == python)
        // Straight from one flat buffer through views, to a file.
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let flat = tensors.flatMap(\.values)
        try flat.withUnsafeBufferPointer { buffer in
            var offset = 0, views: [TensorView] = []
            for t in tensors {
                views.append(TensorView(name: t.name, shape: t.shape, values: UnsafeBufferPointer(rebasing: buffer[offset..<(offset + t.values.count)])))
                offset += t.values.count
            }
            try SafeTensorsWriter.write(views, to: dir + "/v.safetensors")
        }
        #expect(try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/v.safetensors"))) == python)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func roundTrips(_ n: Int) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SplitMix(seed: UInt64(n))
        let tensors = (0..<n).map { i in
            let shape = i % 3 == 0 ? [i] : [i, 2]
            return NamedTensor(name: "t\(i).weight", shape: shape, values: (0..<shape.reduce(1, *)).map { _ in rng.nextFloat() })
        } + [NamedTensor(name: "nan.inf", shape: [3], values: [.nan, .infinity, -0.0])]
        let path = dir + "/r.safetensors"
        try SafeTensorsWriter.write(tensors, metadata: ["step": "\(n)"], to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == ["format": "pt", "step": "\(n)"])
        for t in tensors {
            let back = try file.tensor(t.name)
            #expect(back.shape == t.shape && back.values.map(\.bitPattern) == t.values.map(\.bitPattern))
        }
        // Header length is a multiple of 8 and data is 8-aligned in the file.
        let bytes = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } % 8 == 0)
    }

    @Test func readsIntoABufferWithShapeCheck() throws {
        let file = try SafeTensorsFile(path: OptimFixture.url("safetensors/mixed.safetensors").path)
        var out = [Float](repeating: 0, count: 5)
        try out.withUnsafeMutableBufferPointer { try file.read("z.last", shape: [5], into: $0) }
        #expect(out == [0, 1, 2, 3, 4])
        #expect(throws: CheckpointError.self) { try out.withUnsafeMutableBufferPointer { try file.read("z.last", shape: [1, 5], into: $0) } }
        #expect(throws: CheckpointError.self) { try out.withUnsafeMutableBufferPointer { try file.read("dense.weight", into: $0) } }
        #expect(throws: CheckpointError.self) { try file.tensor("missing") }
    }

    /// A range of a tensor's elements, as the optimizer restores the moments of trained ranges:
    /// the same values as the whole tensor's, in any dtype; a range past the end or holding a
    /// non-finite value is an error naming the element.
    @Test func readsARangeOfElements() throws {
        let file = try SafeTensorsFile(path: OptimFixture.url("safetensors/mixed.safetensors").path)
        for name in ["half", "brain", "double", "dense.weight", "z.last"] {
            let whole = try file.tensor(name).values
            // From the second element up to the first non-finite one (the 16-bit tensors hold infinities) or the last.
            let range = 1..<(whole.indices.dropFirst().first { !whole[$0].isFinite } ?? whole.count - 1)
            #expect(range.count >= 1, "\(name)")
            var out = [Float](repeating: .nan, count: range.count)
            try out.withUnsafeMutableBufferPointer { try file.readFinite(name, elements: range, into: $0) }
            #expect(out.map(\.bitPattern) == whole[range].map(\.bitPattern), "\(name)")
            #expect(throws: CheckpointError.self) {
                try out.withUnsafeMutableBufferPointer { try file.readFinite(name, elements: 2..<(whole.count + 1), into: $0) }
            }
        }
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SafeTensorsWriter.write([NamedTensor(name: "m", shape: [6], values: [0, 1, 2, .nan, 4, 5])], to: dir + "/m.safetensors")
        let m = try SafeTensorsFile(path: dir + "/m.safetensors")
        var two = [Float](repeating: 0, count: 2)
        try two.withUnsafeMutableBufferPointer { try m.readFinite("m", elements: 4..<6, into: $0) }
        #expect(two == [4, 5])
        do {
            try two.withUnsafeMutableBufferPointer { try m.readFinite("m", elements: 2..<4, into: $0) }
            Issue.record("a NaN was read without an error")
        } catch let error as CheckpointError {
            #expect(error.description.contains("element 3"), "\(error)")
        }
    }

    @Test func writerRejectsBadTensors() throws {
        #expect(throws: CheckpointError.self) { try SafeTensorsWriter.serialize([NamedTensor(name: "a", shape: [2, 2], values: [1])]) }
        #expect(throws: CheckpointError.self) {
            try SafeTensorsWriter.serialize([NamedTensor(name: "a", shape: [1], values: [1]), NamedTensor(name: "a", shape: [1], values: [2])])
        }
        #expect(throws: CheckpointError.self) { try SafeTensorsWriter.serialize([NamedTensor(name: "__metadata__", shape: [1], values: [1])]) }
    }

    /// A file from a raw header text and `dataBytes` bytes of data, optionally lying about the
    /// header length or cut short.
    static func broken(_ header: String, dataBytes: Int, declared: UInt64? = nil, cut: Int = 0) throws -> String {
        var bytes = [UInt8]()
        withUnsafeBytes(of: (declared ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
        let path = try scratch() + "/broken.safetensors"
        try AtomicFile.write(bytes.dropLast(cut), to: path)
        return path
    }

    static let brokenCases: [(String, String, Int, UInt64?, Int, String?, String)] = [
        ("truncated data", #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, 16, nil, 4, "w", "run past"),
        ("size mismatch", #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#, 16, nil, 0, "w", "needs 24 bytes"),
        ("bf16 size mismatch", #"{"w":{"dtype":"BF16","shape":[4],"data_offsets":[0,16]}}"#, 16, nil, 0, "w", "needs 8 bytes"),
        ("overlap", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, nil, 0, "b", "overlap"),
        ("gap", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, 12, nil, 0, "b", "gap"),
        ("trailing bytes", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, nil, 0, nil, "cover 4 data bytes"),
        ("bad json", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, 4, nil, 0, nil, "not valid JSON"),
        ("not an object", #"[1,2]"#, 0, nil, 0, nil, "not a JSON object"),
        ("unknown dtype", #"{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, 8, nil, 0, "w", "C64"),
        ("reversed offsets", #"{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, 8, nil, 0, "w", "data_offsets"),
        ("negative shape", #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4, nil, 0, "w", "shape"),
        ("fractional offset", #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}"#, 4, nil, 0, "w", "data_offsets"),
        ("absurd header length", "{}", 0, 1 << 40, 0, nil, "absurd"),
        ("header past end", "{}", 0, 64, 0, nil, "truncated"),
        ("no header length", "", 0, nil, 5, nil, "truncated"),
        ("metadata not strings", #"{"__metadata__":{"format":1}}"#, 0, nil, 0, nil, "__metadata__"),
    ]

    @Test(arguments: brokenCases)
    func brokenFilesAreClearErrors(_ c: (String, String, Int, UInt64?, Int, String?, String)) throws {
        let path = try Self.broken(c.1, dataBytes: c.2, declared: c.3, cut: c.4)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        do {
            _ = try SafeTensorsFile(path: path)
            Issue.record("\(c.0): opened without error")
        } catch let error as CheckpointError {
            #expect(error.file == path, "\(c.0)")
            #expect(error.tensor == c.5, "\(c.0): \(error)")
            #expect(error.description.contains(c.6), "\(c.0): \(error)")
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: CheckpointError.self) { try SafeTensorsFile(path: "/nonexistent/x.safetensors") }
    }

    @Test(arguments: [(UInt16(0x3C00), Float(1)), (0x8000, -0.0), (0x7BFF, 65504), (0x0001, 5.9604645e-08),
                      (0x03FF, 6.097555e-05), (0x7C00, .infinity), (0xFC00, -.infinity), (0xC100, -2.5)])
    func halfConversion(_ bits: UInt16, _ value: Float) {
        #expect(SafeTensorsDType.halfToFloat(bits).bitPattern == value.bitPattern)
    }

    @Test func halfNaNStaysNaN() { #expect(SafeTensorsDType.halfToFloat(0x7E00).isNaN) }
}
