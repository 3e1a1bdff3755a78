import Foundation

/// The member list of a ZIP archive whose members are stored uncompressed, as `torch.save` writes
/// them (PKWARE APPNOTE: end-of-central-directory record, ZIP64 where sizes need it, central
/// directory, local headers). Members are byte ranges of the memory-mapped file; nothing is copied.
struct ZipArchive {
    /// One stored member: where its bytes lie in the file.
    struct Member {
        var name: String
        var range: Range<Int>
    }

    let file: MappedFile
    /// Members by name.
    let members: [String: Member]

    /// Whether `file` starts like a ZIP archive (a local file header).
    static func looksLikeZip(_ file: MappedFile) -> Bool {
        file.count >= 4 && file.load(0, as: UInt32.self) == 0x0403_4b50
    }

    /// Reads the central directory of `file`.
    ///
    /// - Throws: `CheckpointError` naming the file for a truncated or malformed archive, or for a
    ///   compressed member (PyTorch never compresses; dnatune does not inflate).
    init(_ file: MappedFile) throws {
        self.file = file
        let path = file.path
        func fail(_ message: String) -> CheckpointError { CheckpointError(file: path, "not a readable ZIP archive: \(message)") }
        let size = file.count
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
        var eocd = -1
        var at = size - 22
        while at >= max(0, size - 22 - 65_535) {
            if file.load(at, as: UInt32.self) == 0x0605_4b50 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record (truncated?)") }
        var entryCount = Int(file.load(eocd + 10, as: UInt16.self))
        var directorySize = Int(file.load(eocd + 12, as: UInt32.self))
        var directoryOffset = Int(file.load(eocd + 16, as: UInt32.self))
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the ZIP64 end record.
            let locator = eocd - 20
            guard locator >= 0, file.load(locator, as: UInt32.self) == 0x0706_4b50 else {
                throw fail("ZIP64 sizes without a ZIP64 locator")
            }
            let record = Int(clamping: file.load(locator + 8, as: UInt64.self))
            guard record >= 0, record + 56 <= size, file.load(record, as: UInt32.self) == 0x0606_4b50 else {
                throw fail("the ZIP64 end record is missing or out of range")
            }
            entryCount = Int(clamping: file.load(record + 32, as: UInt64.self))
            directorySize = Int(clamping: file.load(record + 40, as: UInt64.self))
            directoryOffset = Int(clamping: file.load(record + 48, as: UInt64.self))
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset <= size, directorySize <= size - directoryOffset else {
            throw fail("the central directory lies outside the file")
        }
        var members: [String: Member] = [:]
        var p = directoryOffset
        let end = directoryOffset + directorySize
        for _ in 0..<entryCount {
            guard p + 46 <= end, file.load(p, as: UInt32.self) == 0x0201_4b50 else {
                throw fail("central directory entry at byte \(p) is malformed")
            }
            let method = file.load(p + 10, as: UInt16.self)
            var compressed = Int(file.load(p + 20, as: UInt32.self))
            var uncompressed = Int(file.load(p + 24, as: UInt32.self))
            let nameLength = Int(file.load(p + 28, as: UInt16.self))
            let extraLength = Int(file.load(p + 30, as: UInt16.self))
            let commentLength = Int(file.load(p + 32, as: UInt16.self))
            var localOffset = Int(file.load(p + 42, as: UInt32.self))
            guard p + 46 + nameLength + extraLength + commentLength <= end else {
                throw fail("central directory entry at byte \(p) runs past the directory")
            }
            let name = String(decoding: file.bytes((p + 46)..<(p + 46 + nameLength)), as: UTF8.self)
            // The ZIP64 extra field holds, in order, whichever of the three values overflowed.
            var q = p + 46 + nameLength
            let extraEnd = q + extraLength
            while q + 4 <= extraEnd {
                let id = file.load(q, as: UInt16.self), length = Int(file.load(q + 2, as: UInt16.self))
                if id == 0x0001 {
                    var r = q + 4
                    func next() -> Int? {
                        guard r + 8 <= q + 4 + length, r + 8 <= extraEnd else { return nil }
                        defer { r += 8 }
                        return Int(clamping: file.load(r, as: UInt64.self))
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = next() ?? -1 }
                    if compressed == 0xFFFF_FFFF { compressed = next() ?? -1 }
                    if localOffset == 0xFFFF_FFFF { localOffset = next() ?? -1 }
                }
                q += 4 + length
            }
            guard method == 0 else {
                throw CheckpointError(file: path, "member \(name) is compressed (method \(method)); PyTorch stores members uncompressed and dnatune reads only those")
            }
            guard compressed == uncompressed, localOffset >= 0, localOffset + 30 <= size,
                  file.load(localOffset, as: UInt32.self) == 0x0403_4b50 else {
                throw fail("member \(name) has an inconsistent size or local header")
            }
            let dataStart = localOffset + 30 + Int(file.load(localOffset + 26, as: UInt16.self))
                + Int(file.load(localOffset + 28, as: UInt16.self))
            guard compressed >= 0, dataStart <= size, compressed <= size - dataStart else {
                throw fail("member \(name) runs past the end of the file (truncated?)")
            }
            members[name] = Member(name: name, range: dataStart..<(dataStart + compressed))
            p += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// The bytes of member `name`, or nil when there is none.
    func bytes(_ name: String) -> UnsafeRawBufferPointer? {
        members[name].map { file.bytes($0.range) }
    }
}
