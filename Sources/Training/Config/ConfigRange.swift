import Foundation

/// A numeric config value's allowed values, declared once with its key (`ConfigSchema`) for
/// the YAML reader and `--set`, the dashboard's forms and the mid-run learning-rate prompt, with
/// the words the reader uses when a value is outside it.
public struct ConfigRange: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    /// Whether the bounds themselves are excluded (0 is not a learning rate).
    public var lowerOpen: Bool
    public var upperOpen: Bool
    /// Whole numbers only.
    public var whole: Bool
    /// What a value outside it is told (`must be > 0 (typically 1e-5 … 1e-3)`).
    public var requirement: String
    /// One value inside the bounds that is not allowed (max_steps: -1 or ≥ 1, not 0).
    public var except: Double?
    /// The allowed values in words where the bounds alone do not say it (`-1 or ≥ 1`).
    public var label: String?

    public init(_ lower: Double, _ upper: Double, lowerOpen: Bool = false, upperOpen: Bool = false, whole: Bool = false,
                except: Double? = nil, label: String? = nil, requirement: String) {
        self.lower = lower; self.upper = upper; self.lowerOpen = lowerOpen; self.upperOpen = upperOpen
        self.whole = whole; self.except = except; self.label = label; self.requirement = requirement
    }

    /// Whether `v` is allowed.
    public func contains(_ v: Double) -> Bool {
        guard v.isFinite, !whole || v == v.rounded(), v != except else { return false }
        return (lowerOpen ? v > lower : v >= lower) && (upperOpen ? v < upper : v <= upper)
    }

    /// nil when `v` is allowed, else the requirement.
    public func check(_ v: Double) -> String? { contains(v) ? nil : requirement }
    /// nil when `v` is allowed, else the requirement.
    public func check(_ v: Int) -> String? { check(Double(v)) }

    /// The allowed values in a form's words: `> 0`, `1 … 65536`, `0 … < 1`, `≥ 1`.
    public func text(unicode: Bool) -> String {
        if let label { return unicode ? label : label.replacingOccurrences(of: "≥", with: ">=") }
        let ge = unicode ? "≥ " : ">= ", dots = unicode ? " … " : " .. "
        func number(_ v: Double) -> String {
            whole || v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
        }
        let low = (lowerOpen ? "> " : "") + number(lower)
        guard upper.isFinite else { return (lowerOpen ? "" : ge) + low }
        return low + dots + (upperOpen ? "< " : "") + number(upper)
    }

    /// Whole numbers from `lo` to `hi` (`must be 1…65536`).
    public static func between(_ lo: Int, _ hi: Int) -> ConfigRange {
        ConfigRange(Double(lo), Double(hi), whole: true, requirement: "must be \(lo)…\(hi)")
    }
    /// Whole numbers from `m` up (`must be ≥ 1`).
    public static func atLeast(_ m: Int) -> ConfigRange {
        ConfigRange(Double(m), .infinity, whole: true, requirement: "must be ≥ \(m)")
    }
    public static let positive = ConfigRange(0, .infinity, lowerOpen: true, requirement: "must be > 0")
    public static let nonNegative = ConfigRange(0, .infinity, requirement: "must be ≥ 0")
    public static let unit = ConfigRange(0, 1, requirement: "must be between 0 and 1")
    public static let probability = ConfigRange(0, 1, upperOpen: true, requirement: "must be ≥ 0 and < 1")
}
