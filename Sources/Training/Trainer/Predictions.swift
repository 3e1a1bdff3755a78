import Data
import Foundation

/// Class probabilities for a list of sequences, with their ids: what `dnatune predict` writes.
/// (Regression: predicted targets; multi-label: per-label probabilities, decided at `thresholds`.)
public struct Predictions: Sendable, Equatable {
    /// Each sequence's id, in input order.
    public var ids: [String]
    /// The class names, indexed by class id.
    public var labelNames: [String]
    /// Row-major [count × classes] probabilities.
    public var probabilities: [Float]

    /// Classification, regression or multi-label.
    public var kind: TaskKind = .classification
    /// Multi-label: each label's decision threshold (`p >= threshold` is predicted).
    public var thresholds: [Float]?

    public init(ids: [String], labelNames: [String], probabilities: [Float], kind: TaskKind = .classification,
                thresholds: [Float]? = nil) {
        self.ids = ids; self.labelNames = labelNames; self.probabilities = probabilities
        self.kind = kind; self.thresholds = thresholds
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
    /// with 6 decimals; fields holding commas, quotes or newlines are quoted. Regression:
    /// `id,pred_<target>...`; multi-label: `id,prob_<label>...,pred_<label>...` (0/1).
    public var csv: String { Self.csvHeader(labelNames, kind: kind) + csvRows }

    /// The CSV's first line: `id,prob_<class>...,predicted_label` (or the regression or
    /// multi-label columns).
    public static func csvHeader(_ labelNames: [String], kind: TaskKind = .classification) -> String {
        switch kind {
        case .classification:
            return "id," + labelNames.map { Trainer.csvField("prob_" + $0) }.joined(separator: ",") + ",predicted_label\n"
        case .regression:
            return "id," + labelNames.map { Trainer.csvField("pred_" + $0) }.joined(separator: ",") + "\n"
        case .multiLabel:
            return "id," + (labelNames.map { Trainer.csvField("prob_" + $0) } + labelNames.map { Trainer.csvField("pred_" + $0) })
                .joined(separator: ",") + "\n"
        }
    }

    /// The CSV's rows, without the header (a streamed chunk's).
    public var csvRows: String {
        let k = labelNames.count
        var text = ""
        if kind != .classification {
            for i in 0..<count {
                text += Trainer.csvField(ids[i])
                if kind == .regression {
                    for c in 0..<k { text += "," + Trainer.number(probabilities[i * k + c]) }
                } else {
                    for c in 0..<k { text += "," + String(format: "%.6f", probabilities[i * k + c]) }
                    for c in 0..<k { text += probabilities[i * k + c] >= (thresholds?[c] ?? 0.5) ? ",1" : ",0" }
                }
                text += "\n"
            }
            return text
        }
        for i in 0..<count {
            text += Trainer.csvField(ids[i])
            for c in 0..<k { text += "," + String(format: "%.6f", probabilities[i * k + c]) }
            text += "," + Trainer.csvField(labelNames[predictedClass(i)]) + "\n"
        }
        return text
    }
}
