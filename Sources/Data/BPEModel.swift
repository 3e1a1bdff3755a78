import Foundation

/// A byte-pair-encoding tokenizer read from a Hugging Face `tokenizer.json` (DNABERT-2, GROVER),
/// giving the ids the `tokenizers` library gives: the normaliser, pre-tokeniser, BPE merges and
/// the post-processor's special tokens.
///
/// DNA sequences hold letters only, so of the pre-tokenisers DNA models use (`Whitespace`,
/// `WhitespaceSplit`, `BertPreTokenizer`, `Metaspace` without a prefix) none splits them: each
/// sequence is one word. Normalisers that change nothing for ASCII letters (`NFC`, `NFD`, `NFKC`,
/// `NFKD`, `StripAccents`, `Strip`) are accepted; `Lowercase` (and `BertNormalizer`'s lowercase)
/// is applied. Anything else in the file — another model type, a pre-tokeniser that would split
/// or rewrite DNA, a template other than `[special] $A [special]` — is an error naming the key.
public final class BPEModel: Sendable {
    /// The token of each id (vocabulary and added tokens).
    public let tokens: [String]
    /// Ids of the single characters, by byte (−1 where the vocabulary lacks one).
    let characterIDs: [Int32]
    /// Ids of characters that continue a word (with `continuing_subword_prefix`), by byte.
    let continuingIDs: [Int32]
    /// The merge of each adjacent pair (left id, right id): its rank and the merged token's id.
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let unknownID: Int32?
    let fuseUnknown: Bool
    let lowercase: Bool
    let ignoreMerges: Bool
    let vocabulary: [String: Int32]
    /// The ids the post-processor puts before and after a single sequence.
    public let prefix: [Int32], suffix: [Int32]
    /// Special tokens by role, when the file has them.
    public let padID: Int32?, maskID: Int32?

    /// Reads `url` (a `tokenizer.json`).
    ///
    /// - Throws: `DataError` naming the file and key for anything it cannot reproduce exactly.
    public init(contentsOf url: URL) throws {
        let path = url.path
        func fail(_ message: String) -> DataError { DataError(file: path, message) }
        let data: Foundation.Data
        do { data = try Foundation.Data(contentsOf: url) } catch {
            throw fail("cannot read the tokenizer: \(error.localizedDescription)")
        }
        let root: [String: Any]
        do { root = try JSONObjectReader.object(data) } catch { throw fail("\(error.description): not a Hugging Face tokenizer.json") }
        guard let model = root["model"] as? [String: Any] else { throw fail("no \"model\" section") }
        guard (model["type"] as? String ?? "BPE") == "BPE", model["merges"] != nil else {
            throw fail("model.type \"\(model["type"] ?? "?")\" is not BPE; dnatune reads BPE tokenizer.json files (other kinds: use vocab.txt)")
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 { throw fail("model.dropout \(dropout): BPE dropout is random; dnatune needs it off") }
        if (model["byte_fallback"] as? Bool) == true { throw fail("model.byte_fallback is not supported") }
        if let suffix = model["end_of_word_suffix"] as? String, !suffix.isEmpty { throw fail("model.end_of_word_suffix is not supported") }
        let continuing = (model["continuing_subword_prefix"] as? String) ?? ""

        // Vocabulary: the model's, then added tokens (which may repeat ids).
        guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model.vocab is not an object") }
        var byToken: [String: Int32] = [:]
        for (token, value) in vocab {
            guard let id = (value as? NSNumber)?.intValue, id >= 0, id < Int(Int32.max) else { throw fail("model.vocab: \"\(token)\" has no valid id") }
            byToken[token] = Int32(id)
        }
        var specials: [String: Int32] = [:]
        for item in (root["added_tokens"] as? [[String: Any]]) ?? [] {
            guard let content = item["content"] as? String, let id = (item["id"] as? NSNumber)?.intValue, id >= 0 else {
                throw fail("added_tokens: an entry without content and id")
            }
            byToken[content] = Int32(id)
            specials[content] = Int32(id)
        }
        let size = Int(byToken.values.max() ?? -1) + 1
        var tokens = [String](repeating: "", count: size)
        for (token, id) in byToken { tokens[Int(id)] = token }
        self.tokens = tokens
        self.vocabulary = byToken

        // Merges: "a b" strings (older files) or ["a", "b"] pairs.
        guard let mergeList = model["merges"] as? [Any] else { throw fail("model.merges is not a list") }
        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        for (rank, entry) in mergeList.enumerated() {
            let pair: [String]
            if let text = entry as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("model.merges[\(rank)] \"\(text)\" is not two tokens") }
                pair = parts.map(String.init)
            } else if let list = entry as? [String], list.count == 2 {
                pair = list
            } else {
                throw fail("model.merges[\(rank)] is neither \"a b\" nor [a, b]")
            }
            guard let a = byToken[pair[0]], let b = byToken[pair[1]] else {
                throw fail("model.merges[\(rank)] (\(pair[0]) \(pair[1])) names a token the vocabulary lacks")
            }
            let merged = pair[0] + (continuing.isEmpty ? pair[1] : String(pair[1].dropFirst(pair[1].hasPrefix(continuing) ? continuing.count : 0)))
            guard let id = byToken[merged] else { throw fail("model.merges[\(rank)]: the merged token \"\(merged)\" is not in the vocabulary") }
            let key = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
            if merges[key] == nil { merges[key] = (Int32(rank), id) }
        }
        self.merges = merges
        ignoreMerges = (model["ignore_merges"] as? Bool) ?? false
        fuseUnknown = (model["fuse_unk"] as? Bool) ?? false
        if let unk = model["unk_token"] as? String {
            guard let id = byToken[unk] else { throw fail("model.unk_token \"\(unk)\" is not in the vocabulary") }
            unknownID = id
        } else { unknownID = nil }
        var characterIDs = [Int32](repeating: -1, count: 256), continuingIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<128 {
            let c = String(UnicodeScalar(UInt8(byte)))
            characterIDs[byte] = byToken[c] ?? -1
            continuingIDs[byte] = byToken[continuing + c] ?? -1
        }
        self.characterIDs = characterIDs; self.continuingIDs = continuingIDs

