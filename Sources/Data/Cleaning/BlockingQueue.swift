import Foundation

/// A first-in first-out queue between threads; `pop` waits for an element, `push` waits
/// while the queue holds `capacity` elements (unbounded when capacity is nil).
///
/// `@unchecked Sendable`: every access to `items` happens with `condition` locked.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int?

    init(capacity: Int? = nil) { self.capacity = capacity }

    func push(_ element: Element) {
        condition.lock()
        while let capacity, items.count >= capacity { condition.wait() }
        items.append(element)
        condition.broadcast()
        condition.unlock()
    }

    func pop() -> Element {
        condition.lock()
        while items.isEmpty { condition.wait() }
        // The queues hold a handful of batches, so removing the first is cheap, and a popped
        // batch is released at once.
        let element = items.removeFirst()
        condition.broadcast()
        condition.unlock()
        return element
    }

    /// The next element if one is waiting, without blocking.
    func tryPop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        guard !items.isEmpty else { return nil }
        let element = items.removeFirst()
        condition.broadcast()
        return element
    }
}
