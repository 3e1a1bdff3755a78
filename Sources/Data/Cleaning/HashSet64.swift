/// A compact open-addressing set of 64-bit hashes with a 32-bit value each (linear probing,
/// grown at 70 % load): about 12–24 bytes per distinct key, so duplicate detection needs far
/// less memory than the sequences themselves.
public struct HashSet64: Sendable {
    private var keys: [UInt64]
    private var values: [UInt32]
    private var mask: Int
    /// The number of keys stored.
    public private(set) var count = 0

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 10 / 7 + 1 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [UInt32](repeating: 0, count: size)
        mask = size - 1
    }

    /// Bytes used by the table.
    public var memoryBytes: Int { keys.count * 12 }

    @inline(__always) private static func slotKey(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

    /// Inserts `key` with `value` unless present; returns the stored value and whether it
    /// was inserted.
    @discardableResult
    public mutating func insert(_ key: UInt64, value: UInt32 = 0) -> (inserted: Bool, value: UInt32) {
        if (count + 1) * 10 > keys.count * 7 { grow() }
        let k = HashSet64.slotKey(key)
        var i = Int(truncatingIfNeeded: k ^ (k >> 29)) & mask
        while true {
            let existing = keys[i]
            if existing == 0 { keys[i] = k; values[i] = value; count += 1; return (true, value) }
            if existing == k { return (false, values[i]) }
            i = (i + 1) & mask
        }
    }

    /// The value stored for `key`, or nil.
    public func value(for key: UInt64) -> UInt32? {
        let k = HashSet64.slotKey(key)
        var i = Int(truncatingIfNeeded: k ^ (k >> 29)) & mask
        while true {
            let existing = keys[i]
            if existing == 0 { return nil }
            if existing == k { return values[i] }
            i = (i + 1) & mask
        }
    }

    /// Replaces the value of a stored key.
    public mutating func update(_ key: UInt64, value: UInt32) {
        let k = HashSet64.slotKey(key)
        var i = Int(truncatingIfNeeded: k ^ (k >> 29)) & mask
        while keys[i] != 0 {
            if keys[i] == k { values[i] = value; return }
            i = (i + 1) & mask
        }
    }

    /// True when `key` is stored.
    public func contains(_ key: UInt64) -> Bool { value(for: key) != nil }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        values = [UInt32](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != 0 { insert(k, value: v) }
    }
}
