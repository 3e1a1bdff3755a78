import Foundation

/// The fractions of a dataset that go to training, validation and test.
public struct SplitRatios: Sendable, Equatable, Codable {
    public var train: Double
    public var validation: Double
    public var test: Double

    /// The field's usual 80 / 10 / 10.
    public static let standard = SplitRatios(uncheckedTrain: 0.8, validation: 0.1, test: 0.1)

    /// Ratios that must be finite, non-negative, with a positive training share, summing to
    /// 1 (within 1e-6).
    public init(train: Double, validation: Double, test: Double) throws {
        let all = [train, validation, test]
        guard all.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw DataError("split ratios must be finite and non-negative, got \(train),\(validation),\(test)")
        }
        guard train > 0 else { throw DataError("the training ratio must be positive") }
        guard abs(all.reduce(0, +) - 1) <= 1e-6 else {
            throw DataError("split ratios must sum to 1, got \(train)+\(validation)+\(test) = \(all.reduce(0, +))")
        }
        self.train = train; self.validation = validation; self.test = test
    }

    private init(uncheckedTrain train: Double, validation: Double, test: Double) {
        self.train = train; self.validation = validation; self.test = test
    }

    /// Parses `"0.8,0.1,0.1"` (three comma-separated numbers).
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3, let t = Double(parts[0]), let v = Double(parts[1]), let s = Double(parts[2]) else {
            throw DataError("split ratios must be three comma-separated numbers like 0.8,0.1,0.1, got '\(text)'")
        }
        try self.init(train: t, validation: v, test: s)
    }

    /// The ratios in split order: train, validation, test.
    public var values: [Double] { [train, validation, test] }
}
