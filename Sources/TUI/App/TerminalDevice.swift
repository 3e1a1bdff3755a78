/// What the app loop needs from a terminal: its size, keys with a time-out, and painting.
/// `Terminal` is the real one; tests drive the loop with a scripted one.
public protocol TerminalDevice: AnyObject {
    /// Columns and rows.
    var size: (width: Int, height: Int) { get }
    /// Whether UTF-8 glyphs (braille, blocks) may be drawn.
    var unicode: Bool { get }
    /// Waits up to `timeoutMs` for a key (0 = just look); nil when none came.
    func readKey(timeoutMs: Int) -> Key?
    /// Shows a frame (painting only what changed).
    func paint(_ grid: CellGrid)
    /// Makes the next paint redraw every cell.
    func invalidate()
    /// Switches colours (a theme picked while running).
    func setPalette(_ palette: Palette)
    /// Rings the bell.
    func bell()
}

extension TerminalDevice {
    /// Devices without a bell stay silent.
    public func bell() {}
}

extension Terminal: TerminalDevice {}

/// A source of outside events (the trainer's channel): a counter that grows whenever new
/// events are waiting. The app loop reads it on every wake-up — cheaply, without taking the
/// events — and drains the events only when it moved, so training is never held back by
/// the dashboard and the dashboard does no work while nothing happens.
public protocol EventSource: Sendable {
    /// The number of events published so far (or any counter that moves when there are new ones).
    var generation: UInt64 { get }
}

/// An `EventSource` backed by a closure.
public struct ClosureEventSource: EventSource {
    private let read: @Sendable () -> UInt64
    public init(_ read: @escaping @Sendable () -> UInt64) { self.read = read }
    public var generation: UInt64 { read() }
}
