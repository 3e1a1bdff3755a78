/// Why a theme file could not be used: the file, the line (1-based, 0 when unknown), the
/// key at fault when there is one, and what is wrong. The dashboard shows the message and
/// carries on with the default theme.
public struct ThemeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The theme file's path (or a name for in-memory text).
    public var file: String
    /// The 1-based line of the problem; 0 when the problem has no single line (an unreadable file).
    public var line: Int
    /// The YAML key at fault (`colors.series1`, `monochrome`), or nil for syntax errors.
    public var key: String?
    /// What is wrong, in words.
    public var message: String

    public init(file: String, line: Int, key: String? = nil, message: String) {
        self.file = file; self.line = line; self.key = key; self.message = message
    }

    /// `file:line: key: message`, the form editors jump to.
    public var description: String {
        var s = file
        if line > 0 { s += ":\(line)" }
        s += ": "
        if let key { s += "\(key): " }
        return s + message
    }
}
