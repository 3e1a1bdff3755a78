import Foundation

/// A process started without waiting for it, so that a test can watch its files and kill
/// it (`kill -9`) at a moment of its choosing. Output goes to temporary files.
final class BackgroundProcess {
    let pid: pid_t
    private let dir: URL
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments` (and `environment`, this process's by default),
    /// stdin from /dev/null, default signal handling.
    init(_ executable: URL, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-bg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, dir.appendingPathComponent("out").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, dir.appendingPathComponent("err").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        posix_spawnattr_setsigdefault(&attr, &allSignals)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, &attr, argv, envp)
        guard rc == 0 else {
            throw NSError(domain: "BackgroundProcess", code: Int(rc),
                          userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable.path): \(String(cString: strerror(rc)))"])
        }
        self.pid = pid
    }

    deinit {
        if exitStatus == nil { _ = Glibc.kill(pid, SIGKILL); _ = wait() }
        try? FileManager.default.removeItem(at: dir)
    }

    /// Whether it has not exited yet (reaping it when it has).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { exitStatus = Self.decode(status); return false }
        return true
    }

    /// Sends `signal` (SIGKILL by default); true when the process was still there to get it.
    @discardableResult
    func kill(_ signal: Int32 = SIGKILL) -> Bool {
        guard isRunning else { return false }
        return Glibc.kill(pid, signal) == 0
    }

    /// Waits for the end; the exit status, or 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        exitStatus = Self.decode(status)
        return exitStatus!
    }

    var stdout: String { (try? String(contentsOf: dir.appendingPathComponent("out"), encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: dir.appendingPathComponent("err"), encoding: .utf8)) ?? "" }

    private static func decode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
