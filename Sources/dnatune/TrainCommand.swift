import ArgumentParser
import Data
import Foundation
import Synchronization
import TUI
import Training

/// `dnatune train CONFIG`: trains headless, printing progress; resumable with `--resume RUN`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a model from a YAML config, without the dashboard.",
        discussion: """
            Progress goes to standard output: a progress bar on a terminal, one line per logging step \
            otherwise. Ctrl-C stops the run (saving a checkpoint first); SIGHUP (a dropped SSH session) \
            is ignored so the run carries on. Exit status 0 when the run completed or early-stopped.
            """)

    @Argument(help: "The YAML config (DNALLM's task/finetune/lora sections plus dnatune's data and model).")
    var config: String?

    @Option(help: "The run's name (the run directory is <output_dir>/<timestamp>-<name>).")
    var name: String?

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set finetune.learning_rate=1e-4 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Continue an interrupted run directory exactly from its last checkpoint.")
    var resume: String?

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give a CONFIG file, or --resume RUN") }
        if config != nil && resume != nil { throw ValidationError("give either a CONFIG file or --resume RUN, not both") }
    }

    func run() throws {
        let session: TrainingSession
        var earlier: RunHistory?
        let preparing = Date()
        do {
            if let resume {
                let run = RunDirectory(url: URL(fileURLWithPath: resume))
                earlier = try? run.readHistory()
                session = try TrainingSession(resuming: run)
            } else {
                let loaded = try TrainConfig.load(file: config!, overrides: overrides)
                for warning in loaded.warnings { printError("\(warning)") }  // "file:line: warning: ..."
                try loaded.checkSources(file: config!)
                let runName = name ?? URL(fileURLWithPath: config!).deletingPathExtension().lastPathComponent
                session = try TrainingSession(config: loaded.config, name: runName)
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
        describe(session)
        // Reading, cleaning, splitting and tokenizing (and building the model) before the first step.
        print(String(format: "prepared in %.1f s (read, clean, split, tokenize, model)", Date().timeIntervalSince(preparing)))
        // The events are written unbuffered; the description must come out first.
        fflush(nil)
        let reason = HeadlessRun.run(session.trainer, loggingSteps: session.config.finetune.loggingSteps, config: session.config,
                                     earlier: earlier)
        try Self.exit(for: reason)
    }

    private func describe(_ s: TrainingSession) {
        let d = s.data
        print("run \(s.run.url.path)")
        let what: String
        switch s.config.task.kind {
        case .classification: what = "classes"
        case .regression: what = d.labelNames.count == 1 ? "target" : "targets"
        case .multiLabel: what = "labels"
        }
        print("data: \(d.labelNames.count) \(what) (\(d.labelNames.joined(separator: ", "))); train \(d.encodedTrain.count), "
              + "validation \(d.encodedValidation.count), test \(d.encodedTest.count)")
        // Which class precision, recall and F1 are about, where the labels do not say it (0/1 do).
        let names = d.labelNames
        if s.config.task.kind == .classification, names.count == 2, names != ["0", "1"] {
            print("  positive class (precision, recall, F1): \(names[1])"
                  + (s.config.task.labelNamesGiven ? " (task.label_names)"
                     : " (labels in sorted order; task.label_names: [\(names[1]), \(names[0])] would make it \(names[0]))"))
        }
        if s.config.task.kind == .regression { print("  histogram of \(d.labelNames[0]) (bin: sequences):") }
        if s.config.task.kind == .multiLabel { print("  sequences carrying each label:") }
        for stage in d.dataset.report.stages {
            let counts = stage.balance.entries.map { "\($0.label) \($0.count)" }.joined(separator: ", ")
            switch stage.targetKind {
            case nil:
                // A class absent from a split is said, not hidden in a ratio over the others.
                let missing = stage.balance.total > 0 ? stage.balance.entries.filter { $0.count == 0 }.map(\.label) : []
                let ratio = !missing.isEmpty ? " (no \(missing.joined(separator: ", ")))"
                    : stage.balance.imbalanceRatio.map { String(format: " (imbalance %.2f)", $0) } ?? ""
                print("  \(stage.name): \(counts)\(ratio)")
            case .regression?, .classification?:
                print("  \(stage.name): \(counts)")
            case .multiLabel?:
                print("  \(stage.name): \(counts) of \(stage.sequences ?? 0)")
            }
        }
        if let note = d.testFileNote { print("  \(note)") }
        for line in d.cleaning.compactMap(\.removalLine) { print("  cleaned " + line) }
        for warning in d.warnings { print("  \(warning)") }  // "file: warning: ..." 
        for overlap in d.dataset.leakage.overlaps where overlap.sharedSequences > 0 {
            print("  warning: \(overlap.sharedSequences) identical sequences shared between \(overlap.first) and \(overlap.second)")
        }
        let c = s.model.config
        print("model: \(s.config.model.base) hidden \(c.hiddenSize), \(c.numHiddenLayers) layer\(c.numHiddenLayers == 1 ? "" : "s"), \(c.numAttentionHeads) heads; "
              + "strategy \(s.config.model.strategy.rawValue), \(s.model.trainableParameterCount) trainable parameters")
        if !s.initialisedTensors.isEmpty {
            print("  newly initialised: \(s.initialisedTensors.joined(separator: ", "))")
        }
    }
}

extension Train {
    /// The exit of `dnatune train` for how the run ended: 0 when it succeeded; 143 (128 +
    /// SIGTERM) when terminated to be resumed; else 1, with the reason on standard error.
    static func exit(for reason: FinishReason) throws {
        if reason.isSuccess { return }
        printError("dnatune: the run \(reason.message)")
        throw ExitCode(reason == .terminated ? 128 + SIGTERM : 1)
    }
}

/// Drives a trainer from the command line: prints its events, turns Ctrl-C into a clean
/// stop, and survives a hang-up.
enum HeadlessRun {
    /// `earlier`: a resumed run's history before this process (the baseline, undone changes).
    static func run(_ trainer: some TrainingRunner, loggingSteps: Int, config: TrainConfig? = nil, earlier: RunHistory? = nil) -> FinishReason {
        let signals = routeSignals(to: trainer.mailbox)
        defer { signals.forEach { $0.cancel() } }
        let interactive = isatty(STDOUT_FILENO) != 0
        var reporter = ProgressReporter(interactive: interactive, loggingSteps: loggingSteps, width: terminalWidth())
        reporter.config = config
        if let earlier { reporter.continuing(earlier) }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<FinishReason?>(nil)
        trainer.start { r in outcome.withLock { $0 = r }; done.signal() }
        printEvents(of: trainer.channel, from: 0, reporter: &reporter) { done.wait(timeout: .now() + .milliseconds(100)) == .success }
        if interactive { StandardOutput.write("\n") }
        return outcome.withLock { $0 } ?? .failed("the trainer ended without a reason")
    }

    /// Prints the events of `channel` after `cursor` through `reporter` as they come, until
    /// `finished` (which waits up to 0.1 s) says the run is over, then prints what is left.
    static func printEvents(of channel: EventChannel, from cursor: Int, reporter: inout ProgressReporter,
                            until finished: () -> Bool) {
        var cursor = cursor
        while true {
            let over = finished()
            let (events, next) = channel.events(since: cursor)
            cursor = next
            for event in events {
                let text = reporter.output(for: event)
                if !text.isEmpty { StandardOutput.write(text) }
            }
            if over { break }
        }
    }

    /// Follows a run the dashboard started after the dashboard closed: prints its new events
    /// as `dnatune train` would, turns Ctrl-C into a clean stop, ignores SIGHUP.
    static func follow(_ job: TrainingJob) -> FinishReason {
        let signals = routeSignals(to: job.trainer.mailbox)
        defer { signals.forEach { $0.cancel() } }
        let interactive = isatty(STDOUT_FILENO) != 0
        var reporter = ProgressReporter(interactive: interactive, loggingSteps: job.session.config.finetune.loggingSteps,
                                        width: terminalWidth())
        reporter.config = job.session.config
        // Replay what the dashboard already showed, silently, so the reporter knows the plan.
        let (seen, _) = job.trainer.channel.events(since: 0)
        for event in seen.prefix(job.cursor) { _ = reporter.output(for: event) }
        HeadlessRun.printEvents(of: job.trainer.channel, from: job.cursor, reporter: &reporter) { job.wait(seconds: 0.1) }
        if interactive { StandardOutput.write("\n") }
        return job.wait()
    }

    /// Ignores SIGHUP and SIGPIPE; turns Ctrl-C (SIGINT) into a clean stop (the test split
    /// evaluated once) and SIGTERM (a scheduler's preemption, `kill`) into a save to be resumed,
    /// as commands to `mailbox`. Returns once both handlers are registered: libdispatch
    /// registers a signal source on its own thread after `resume()`, and a signal that came
    /// before that met the `SIG_IGN` set here and was lost — a SIGTERM sent as a resumed run
    /// started once let the run go on to early stopping and exit 0 instead of 143.
    static func routeSignals(to mailbox: CommandMailbox) -> [any DispatchSourceSignal] {
        signal(SIGHUP, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let registered = DispatchGroup()
        let routes: [(Int32, TrainingCommand)] = [(SIGINT, .stop), (SIGTERM, .terminate)]
        return routes.map { signalNumber, command in
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            signal(signalNumber, SIG_IGN)
            source.setEventHandler { mailbox.send(command) }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            registered.wait()
            return source
        }
    }

    static func terminalWidth() -> Int {
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return 100
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Foundation.Data((text + "\n").utf8))
}
