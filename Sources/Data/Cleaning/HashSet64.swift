/// A compact open-addressing set of 64-bit hashes with a 32-bit value each (linear probing,
/// grown at 70 % load): 16-byte slots, 35–70 % full, so 23–46 bytes per distinct key — far less
/// memory than the sequences themselves. A key and its value share a slot, so a probe touches
/// one cache line.
public struct HashSet64: Sendable {
    /// Slot `i`'s key at `2i` (0: empty) and its value at `2i + 1`.
    private var slots: [UInt64]
    private var mask: Int
    /// The number of keys stored.
    public private(set) var count = 0

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 10 / 7 + 1 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: 2 * size)
        mask = size - 1
    }

    /// Bytes used by the table.
    public var memoryBytes: Int { slots.count * 8 }

    @inline(__always) private static func slotKey(_ key: UInt64) -> UInt64 { key == 0 ? 1 : key }

    /// Inserts `key` with `value` unless present; returns the stored value and whether it
    /// was inserted.
    @discardableResult
    public mutating func insert(_ key: UInt64, value: UInt32 = 0) -> (inserted: Bool, value: UInt32) {
        if (count + 1) * 10 > (mask + 1) * 7 { grow() }
        let k = HashSet64.slotKey(key), mask = self.mask
        var i = Int(truncatingIfNeeded: k ^ (k >> 29)) & mask
        let result: (Bool, UInt32) = slots.withUnsafeMutableBufferPointer { s in
            while true {
                let existing = s[2 * i]
                if existing == 0 { s[2 * i] = k; s[2 * i + 1] = UInt64(value); return (true, value) }
                if existing == k { return (false, UInt32(truncatingIfNeeded: s[2 * i + 1])) }
                i = (i + 1) & mask
            }
        }
        if result.0 { count += 1 }
        return result
    }

    /// The value stored with `key`, or nil.
    public func value(for key: UInt64) -> UInt32? {
        let k = HashSet64.slotKey(key)
        var i = Int(truncatingIfNeeded: k ^ (k >> 29)) & mask
        while true {
            let existing = slots[2 * i]
            if existing == 0 { return nil }
            if existing == k { return UInt32(truncatingIfNeeded: slots[2 * i + 1]) }
            i = (i + 1) & mask
        }
    }

    /// Replaces the value stored with `key` (no effect when absent).
    public mutating func update(_ key: UInt64, value: UInt32) {
        let k = HashSet64.slotKey(key)
        var i = Int(truncatingIfNeeded: k ^ (k >> 29)) & mask
        while slots[2 * i] != 0 {
            if slots[2 * i] == k { slots[2 * i + 1] = UInt64(value); return }
            i = (i + 1) & mask
        }
    }

    /// Whether `key` is stored.
    public func contains(_ key: UInt64) -> Bool { value(for: key) != nil }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = old.count - 1
        count = 0
        for j in stride(from: 0, to: old.count, by: 2) where old[j] != 0 {
            insert(old[j], value: UInt32(truncatingIfNeeded: old[j + 1]))
        }
    }
}
