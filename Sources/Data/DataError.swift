/// An error in input data or in a data option, naming the file, line and (where known)
/// column, so the message tells the user exactly where to look.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    /// `file:line:column: message`, leaving out what is unknown.
    public var description: String {
        var place = ""
        if let file { place = file }
        if let line { place += place.isEmpty ? "line \(line)" : ":\(line)" }
        if let column, line != nil { place += ":\(column)" }
        return place.isEmpty ? message : "\(place): \(message)"
    }
}
