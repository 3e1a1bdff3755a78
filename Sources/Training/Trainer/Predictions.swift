import Foundation

/// Class probabilities for a list of sequences, with their ids: what `dnatune predict` writes.
public struct Predictions: Sendable, Equatable {
    /// Each sequence's id, in input order.
    public var ids: [String]
    /// The class names, indexed by class id.
    public var labelNames: [String]
    /// Row-major [count × classes] probabilities.
    public var probabilities: [Float]

    public init(ids: [String], labelNames: [String], probabilities: [Float]) {
        self.ids = ids; self.labelNames = labelNames; self.probabilities = probabilities
    }

    /// The number of sequences.
    public var count: Int { ids.count }

    /// The class of highest probability for sequence `i` (the first on ties, as `np.argmax`).
    public func predictedClass(_ i: Int) -> Int {
        let k = labelNames.count
        var best = 0
        for c in 1..<max(1, k) where probabilities[i * k + c] > probabilities[i * k + best] { best = c }
        return best
    }

    /// The CSV: `id,prob_<class>...,predicted_label`, one row per sequence, probabilities
    /// with 6 decimals; fields holding commas, quotes or newlines are quoted.
    public var csv: String { Self.csvHeader(labelNames) + csvRows }

    /// The CSV's first line: `id,prob_<class>...,predicted_label`.
    public static func csvHeader(_ labelNames: [String]) -> String {
        "id," + labelNames.map { Trainer.csvField("prob_" + $0) }.joined(separator: ",") + ",predicted_label\n"
    }

    /// The CSV's rows, without the header (a streamed chunk's).
    public var csvRows: String {
        let k = labelNames.count
        var text = ""
        for i in 0..<count {
            text += Trainer.csvField(ids[i])
            for c in 0..<k { text += "," + String(format: "%.6f", probabilities[i * k + c]) }
            text += "," + Trainer.csvField(labelNames[predictedClass(i)]) + "\n"
        }
        return text
    }
}