        lowercase = try Self.readNormalizer(root["normalizer"], path: path)
        try Self.checkPreTokenizer(root["pre_tokenizer"], path: path)
        (prefix, suffix) = try Self.readPostProcessor(root["post_processor"], tokens: byToken, path: path)
        func special(_ names: [String]) -> Int32? { names.lazy.compactMap { byToken[$0] }.first }
        padID = special(["[PAD]", "<pad>", "<PAD>"]) ?? ((root["padding"] as? [String: Any])?["pad_id"] as? NSNumber).map { Int32($0.intValue) }
        maskID = special(["[MASK]", "<mask>", "<MASK>"])
    }

    /// Whether the normaliser lowercases; throws for one that would change DNA otherwise.
    static func readNormalizer(_ value: Any?, path: String) throws -> Bool {
        guard let n = value as? [String: Any] else { return false }
        let type = n["type"] as? String ?? ""
        switch type {
        case "NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Strip": return false
        case "Lowercase": return true
        case "BertNormalizer": return (n["lowercase"] as? Bool) ?? true
        case "Sequence":
            var lower = false
            for item in (n["normalizers"] as? [Any]) ?? [] { lower = try readNormalizer(item, path: path) || lower }
            return lower
        default:
            throw DataError(file: path, "normalizer \"\(type)\" is not supported (supported: Lowercase, BertNormalizer, NFC/NFD/NFKC/NFKD, StripAccents, Strip, Sequence)")
        }
    }

    /// Accepts the pre-tokenisers that leave a string of letters whole.
    static func checkPreTokenizer(_ value: Any?, path: String) throws {
        guard let p = value as? [String: Any] else { return }
        let type = p["type"] as? String ?? ""
        switch type {
        case "Whitespace", "WhitespaceSplit", "BertPreTokenizer", "Punctuation", "Digits": return
        case "ByteLevel":
            // ASCII letters map to themselves; a prefix space would become a token of its own.
            if (p["add_prefix_space"] as? Bool) == true { throw DataError(file: path, "pre_tokenizer ByteLevel with add_prefix_space is not supported") }
        case "Metaspace":
            if let scheme = p["prepend_scheme"] as? String, scheme != "never" { throw DataError(file: path, "pre_tokenizer Metaspace with prepend_scheme \"\(scheme)\" is not supported") }
        case "Sequence":
            for item in (p["pretokenizers"] as? [Any]) ?? [] { try checkPreTokenizer(item, path: path) }
        default:
            throw DataError(file: path, "pre_tokenizer \"\(type)\" is not supported (supported: Whitespace, WhitespaceSplit, BertPreTokenizer, ByteLevel, Metaspace, Sequence)")
        }
    }

    /// The special ids a single sequence gets before and after it.
    static func readPostProcessor(_ value: Any?, tokens: [String: Int32], path: String) throws -> (prefix: [Int32], suffix: [Int32]) {
        guard let p = value as? [String: Any] else { return ([], []) }
        func fail(_ message: String) -> DataError { DataError(file: path, "post_processor: " + message) }
        switch p["type"] as? String ?? "" {
        case "TemplateProcessing":
            guard let single = p["single"] as? [[String: Any]] else { throw fail("TemplateProcessing without \"single\"") }
            let specials = (p["special_tokens"] as? [String: Any]) ?? [:]
            var prefix: [Int32] = [], suffix: [Int32] = [], seenSequence = false
            for piece in single {
                if piece["Sequence"] != nil {
                    guard !seenSequence else { throw fail("a template with two sequences") }
                    seenSequence = true
                } else if let special = piece["SpecialToken"] as? [String: Any], let name = special["id"] as? String {
                    var ids: [Int32] = []
                    if let entry = specials[name] as? [String: Any], let list = entry["ids"] as? [NSNumber] {
                        ids = list.map { Int32($0.intValue) }
                    } else if let id = tokens[name] { ids = [id] } else { throw fail("special token \"\(name)\" has no id") }
                    if seenSequence { suffix += ids } else { prefix += ids }
                } else {
                    throw fail("a template piece that is neither Sequence nor SpecialToken")
                }
            }
            guard seenSequence else { throw fail("a template without the sequence ($A)") }
            return (prefix, suffix)
        case "BertProcessing", "RobertaProcessing":
            guard let cls = p["cls"] as? [Any], cls.count == 2, let clsID = (cls[1] as? NSNumber)?.intValue,
                  let sep = p["sep"] as? [Any], sep.count == 2, let sepID = (sep[1] as? NSNumber)?.intValue else {
                throw fail("\(p["type"]!) without cls and sep")
            }
            return ([Int32(clsID)], [Int32(sepID)])
        case let other:
            throw fail("\"\(other)\" is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing)")
        }
    }

    /// The BPE tokens of `word` (no special tokens), exactly as `tokenizers`' `Word::merge_all`
    /// without dropout: the lowest-ranked adjacent pair merges first, the leftmost among equals.
    public func encode(_ word: UnsafeBufferPointer<UInt8>) -> [Int32] {
        let n = word.count
        guard n > 0 else { return [] }
        // Symbols as a doubly linked list over the initial characters.
        var ids = [Int32](), lengths = [Int32](), prev = [Int](), next = [Int]()
        ids.reserveCapacity(n)
        for i in 0..<n {
            var byte = word[i]
            if lowercase, byte >= 65, byte <= 90 { byte += 32 }
            var id = Int(byte) < 128 ? (i == 0 ? characterIDs : continuingIDs)[Int(byte)] : -1
            if id < 0 {
                guard let unknownID else { continue }  // no unk token: the character is dropped, as tokenizers does
                if fuseUnknown, let last = ids.last, last == unknownID, lengths.last.map({ $0 > 0 }) == true {
                    lengths[lengths.count - 1] += 1
                    continue
                }
                id = unknownID
            }
            prev.append(ids.count - 1); next.append(ids.count + 1)
            ids.append(id); lengths.append(1)
        }
        guard !ids.isEmpty else { return [] }
        next[ids.count - 1] = -1
        if ids.count == 1 { return ids }
        if ignoreMerges, let whole = vocabulary[String(decoding: UnsafeRawBufferPointer(word), as: UTF8.self)] { return [whole] }

        var heap = MergeHeap()
        func pair(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
        for i in 0..<(ids.count - 1) {
            if let m = merges[pair(ids[i], ids[i + 1])] { heap.push(.init(rank: m.rank, position: i, id: m.id)) }
        }
        while let top = heap.pop() {
            let i = top.position
            guard lengths[i] > 0, next[i] >= 0 else { continue }
            let j = next[i]
            // Skip a stale entry: the pair at `i` changed since it was queued.
            guard let m = merges[pair(ids[i], ids[j])], m.rank == top.rank, m.id == top.id else { continue }
            ids[i] = top.id
            lengths[i] += lengths[j]; lengths[j] = 0
            next[i] = next[j]
            if next[j] >= 0 { prev[next[j]] = i }
            if prev[i] >= 0, let m = merges[pair(ids[prev[i]], ids[i])] { heap.push(.init(rank: m.rank, position: prev[i], id: m.id)) }
            if next[i] >= 0, let m = merges[pair(ids[i], ids[next[i]])] { heap.push(.init(rank: m.rank, position: i, id: m.id)) }
        }
        var out: [Int32] = []
        var i = 0
        while i >= 0 { out.append(ids[i]); i = next[i] }
        return out
    }
}

/// A binary min-heap of pending merges, by rank, then by position (leftmost first).
struct MergeHeap {
    struct Entry { var rank: Int32; var position: Int; var id: Int32 }
    private var items: [Entry] = []

    private static func less(_ a: Entry, _ b: Entry) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.position < b.position }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent); i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.less(items[l], items[m]) { m = l }
                if r < items.count, Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return first
    }
}
