import Foundation

/// A value on the restricted unpickler's stack.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int` (LONG1/LONG4), little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global the unpickler allows, not yet called.
    case global(StateDictUnpickler.Global)
    /// A typed storage class (`torch.FloatStorage`, ...), as a persistent id names it.
    case storageType(SafeTensorsDType)
    /// A storage named by a persistent id.
    case storage(StateDictUnpickler.StorageReference)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2`.
    case tensor(StateDictUnpickler.TensorReference)
}

/// A mutable pickled list (shared between the stack and the memo, as in Python).
final class PickleList { var items: [PickleValue] = [] }
/// A mutable pickled dict, keys in insertion order.
final class PickleDict { var items: [(key: PickleValue, value: PickleValue)] = [] }

/// The subset of Python's pickle machine that reads a PyTorch state dict, and nothing more: an
/// ordered dict of tensors rebuilt from storages. Only data opcodes and a fixed list of globals
/// (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter` and the
/// typed storage classes) are accepted; any other global or opcode is an error naming it and its
/// byte offset, so no code a file names is ever run.
struct StateDictUnpickler {
    /// The globals a state dict uses.
    enum Global: String {
        case orderedDict = "collections.OrderedDict"
        case rebuildTensor = "torch._utils._rebuild_tensor_v2"
        case rebuildParameter = "torch._utils._rebuild_parameter"
    }

    /// A storage: its key in the archive (or the legacy stream), element type and element count.
    struct StorageReference {
        var key: String
        var dtype: SafeTensorsDType
        var count: Int
        /// Legacy views: the offset in elements into the root storage `key`.
        var viewOffset = 0
    }

    /// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
    struct TensorReference {
        var storage: StorageReference
        var offset: Int
        var shape: [Int]
        var stride: [Int]
    }

