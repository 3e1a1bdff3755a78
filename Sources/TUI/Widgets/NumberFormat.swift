import Foundation

/// Number formatting for narrow places: axis labels, table cells, status lines.
public enum NumberFormat {
    /// `v` in at most `maxWidth` columns (minimum 3), with as many significant digits as fit:
    /// `0.35`, `1.2k`-free plain notation for moderate values, `2e-05`, `1.5e+09` for large
    /// or tiny ones; `nan`, `inf`, `-inf` for non-finite values.
    /// At most `significant` significant digits are shown.
    public static func compact(_ v: Double, maxWidth: Int = 6, significant: Int = 6) -> String {
        let width = max(3, maxWidth)
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == 0 { return "0" }
        for digits in stride(from: max(1, min(significant, width - 1)), through: 1, by: -1) {
            let s = trimmed(String(format: "%.\(digits)g", v))
            if s.count <= width { return s }
        }
        // Exponent form with the shortest mantissa.
        let e = trimmed(String(format: "%.0e", v))
        return e.count <= width ? e : (v > 0 ? "big" : "-big")
    }

    /// A score in a table column of scores: `decimals` fixed decimals (`0.5000`, `-0.0312`,
    /// `+0.0300` with `sign`) so that a column's values line up and read alike, fewer where
    /// `maxWidth` is short of them (a loss of `123.45`), `compact` beyond that.
    public static func score(_ v: Double, maxWidth: Int = 7, decimals: Int = 4, sign: Bool = false) -> String {
        guard v.isFinite else { return compact(v, maxWidth: maxWidth) }
        for d in stride(from: decimals, through: 0, by: -1) {
            let s = String(format: sign ? "%+.\(d)f" : "%.\(d)f", v)
            if s.count <= maxWidth { return s }
        }
        return (sign && v >= 0 ? "+" : "") + compact(v, maxWidth: maxWidth - (sign && v >= 0 ? 1 : 0))
    }

    /// Removes trailing zeros of a `%g` mantissa, and the `+` and leading zeros of its exponent
    /// (`1.50e+05` → `1.5e5`, `1e-07` → `1e-7`): numbers read the same on every screen.
    static func trimmed(_ s: String) -> String {
        var mantissa = s, exponent = ""
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(s[..<e])
            exponent = Int(s[s.index(after: e)...]).map { "e\($0)" } ?? String(s[e...])
        }
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        return mantissa + exponent
    }

    /// A throughput: whole from 100 up (`5465`), three significant digits below (`81.2`), so
    /// the progress bar and the status line say the same number.
    public static func rate(_ r: Double) -> String {
        r.isFinite && r >= 100 && r < 1e9 ? String(Int(r.rounded())) : compact(r, maxWidth: 6, significant: 3)
    }

    /// A duration as `h:mm:ss` or `m:ss` (`--:--` when unknown or negative).
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "--:--" }
        let total = Int(seconds.rounded())
        let h = total / 3600, m = total / 60 % 60, s = total % 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
    }

    /// A percentage with one decimal below 10 % (`3.5%`, `42%`, `100%`).
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "--%" }
        let p = fraction * 100
        if p > 0 && p < 9.95 { return String(format: "%.1f%%", p) }
        return "\(Int(p.rounded()))%"
    }
}
