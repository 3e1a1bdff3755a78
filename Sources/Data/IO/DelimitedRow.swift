/// Splits one line of a CSV or TSV file into fields. Double quotes enclose a field that may
/// contain the delimiter; `""` inside quotes is one quote (RFC 4180, one line per row).
enum DelimitedRow {
    /// A field's text and the 0-based byte offset where it starts in the line.
    struct Field { var bytes: [UInt8]; var offset: Int }

    static func split(_ line: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> [Field] {
        var fields: [Field] = []
        var current: [UInt8] = []
        var fieldStart = 0
        var inQuotes = false
        var i = 0
        let quote = UInt8(ascii: "\"")
        while i < line.count {
            let c = line[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < line.count && line[i + 1] == quote { current.append(quote); i += 1 } else { inQuotes = false }
                } else { current.append(c) }
            } else if c == quote && current.isEmpty {
                inQuotes = true
            } else if c == delimiter {
                fields.append(Field(bytes: current, offset: fieldStart))
                current = []
                fieldStart = i + 1
            } else {
                current.append(c)
            }
            i += 1
        }
        fields.append(Field(bytes: current, offset: fieldStart))
        return fields
    }

    /// Trims ASCII spaces at both ends, adjusting the offset.
    static func trimmed(_ field: Field) -> Field {
        var bytes = field.bytes[...]
        var offset = field.offset
        while let f = bytes.first, f == 0x20 { bytes.removeFirst(); offset += 1 }
        while let l = bytes.last, l == 0x20 { bytes.removeLast() }
        return Field(bytes: Array(bytes), offset: offset)
    }
}
