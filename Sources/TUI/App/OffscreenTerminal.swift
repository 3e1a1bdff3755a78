#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `TerminalDevice` without a screen: it waits out key time-outs for real (as a terminal
/// with no typing would), answers queued keys, and compares each painted frame with the last
/// cell by cell as the curses backend does — the dashboard's whole cost without the output.
/// For benchmarks (the trainer's throughput with the dashboard open) and headless checks.
public final class OffscreenTerminal: TerminalDevice {
    public var size: (width: Int, height: Int)
    public let unicode: Bool
    /// Keys to answer before waiting, oldest first.
    public var pendingKeys: [Key] = []
    /// Frames painted, and cells that differed from the frame before.
    public private(set) var framesPainted = 0
    public private(set) var cellsChanged = 0
    /// The last frame painted.
    public private(set) var lastFrame: CellGrid?

    public init(width: Int = 80, height: Int = 24, unicode: Bool = true) {
        size = (width, height)
        self.unicode = unicode
    }

    public func readKey(timeoutMs: Int) -> Key? {
        if !pendingKeys.isEmpty { return pendingKeys.removeFirst() }
        if timeoutMs > 0 { usleep(useconds_t(timeoutMs) * 1000) }
        return nil
    }

    public func paint(_ grid: CellGrid) {
        if let last = lastFrame, last.width == grid.width, last.height == grid.height {
            for i in grid.cells.indices where grid.cells[i] != last.cells[i] { cellsChanged += 1 }
        } else {
            cellsChanged += grid.cells.count
        }
        lastFrame = grid
        framesPainted += 1
    }

    public func invalidate() { lastFrame = nil }

    public func setPalette(_ palette: Palette) {}
}
