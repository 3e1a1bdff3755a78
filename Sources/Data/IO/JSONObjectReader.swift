import Foundation

/// JSON read with an error that says what is wrong and where, for the JSON files users hand
/// dnatune (`config.json`, `tokenizer.json`, a sharded checkpoint's index).
public enum JSONObjectReader {
    /// Why a JSON text could not be read as an object: "not valid JSON" with the line and column
    /// the parser stopped near, or that the text ends early; or valid JSON that is not an object.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The top-level object of the JSON text `data`.
    /// - Throws: `Failure` (the caller names the file).
    public static func object(_ data: Foundation.Data) throws(Failure) -> [String: Any] {
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: data) } catch {
            throw Failure(description: "is not valid JSON: " + problem(error, in: data))
        }
        guard let object = value as? [String: Any] else { throw Failure(description: "is valid JSON but not an object ({…})") }
        return object
    }

    /// The parser's complaint in words, with its byte offset ("around character N") turned into a
    /// line and column.
    static func problem(_ error: any Error, in data: Foundation.Data) -> String {
        let detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        if detail.localizedCaseInsensitiveContains("end of file") || data.allSatisfy({ [9, 10, 13, 32].contains($0) }) {
            // The parser also runs off the end over a bad literal (`tru}`) in a complete text.
            let last = data.last { ![9, 10, 13, 32].contains($0) }
            return last == UInt8(ascii: "}") || last == UInt8(ascii: "]")
                ? "a string, number or literal that does not end where it should (\(detail))"
                : "the text ends before the JSON does (\(data.count) bytes; is the file truncated?)"
        }
        guard let range = detail.range(of: "character "),
              let offset = Int(detail[range.upperBound...].prefix { $0.isNumber }), offset <= data.count else { return detail }
        let before = data.prefix(offset)
        let line = before.reduce(1) { $1 == 10 ? $0 + 1 : $0 }
        let column = offset - (before.lastIndex(of: 10).map { $0 - data.startIndex + 1 } ?? 0) + 1
        return "unexpected text near line \(line), column \(column)"
    }
}
