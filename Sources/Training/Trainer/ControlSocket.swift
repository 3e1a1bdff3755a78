import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running training's command line to the outside: a Unix socket in its run directory
/// (`RunDirectory.controlSocket`, mode 0600) through which `dnatune attach`, the Runs screen
/// or a script pauses, resumes, stops, saves or changes the learning rate of a run that
/// another process trains — after an SSH drop, from any number of viewers at once.
///
/// The protocol is one line per request and one line per reply: `pause`, `resume`, `stop`,
/// `save`, `terminate` or `lr <rate>`, answered `ok` or `error: <why>`. Only the user who runs
/// the training may connect (the socket's mode, and the peer's uid checked on every connection).
public final class ControlServer: Sendable {
    /// Where the socket lives.
    public let path: String
    private let fd: Int32
    private let stopped = Atomic<Bool>(false)

    /// Listens at `path`, sending what clients ask to `mailbox`. A socket left by a killed
    /// run is replaced; one that a live process still serves is an error.
    ///
    /// - Throws: `RunError` when the socket cannot be created or is in use.
    public init(path: String, mailbox: CommandMailbox) throws {
        self.path = path
        if FileManager.default.fileExists(atPath: path) {
            switch ControlClient.probe(path) {
            case .live: throw RunError("\(path): another process already controls this run")
            case .stale, .absent: unlink(path)
            }
        }
        let (fd, address, length) = try Self.socketAddress(path)
        var addr = address
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let e = errno
            Glibc.close(fd)
            throw RunError("\(path): cannot create the control socket (\(String(cString: strerror(e))))")
        }
        chmod(path, 0o600)
        guard listen(fd, 8) == 0 else {
            let e = errno
            Glibc.close(fd); unlink(path)
            throw RunError("\(path): cannot listen on the control socket (\(String(cString: strerror(e))))")
        }
        self.fd = fd
        let thread = Thread { [self] in self.acceptLoop(mailbox) }
        thread.name = "dnatune control"
        thread.start()
    }

    /// Stops listening and removes the socket (the run has ended).
    public func close() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        unlink(path)
    }

    deinit { close() }

    private func acceptLoop(_ mailbox: CommandMailbox) {
        while !stopped.load(ordering: .acquiring) {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            // Each client on its own thread: a slow viewer must not block another.
            let thread = Thread { Self.serve(client, mailbox) }
            thread.start()
        }
    }

    /// Answers one client's requests until it hangs up.
    private static func serve(_ client: Int32, _ mailbox: CommandMailbox) {
        defer { Glibc.close(client) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // struct ucred (Linux): the peer's pid, uid and gid.
        struct PeerCredentials { var pid: Int32 = 0; var uid: UInt32 = 0; var gid: UInt32 = 0 }
        var cred = PeerCredentials()
        var size = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0, cred.uid == getuid() else {
            _ = writeLine(client, "error: only the user who runs the training may control it")
            return
        }
        var reader = LineReader(fd: client)
        while let line = reader.next() {
            let reply: String
            switch parse(line) {
            case .success(let command):
                mailbox.send(command)
                reply = "ok"
            case .failure(let error):
                reply = "error: \(error.description)"
            }
            guard writeLine(client, reply) else { return }
        }
    }

    /// A request line as a command.
    static func parse(_ line: String) -> Result<TrainingCommand, RunError> {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        switch (words.first.map(String.init), words.count) {
        case ("pause", 1): return .success(.pause)
        case ("resume", 1): return .success(.resume)
        case ("stop", 1): return .success(.stop)
        case ("save", 1): return .success(.saveNow)
        case ("terminate", 1): return .success(.terminate)
        case ("lr", 2):
            guard let rate = Double(words[1]), rate.isFinite, rate > 0 else {
                return .failure(RunError("'\(words[1])' is not a learning rate (a number > 0)"))
            }
            return .success(.setLearningRate(rate))
        default:
            return .failure(RunError("unknown request '\(line)' (pause, resume, stop, save, terminate, lr RATE)"))
        }
    }

    /// A socket and its address for `path`.
    static func socketAddress(_ path: String) throws -> (Int32, sockaddr_un, socklen_t) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            throw RunError("\(path): the control socket's path is too long (\(bytes.count) bytes, at most \(capacity - 1))")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RunError("cannot create a socket (\(String(cString: strerror(errno))))") }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return (fd, addr, length)
    }

    @discardableResult
    static func writeLine(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array((text + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}

/// Reads `\n`-terminated lines from a socket (at most 4 KiB each).
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard buffer.count < 4096 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 512)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buffer += chunk[..<n]
        }
    }
}

/// Sends commands to a run that another process trains, through its `ControlServer`.
public enum ControlClient {
    /// Whether a run's control socket is served.
    public enum Probe: Equatable, Sendable {
        /// A process listens: commands reach the run.
        case live
        /// The socket is there but nobody listens: the process that made it was killed.
        case stale
        /// No socket: the run is not training (or was started before control sockets).
        case absent
    }

    /// Whether the socket at `path` is live, left by a killed run, or absent.
    public static func probe(_ path: String) -> Probe {
        guard FileManager.default.fileExists(atPath: path) else { return .absent }
        guard let fd = try? connect(path) else { return .stale }
        close(fd)
        return .live
    }

    /// Sends `command` and returns the run's reply (`ok`).
    ///
    /// - Throws: `RunError` saying whether the run is not running, was killed (a stale socket),
    ///   or refused the command.
    @discardableResult
    public static func send(_ command: TrainingCommand, to path: String) throws -> String {
        switch probe(path) {
        case .absent: throw RunError("the run is not training (no control socket at \(path))")
        case .stale: throw RunError("\(path) is a stale control socket: the process that trained the run was killed; resume it with dnatune train --resume")
        case .live: break
        }
        let fd = try connect(path)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard ControlServer.writeLine(fd, line(for: command)) else { throw RunError("\(path): the run hung up") }
        var reader = LineReader(fd: fd)
        guard let reply = reader.next() else { throw RunError("\(path): no reply from the run") }
        if reply.hasPrefix("error: ") { throw RunError(String(reply.dropFirst(7))) }
        return reply
    }

    /// The request line for a command.
    public static func line(for command: TrainingCommand) -> String {
        switch command {
        case .pause: return "pause"
        case .resume: return "resume"
        case .stop: return "stop"
        case .saveNow: return "save"
        case .terminate: return "terminate"
        case .setLearningRate(let rate): return "lr \(rate)"
        }
    }

    private static func connect(_ path: String) throws -> Int32 {
        let (fd, address, length) = try ControlServer.socketAddress(path)
        var addr = address
        let r = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard r == 0 else {
            let e = errno
            close(fd)
            throw RunError("\(path): \(String(cString: strerror(e)))")
        }
        return fd
    }
}
