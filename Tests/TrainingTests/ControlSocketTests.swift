import Foundation
import Synchronization
import Testing
@testable import Training

/// The control socket: requests reach the trainer's mailbox, replies say ok or why not, a
/// socket left by a killed process is told apart from a live one, and a run trained by this
/// process can be paused and stopped through it.
@Suite(.serialized) struct ControlSocketTests {
    static func temporaryRun() throws -> (URL, RunDirectory) {
        let root = URL(fileURLWithPath: "/tmp/dnatune-ctl-\(UUID().uuidString.prefix(6))")
        return (root, try RunDirectory.create(in: root, name: "c"))
    }

    @Test func requestsReachTheMailboxAndBadOnesAreRefused() throws {
        let (root, run) = try Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: root) }
        let mailbox = CommandMailbox()
        let server = try ControlServer(path: run.controlSocket, mailbox: mailbox)
        defer { server.close() }
        // Only the owner may connect.
        let mode = try FileManager.default.attributesOfItem(atPath: run.controlSocket)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(ControlClient.probe(run.controlSocket) == .live)
        for c in [TrainingCommand.pause, .resume, .saveNow, .setLearningRate(0.0005), .stop] {
            #expect(try ControlClient.send(c, to: run.controlSocket) == "ok")
        }
        #expect(mailbox.drain() == [.pause, .resume, .saveNow, .setLearningRate(0.0005), .stop])
        #expect(ControlServer.parse("lr abc").isFailure && ControlServer.parse("lr -1").isFailure)
        #expect(ControlServer.parse("jump").isFailure && ControlServer.parse("pause now").isFailure)
        // A second server for the same run is refused while the first one lives.
        #expect { try ControlServer(path: run.controlSocket, mailbox: CommandMailbox()) } throws: {
            "\($0)".contains("another process already controls this run")
        }
        server.close()
        #expect(!FileManager.default.fileExists(atPath: run.controlSocket))
        #expect(ControlClient.probe(run.controlSocket) == .absent)
        #expect { try ControlClient.send(.pause, to: run.controlSocket) } throws: { "\($0)".contains("the run is not training") }
    }

    /// Several viewers at once: an idle connection (a viewer that said nothing yet) does not
    /// hold up another's command.
    @Test func anIdleViewerDoesNotBlockAnother() throws {
        let (root, run) = try Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: root) }
        let mailbox = CommandMailbox()
        let server = try ControlServer(path: run.controlSocket, mailbox: mailbox)
        defer { server.close() }
        let (idle, address, length) = try ControlServer.socketAddress(run.controlSocket)
        var addr = address
        let connected = withUnsafePointer(to: &addr) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(idle, $0, length) } }
        #expect(connected == 0)
        defer { close(idle) }
        #expect(try ControlClient.send(.saveNow, to: run.controlSocket) == "ok")
        #expect(ControlServer.writeLine(idle, "pause"))
        var reader = LineReader(fd: idle)
        #expect(reader.next() == "ok")
        #expect(mailbox.drain() == [.saveNow, .pause])
    }

    /// A killed process leaves its socket file behind with nobody listening: that is reported
    /// as stale, and the next server (the resumed run) takes the path over.
    @Test func aStaleSocketIsReportedAndReplaced() throws {
        let (root, run) = try Self.temporaryRun()
        defer { try? FileManager.default.removeItem(at: root) }
        let (fd, address, length) = try ControlServer.socketAddress(run.controlSocket)
        var addr = address
        let bound = withUnsafePointer(to: &addr) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        #expect(bound == 0)
        close(fd)   // as if the process died: the file stays, nobody listens
        #expect(ControlClient.probe(run.controlSocket) == .stale)
        #expect { try ControlClient.send(.stop, to: run.controlSocket) } throws: { "\($0)".contains("stale control socket") }
        let mailbox = CommandMailbox()
        let server = try ControlServer(path: run.controlSocket, mailbox: mailbox)
        defer { server.close() }
        #expect(try ControlClient.send(.pause, to: run.controlSocket) == "ok")
        #expect(mailbox.drain() == [.pause])
    }

    @Test func aRunDirectoryTooDeepForASocketPathUsesATemporaryOne() {
        let deep = RunDirectory(url: URL(fileURLWithPath: "/tmp/" + String(repeating: "d", count: 120) + "/20261205-100000-x"))
        #expect(deep.controlSocket.hasPrefix("/tmp/dnatune-") && deep.controlSocket.utf8.count < 104)
        #expect(deep.controlSocket == RunDirectory(url: deep.url).controlSocket)
        let short = RunDirectory(url: URL(fileURLWithPath: "/tmp/r/20261205-100000-x"))
        #expect(short.controlSocket == "/tmp/r/20261205-100000-x/control.sock")
    }

    /// A trainer listens while it trains: another process's pause holds it, its stop ends it
    /// as stopped by the user, and the socket is gone when the run ends.
    @Test func aTrainingRunIsPausedAndStoppedThroughItsSocket() throws {
        let s = try TrainerTests.setup { $0.finetune.numTrainEpochs = 200; $0.finetune.evalSteps = 50; $0.finetune.saveSteps = 50 }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        let socket = s.inputs.run.controlSocket
        let outcome = Mutex<FinishReason?>(nil)
        let thread = Thread { let r = trainer.run(); outcome.withLock { $0 = r } }
        thread.start()
        let deadline = Date().addingTimeInterval(60)
        while ControlClient.probe(socket) != .live && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try ControlClient.send(.pause, to: socket) == "ok")
        func sawPause() -> Bool { trainer.channel.events(since: 0).0.contains { if case .paused = $0 { return true } else { return false } } }
        while !sawPause() && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(sawPause())
        #expect(try ControlClient.send(.stop, to: socket) == "ok")
        while outcome.withLock({ $0 }) == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(outcome.withLock { $0 } == .stoppedByUser)
        #expect(ControlClient.probe(socket) == .absent)
        #expect(try s.inputs.run.readStatus()?.state == "stopped")
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { return true } else { return false } }
}
