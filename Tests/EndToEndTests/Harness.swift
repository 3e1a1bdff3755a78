import Foundation
import Testing

/// Locates the `dnatune` binary under test.
enum Binary {
    /// `$DNATUNE_BIN` when set (`./dev test` points it at the release build), else the
    /// binary beside the test bundle.
    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["DNATUNE_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        // The XCTest bundle on Linux is a file in the build directory; on macOS a bundle directory.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("dnatune")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/dnatune")
    }

    /// The package root (where README.md and themes/ live).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}

/// The result of running a process to completion.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs an executable with arguments to completion and returns its status and output.
/// Uses posix_spawn and waitpid directly: stdout and stderr go to temporary files, so a
/// chatty process can never block on a full pipe, and stdin is /dev/null.
@discardableResult
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: URL? = nil) throws -> ProcessResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outPath = dir.appendingPathComponent("out").path, errPath = dir.appendingPathComponent("err").path

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

    let env = environment ?? ProcessInfo.processInfo.environment
    // A working directory is set through env(1) --chdir (Glibc's addchdir is not imported).
    let (program, args) = currentDirectory.map { ("/usr/bin/env", ["-C", $0.path, executable.path] + arguments) }
        ?? (executable.path, arguments)
    let argv = ([program] + args).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
    // Children start with no blocked signals and default handlers: the test runner's
    // worker threads block signals, and a blocked SIGTERM would be inherited through tmux.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var noSignals = sigset_t(), allSignals = sigset_t()
    sigemptyset(&noSignals)
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attr, &noSignals)
    posix_spawnattr_setsigdefault(&attr, &allSignals)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, program, &actions, &attr, argv, envp)
    guard rc == 0 else {
        throw NSError(domain: "runProcess", code: Int(rc),
                      userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable.path): \(String(cString: strerror(rc)))"])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return ProcessResult(status: exitStatus, stdout: out, stderr: err)
}

/// A private tmux server running one window: the real terminal the end-to-end tests
/// type into (`send-keys`) and read from (`capture-pane`).
final class TmuxSession {
    let socket: String
    let tmux = URL(fileURLWithPath: "/usr/bin/tmux")

    /// Starts a detached session of `width` × `height` running an interactive bash with a
    /// plain `$ ` prompt, with `environment` exported.
    init(width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        socket = "dnatune-test-\(UUID().uuidString.prefix(8))"
        var env = ProcessInfo.processInfo.environment
        env["PS1"] = "$ "
        // swift test sets NO_COLOR; the terminal under test gets only what each test asks for.
        for key in ["TMUX", "NO_COLOR", "COLORTERM", "LC_ALL", "LC_CTYPE"] { env.removeValue(forKey: key) }
        for (k, v) in environment { env[k] = v }
        // The environment is set on the shell's command line, before bash starts.
        let assignments = (["PS1=$ "] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            .map { "'\($0)'" }.joined(separator: " ")
        let shell = "env \(assignments) bash --norc --noprofile"
        try runProcess(tmux, ["-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)", shell],
                       environment: env)
        try type("clear", enter: true)
        _ = try waitFor(timeout: 10) { $0.hasPrefix("$") }
    }

    deinit { _ = try? runProcess(tmux, ["-L", socket, "kill-server"]) }

    /// Types text (literally) and, optionally, Enter.
    func type(_ text: String, enter: Bool = false) throws {
        if !text.isEmpty { try runProcess(tmux, ["-L", socket, "send-keys", "-l", text]) }
        if enter { try runProcess(tmux, ["-L", socket, "send-keys", "Enter"]) }
    }

    /// Sends tmux key names (`Escape`, `Up`, `C-c`, ...).
    func keys(_ names: String...) throws {
        try runProcess(tmux, ["-L", socket, "send-keys"] + names)
    }

    /// The visible screen as text.
    func capture() throws -> String {
        try runProcess(tmux, ["-L", socket, "capture-pane", "-p"]).stdout
    }

    /// Polls the screen until `predicate` holds; returns the screen, or records an issue
    /// with the last screen on time-out.
    ///
    /// With `settle` > 0 it then keeps polling, for at most `settle` seconds, until two
    /// captures 50 ms apart are the same, and returns the last screen on which `predicate`
    /// held. A capture can catch a redraw half written (tmux parses the program's output as
    /// it arrives), so a check of the rest of a freshly switched screen needs a settled one.
    @discardableResult
    func waitFor(timeout: Double = 20, settle: Double = 0, sourceLocation: SourceLocation = #_sourceLocation,
                 _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture()
            if predicate(screen) {
                let settled = Date().addingTimeInterval(settle)
                while Date() < settled {
                    Thread.sleep(forTimeInterval: 0.05)
                    let next = try capture()
                    guard predicate(next) else { continue }
                    if next == screen { break }
                    screen = next
                }
                return screen
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out after \(timeout)s; the screen was:\n\(screen)", sourceLocation: sourceLocation)
        return screen
    }

    /// Runs a shell command and returns its output: the screen lines between two markers
    /// that the typed command line itself cannot match.
    func shell(_ command: String, timeout: Double = 20) throws -> String {
        try type("clear; echo BEGIN''OUT; \(command); echo END''OUT", enter: true)
        let screen = try waitFor(timeout: timeout) { $0.contains("\nENDOUT") }
        guard let b = screen.range(of: "BEGINOUT\n"), let e = screen.range(of: "\nENDOUT") , b.upperBound <= e.lowerBound else { return screen }
        return String(screen[b.upperBound..<e.lowerBound])
    }

    /// Waits until the shell's prompt is back on the last non-blank line.
    @discardableResult
    func waitForPrompt(timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try waitFor(timeout: timeout, sourceLocation: sourceLocation) { screen in
            screen.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) }.map { $0.hasPrefix("$") } ?? false
        }
    }

    /// Waits until the screen shows `text`, then up to half a second for the redraw to settle.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 20, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try waitFor(timeout: timeout, settle: 0.5, sourceLocation: sourceLocation) { $0.contains(text) }
    }
}
