import Foundation
@testable import Training

/// A minimal safetensors reader for the test fixtures (F32 and I32 only): the production reader
/// lives with the checkpoint code; this one keeps the reference tests independent of it.
struct FixtureTensors {
    struct Entry { var dtype: String; var shape: [Int]; var start: Int; var end: Int }
    let entries: [String: Entry]
    let metadata: [String: String]
    let bytes: [UInt8]
    let dataStart: Int

    init(url: URL) throws {
        let data = try Foundation.Data(contentsOf: url)
        bytes = [UInt8](data)
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(bytes[i]) << (8 * i) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in header {
            let info = value as! [String: Any]
            if key == "__metadata__" { metadata = info as! [String: String]; continue }
            let offsets = info["data_offsets"] as! [Int]
            entries[key] = Entry(dtype: info["dtype"] as! String, shape: info["shape"] as! [Int],
                                 start: offsets[0], end: offsets[1])
        }
        self.entries = entries
        self.metadata = metadata
        dataStart = 8 + headerLength
    }

    /// The fixture file `name`.safetensors in Fixtures/`folder` (bert_reference by default).
    static func reference(_ name: String, folder: String = "bert_reference") throws -> FixtureTensors {
        let url = Bundle.module.url(forResource: "Fixtures/\(folder)/\(name)", withExtension: "safetensors")!
        return try FixtureTensors(url: url)
    }

    var names: [String] { entries.keys.sorted() }

    func floats(_ name: String) -> [Float] {
        let e = entries[name]!
        precondition(e.dtype == "F32", "\(name) is \(e.dtype)")
        return stride(from: dataStart + e.start, to: dataStart + e.end, by: 4).map { o in Float(bitPattern: word(at: o)) }
    }

    /// The little-endian 32-bit word at byte offset `o`.
    private func word(at o: Int) -> UInt32 {
        let b0 = UInt32(bytes[o]), b1 = UInt32(bytes[o + 1]), b2 = UInt32(bytes[o + 2]), b3 = UInt32(bytes[o + 3])
        return b0 | b1 << 8 | b2 << 16 | b3 << 24
    }

    func ints(_ name: String) -> [Int32] {
        let e = entries[name]!
        precondition(e.dtype == "I32", "\(name) is \(e.dtype)")
        return stride(from: dataStart + e.start, to: dataStart + e.end, by: 4).map { o in Int32(bitPattern: word(at: o)) }
    }

    func shape(_ name: String) -> [Int] { entries[name]!.shape }
}

/// The tiny configuration of scripts/reference/bert_reference.py.
let referenceConfig = BertConfig(
    vocabSize: 69, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64,
    maxPositionEmbeddings: 64, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropoutProb: 0,
    attentionProbsDropoutProb: 0, numLabels: 3)

/// Whether `a` is within `rel` of `b`, relative to `max(|b|, scale)`.
func close(_ a: Float, _ b: Float, rel: Float, scale: Float) -> Bool {
    abs(a - b) <= rel * max(abs(b), scale)
}