    /// The typed storage classes, by name, and their element types.
    static let storageTypes: [String: SafeTensorsDType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    let path: String
    let bytes: UnsafeRawBufferPointer
    var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// An unpickler over `bytes` starting at `position`; `path` names the file in errors.
    init(path: String, bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.path = path; self.bytes = bytes; self.position = position
    }

    private func fail(_ message: String) -> CheckpointError {
        CheckpointError(file: path, "pickle: \(message)")
    }

    /// Runs to the STOP opcode and returns the object built; `position` is then just past it.
    mutating func load() throws -> PickleValue {
        stack = []; marks = []; memo = [:]
        while true {
            let at = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()                                   // PROTO
            case 0x95: position += 8; try need(0)                       // FRAME (length ignored)
            case UInt8(ascii: "."):                                     // STOP
                guard let top = stack.popLast(), stack.isEmpty, marks.isEmpty else { throw fail("STOP at byte \(at) with an unbalanced stack") }
                return top
            case UInt8(ascii: "("): marks.append(stack.count)           // MARK
            case UInt8(ascii: "0"): _ = try pop(at)                     // POP
            case UInt8(ascii: "1"): _ = try popMark(at)                 // POP_MARK
            case UInt8(ascii: "2"): let v = try pop(at); stack += [v, v] // DUP
            case UInt8(ascii: "N"): stack.append(.none)
            case 0x88: stack.append(.bool(true))                        // NEWTRUE
            case 0x89: stack.append(.bool(false))                       // NEWFALSE
            case UInt8(ascii: "J"): stack.append(.int(Int(Int32(bitPattern: UInt32(truncatingIfNeeded: try uint(4))))))  // BININT
            case UInt8(ascii: "K"): stack.append(.int(Int(try byte())))                      // BININT1
            case UInt8(ascii: "M"): stack.append(.int(Int(try uint(2))))                     // BININT2
            case 0x8a: stack.append(try long(Int(try byte())))                                // LONG1
            case 0x8b: stack.append(try long(try length(4, at)))                             // LONG4
            case UInt8(ascii: "I"):                                                           // INT (text)
                let text = try line()
                if text == "01" { stack.append(.bool(true)) } else if text == "00" { stack.append(.bool(false)) }
                else if let n = Int(text) { stack.append(.int(n)) } else { throw fail("INT \"\(text)\" at byte \(at) is not an integer") }
            case UInt8(ascii: "G"): stack.append(.float(Double(bitPattern: try uint(8).byteSwapped)))  // BINFLOAT (big-endian)
            case UInt8(ascii: "X"): stack.append(.string(try text(try length(4, at))))       // BINUNICODE
            case 0x8c: stack.append(.string(try text(Int(try byte()))))                      // SHORT_BINUNICODE
            case 0x8d: stack.append(.string(try text(try length(8, at))))                    // BINUNICODE8
            case UInt8(ascii: "T"): stack.append(.string(try text(try length(4, at))))       // BINSTRING
            case UInt8(ascii: "U"): stack.append(.string(try text(Int(try byte()))))         // SHORT_BINSTRING
            case UInt8(ascii: "B"): stack.append(.bytes(try raw(try length(4, at))))         // BINBYTES
            case UInt8(ascii: "C"): stack.append(.bytes(try raw(Int(try byte()))))           // SHORT_BINBYTES
            case UInt8(ascii: ")"): stack.append(.tuple([]))                                  // EMPTY_TUPLE
            case UInt8(ascii: "t"): stack.append(.tuple(try popMark(at)))                     // TUPLE
            case 0x85, 0x86, 0x87:                                                            // TUPLE1-3
                let n = Int(op - 0x84)
                guard stack.count - (marks.last ?? 0) >= n else { throw fail("TUPLE\(n) at byte \(at) with too few items") }
                stack.append(.tuple(Array(stack.suffix(n)))); stack.removeSubrange((stack.count - n - 1)..<(stack.count - 1))
            case UInt8(ascii: "]"): stack.append(.list(PickleList()))                         // EMPTY_LIST
            case UInt8(ascii: "l"): let l = PickleList(); l.items = try popMark(at); stack.append(.list(l))  // LIST
            case UInt8(ascii: "a"):                                                           // APPEND
                let v = try pop(at)
                guard case .list(let l) = try top(at) else { throw fail("APPEND at byte \(at) to something that is not a list") }
                l.items.append(v)
            case UInt8(ascii: "e"):                                                           // APPENDS
                let items = try popMark(at)
                guard case .list(let l) = try top(at) else { throw fail("APPENDS at byte \(at) to something that is not a list") }
                l.items += items
            case UInt8(ascii: "}"): stack.append(.dict(PickleDict()))                         // EMPTY_DICT
            case UInt8(ascii: "d"):                                                           // DICT
                let d = PickleDict(); d.items = try pairs(try popMark(at), at); stack.append(.dict(d))
            case UInt8(ascii: "s"):                                                           // SETITEM
                let value = try pop(at), key = try pop(at)
                guard case .dict(let d) = try top(at) else { throw fail("SETITEM at byte \(at) on something that is not a dict") }
                d.items.append((key, value))
            case UInt8(ascii: "u"):                                                           // SETITEMS
                let items = try pairs(try popMark(at), at)
                guard case .dict(let d) = try top(at) else { throw fail("SETITEMS at byte \(at) on something that is not a dict") }
                d.items += items
            case UInt8(ascii: "c"):                                                           // GLOBAL
                let module = try line(), name = try line()
                stack.append(try global(module, name, at))
            case 0x93:                                                                        // STACK_GLOBAL
                guard case .string(let name) = try pop(at), case .string(let module) = try pop(at) else {
                    throw fail("STACK_GLOBAL at byte \(at) without two strings")
                }
                stack.append(try global(module, name, at))
            case UInt8(ascii: "R"):                                                           // REDUCE
                guard case .tuple(let args) = try pop(at), case .global(let g) = try pop(at) else {
                    throw fail("REDUCE at byte \(at) without a callable and an argument tuple")
                }
                stack.append(try call(g, args, at))
            case UInt8(ascii: "b"):                                                           // BUILD
                let state = try pop(at)
                // An OrderedDict's attributes (a state dict's `_metadata`): nothing dnatune needs.
                guard case .dict = try top(at), case .dict = state else {
                    throw fail("BUILD at byte \(at) on something other than a dict's attributes")
                }
            case UInt8(ascii: "Q"):                                                           // BINPERSID
                stack.append(try persistent(try pop(at), at))
            case UInt8(ascii: "q"): memo[Int(try byte())] = try top(at)                      // BINPUT
            case UInt8(ascii: "r"): memo[Int(try uint(4))] = try top(at)                     // LONG_BINPUT
            case 0x94: memo[memo.count] = try top(at)                                         // MEMOIZE
            case UInt8(ascii: "p"):                                                           // PUT
                guard let n = Int(try line()) else { throw fail("PUT at byte \(at) without an index") }
                memo[n] = try top(at)
            case UInt8(ascii: "h"): stack.append(try recall(Int(try byte()), at))            // BINGET
            case UInt8(ascii: "j"): stack.append(try recall(Int(try uint(4)), at))           // LONG_BINGET
            case UInt8(ascii: "g"):                                                           // GET
                guard let n = Int(try line()) else { throw fail("GET at byte \(at) without an index") }
                stack.append(try recall(n, at))
            default:
                throw fail(String(format: "opcode 0x%02x at byte %d is not allowed in a state dict (dnatune reads tensors only and runs no code)", op, at))
            }
        }
    }

    // MARK: Reading bytes

