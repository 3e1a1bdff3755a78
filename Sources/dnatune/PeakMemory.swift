import Foundation

/// The process's peak resident memory over one measurement.
///
/// `getrusage`'s `ru_maxrss` cannot serve per measurement: it only grows, over the whole process
/// lifetime, and on Linux a child started from a large parent reports at least the parent's
/// resident size (the kernel folds the parent's high-water mark into the child's at `exec`). On
/// Linux the peak comes instead from `VmHWM` in `/proc/self/status`, which writing `5` to
/// `/proc/self/clear_refs` resets to the current resident size.
enum PeakMemory {
    /// Gives freed heap memory back to the system (glibc keeps freed blocks below its mmap
    /// threshold resident for reuse, which would count against the next measurement), then
    /// starts a new peak at the current resident size. Returns false where the peak cannot be
    /// reset (then `megabytes()` is the peak since the process started).
    @discardableResult
    static func reset() -> Bool {
        #if canImport(Glibc)
        // malloc_trim, looked up at run time: Swift's Glibc module does not declare it.
        if let symbol = dlsym(nil, "malloc_trim") {
            _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
        }
        #endif
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Foundation.Data("5".utf8)) } catch { return false }
        return true
    }

    /// The peak resident memory in MB (2²⁰ bytes) since the last `reset()`, or since the process
    /// started where `VmHWM` is not available.
    static func megabytes() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Double(line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") {
            return kb / 1024
        }
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
        #endif
    }
}
