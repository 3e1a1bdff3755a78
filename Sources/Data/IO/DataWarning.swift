/// A problem in the data that does not stop processing but that the user must see, naming
/// the file and line where it was found.
public struct DataWarning: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, _ message: String) {
        self.file = file; self.line = line; self.message = message
    }

    /// `file:line: warning: message`, leaving out what is unknown.
    public var description: String {
        var place = file ?? ""
        if let line { place += place.isEmpty ? "line \(line)" : ":\(line)" }
        return place.isEmpty ? "warning: \(message)" : "\(place): warning: \(message)"
    }

    /// The same problem as an error (for strict mode).
    public var asError: DataError { DataError(file: file, line: line, message) }
}