    private func need(_ n: Int) throws {
        guard n >= 0, position <= bytes.count, n <= bytes.count - position else {
            throw fail("truncated at byte \(position)")
        }
    }
    private mutating func byte() throws -> UInt8 {
        try need(1); defer { position += 1 }
        return bytes[position]
    }
    private mutating func uint(_ n: Int) throws -> UInt64 {
        try need(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += n
        return v
    }
    private mutating func length(_ n: Int, _ at: Int) throws -> Int {
        let v = try uint(n)
        guard v <= UInt64(bytes.count) else { throw fail("length \(v) at byte \(at) runs past the end") }
        return Int(v)
    }
    private mutating func raw(_ n: Int) throws -> [UInt8] {
        try need(n); defer { position += n }
        return Array(bytes[position..<(position + n)])
    }
    private mutating func text(_ n: Int) throws -> String { String(decoding: try raw(n), as: UTF8.self) }
    private mutating func line() throws -> String {
        var end = position
        while end < bytes.count, bytes[end] != 10 { end += 1 }
        guard end < bytes.count else { throw fail("truncated at byte \(position)") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }
    private mutating func long(_ n: Int) throws -> PickleValue {
        let digits = try raw(n)
        if n == 0 { return .int(0) }
        guard n <= 8 else { return .bigInt(digits) }
        var v: UInt64 = 0
        for (i, b) in digits.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        if n < 8, digits[n - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }  // sign-extend
        return .int(Int(Int64(bitPattern: v)))
    }

    // MARK: The stack

    private mutating func pop(_ at: Int) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let v = stack.popLast() else { throw fail("stack underflow at byte \(at)") }
        return v
    }
    private func top(_ at: Int) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0), let v = stack.last else { throw fail("stack underflow at byte \(at)") }
        return v
    }
    private mutating func popMark(_ at: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK before byte \(at)") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }
    private func recall(_ index: Int, _ at: Int) throws -> PickleValue {
        guard let v = memo[index] else { throw fail("memo \(index) recalled at byte \(at) was never stored") }
        return v
    }
    private func pairs(_ items: [PickleValue], _ at: Int) throws -> [(key: PickleValue, value: PickleValue)] {
        guard items.count % 2 == 0 else { throw fail("an odd number of dict items at byte \(at)") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    // MARK: Globals, calls, persistent ids

    private func global(_ module: String, _ name: String, _ at: Int) throws -> PickleValue {
        let qualified = module + "." + name
        if module == "torch", let dtype = Self.storageTypes[name] { return .storageType(dtype) }
        guard let g = Global(rawValue: qualified) else {
            throw fail("global \(qualified) at byte \(at) is not allowed: dnatune reads state dicts of tensors only and runs no code "
                       + "(allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage)")
        }
        return .global(g)
    }

    private func call(_ g: Global, _ args: [PickleValue], _ at: Int) throws -> PickleValue {
        switch g {
        case .orderedDict:
            guard args.isEmpty else { throw fail("collections.OrderedDict called with arguments at byte \(at)") }
            return .dict(PickleDict())
        case .rebuildParameter:
            guard let first = args.first, case .tensor = first else { throw fail("_rebuild_parameter at byte \(at) without a tensor") }
            return first
        case .rebuildTensor:
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                  let shape = Self.ints(args[2]), let stride = Self.ints(args[3]), shape.count == stride.count else {
                throw fail("_rebuild_tensor_v2 at byte \(at) without (storage, offset, size, stride, ...)")
            }
            return .tensor(TensorReference(storage: storage, offset: offset, shape: shape, stride: stride))
        }
    }

    private func persistent(_ id: PickleValue, _ at: Int) throws -> PickleValue {
        // ('storage', torch.XStorage, key, location, numel[, view_metadata])
        guard case .tuple(let t) = id, t.count >= 5, case .string("storage") = t[0],
              case .storageType(let dtype) = t[1],
              case .int(let count) = t[4], count >= 0 else {
            throw fail("persistent id at byte \(at) is not a tensor storage")
        }
        let key: String
        switch t[2] {
        case .string(let s): key = s
        case .int(let n): key = String(n)
        default: throw fail("persistent id at byte \(at) has no storage key")
        }
        var reference = StorageReference(key: key, dtype: dtype, count: count)
        if t.count >= 6, case .tuple(let view) = t[5], view.count == 3,
           case .int(let offset) = view[1], case .int(let size) = view[2], offset >= 0, size >= 0 {
            // A legacy view: a window of `size` elements at `offset` into the root storage `key`.
            reference.viewOffset = offset
            reference.count = size
        }
        return .storage(reference)
    }

    static func ints(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var out: [Int] = []
        for item in items {
            guard case .int(let n) = item else { return nil }
            out.append(n)
        }
        return out
    }
}
