import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a process uses, read from Linux's `/proc/PID/stat`: CPU time so far, resident memory
/// and threads. Two readings a moment apart give its CPU use (`cpuPercent(since:)`), as `top`
/// computes it: 200 % is two cores busy.
public struct ProcessUsage: Sendable, Equatable {
    /// User plus system CPU time, in seconds.
    public var cpuSeconds: Double
    /// Resident set size, in bytes.
    public var residentBytes: Int
    public var threads: Int
    /// When it was read (seconds on a monotonic clock).
    public var time: Double

    public init(cpuSeconds: Double, residentBytes: Int, threads: Int, time: Double) {
        self.cpuSeconds = cpuSeconds; self.residentBytes = residentBytes; self.threads = threads; self.time = time
    }

    /// Reads process `pid`; nil when it is gone or `/proc` is not there (not Linux).
    public static func read(pid: Int32, time: Double = Double(DispatchTime.now().uptimeNanoseconds) / 1e9) -> ProcessUsage? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return parse(stat: text, time: time)
    }

    /// Parses a `/proc/PID/stat` line. The command name, in parentheses, may hold spaces and
    /// parentheses itself, so the fields are counted from its last `)`.
    static func parse(stat text: String, time: Double,
                      ticksPerSecond: Double = Double(sysconf(Int32(_SC_CLK_TCK))),
                      pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))) -> ProcessUsage? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) onwards; utime is field 14, stime 15, threads 20, rss 24.
        let fields = text[text.index(after: close)...].split(separator: " ")
        func field(_ n: Int) -> Double? { fields.indices.contains(n - 3) ? Double(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let rss = field(24), ticksPerSecond > 0 else {
            return nil
        }
        return ProcessUsage(cpuSeconds: (utime + stime) / ticksPerSecond, residentBytes: Int(rss) * pageSize,
                            threads: Int(threads), time: time)
    }

    /// CPU use between `earlier` and this reading, in percent of one core; nil when no time passed.
    public func cpuPercent(since earlier: ProcessUsage) -> Double? {
        let wall = time - earlier.time
        guard wall > 0 else { return nil }
        return max(0, (cpuSeconds - earlier.cpuSeconds) / wall * 100)
    }

    /// `CPU 198% · 412 MB · 3 threads` (CPU only once there are two readings).
    public func line(cpuPercent: Double?, unicode: Bool) -> String {
        let dot = unicode ? " · " : " | "
        let mb = Double(residentBytes) / 1_048_576
        let memory = mb >= 1024 ? String(format: "%.1f GB", mb / 1024) : String(format: "%.0f MB", mb)
        return (cpuPercent.map { String(format: "CPU %.0f%%", $0) + dot } ?? "") + memory + dot + "\(threads) threads"
    }
}
