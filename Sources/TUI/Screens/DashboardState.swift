import Foundation
import Data
import Training
import Synchronization

/// Everything the five dashboard screens show and edit: the config being prepared, the
/// dataset and its reports, the run being trained or watched with its curves, the runs on
/// disk and the test results of one. Screens render it as a pure function; key handlers and
/// `drain()` change it on the UI thread. What only one screen uses to present it (its cursor,
/// scrolling, the line being typed) is that screen's own state (`dataScreen`, `runsScreen`, ...);
/// the rest is the domain the screens share.
public struct DashboardState {
    // MARK: Each screen's own state (cursors, scrolling, what is being typed)

    public var dataScreen = DataScreenState()
    public var modelScreen = ModelScreenState()
    public var trainScreen = TrainScreenState()
    public var runsScreen = RunsScreenState()
    public var evaluateScreen = EvaluateScreenState()

    // MARK: Config and data

    public var config: TrainConfig
    /// The YAML file the config came from or was last saved to.
    public var configPath: String?
    public var workingDirectory: String
    /// A short message for the user (errors, "saved ..."), shown on the status line.
    public var message: String?

    public var datasets: [DatasetChoice]
    public var dataOptions: ConfigForm
    /// The prepared dataset of `config.data` (nil until loaded).
    public var data: PreparedData? {
        didSet {
            if let ready = lengthsReady {
                (lengths, tokenLengths) = ready
                lengthsReady = nil
                return
            }
            lengths = data.flatMap { LengthDistribution($0.dataset) }
            tokenLengths = data.flatMap { LengthDistribution(tokensOf: $0.dataset, tokenizer: $0.tokenizer) }
        }
    }
    /// Length histograms a background load computed already (taken by `data`'s next set).
    private var lengthsReady: (LengthDistribution?, LengthDistribution?)?
    /// The data being prepared on its own thread (`startLoadingData`), nil when none is.
    public var dataJob: DataLoadJob?
    /// Hugging Face Trainer output folders listed with the runs (Runs, `A`), absolute paths.
    public var trainerOutputs: [String] = []
    /// A run being exported for Hugging Face's Trainer (Runs, `X`).
    public var exportJob: ExportJob?
    /// How long preparing the data shown took (read, clean, split, tokenize), in seconds.
    public var dataLoadSeconds: Double?
    /// The sequence lengths of `data`.
    public private(set) var lengths: LengthDistribution?
    /// The token counts of `data` with its tokenizer (special tokens included, before truncation).
    public private(set) var tokenLengths: LengthDistribution?
    public var dataError: String?

    // MARK: Model

    public var modelForm: ConfigForm
    /// The LR range test started from the Model screen, if any.
    public var lrFinder: LRFinderJob?

    // MARK: Training

    /// The run the dashboard started (running or finished).
    public var job: TrainingJob?
    /// A run directory followed through its `metrics.jsonl` (`dnatune watch`).
    public var watched: RunDirectory?
    /// Whether commands (pause, stop, save, LR) go to the watched run through its control
    /// socket (`dnatune attach`, or a live run opened from Runs); `dnatune watch` is read-only.
    public var attached = false
    /// Whether the watched run's process was found gone without finishing (`checkWatchedProcess`).
    public private(set) var watchedProcessGone = false
    private var tail: (any RunEventSource)?
    /// The folder of event files followed for redraws while watching a Hugging Face run.
    private var followedFolder: String?
    public var history = RunHistory()
    /// The event log, oldest first (last 500 lines).
    public var log: [String] = []
    /// The training process's CPU, memory and threads at the last sample, and its CPU use since
    /// the one before (the Train screen's resource line).
    public var usage: (now: ProcessUsage, cpuPercent: Double?)?

    /// Samples the training process (this one, or the watched run's while it lives) at most
    /// once a second.
    public mutating func sampleUsage(at time: Double = Double(DispatchTime.now().uptimeNanoseconds) / 1e9) {
        if let last = usage?.now, time - last.time < 1 { return }
        let pid: Int32?
        if job != nil {
            pid = getpid()
        } else if let w = watched, let status = try? w.readStatus(), status.processAlive {
            pid = status.pid
        } else {
            pid = nil
        }
        guard let pid, let now = ProcessUsage.read(pid: pid, time: time) else { usage = nil; return }
        usage = (now, usage.flatMap { now.cpuPercent(since: $0.now) })
    }

    /// Whether the terminal bell rings when a run ends (finished, stopped early, diverged,
    /// failed or stopped): `--bell`.
    public var bellOnEnd = false
    /// A run ended since the app last asked (see `bellOnEnd`).
    public var bellPending = false
    public var eta = ETAEstimator(totalSteps: 0)
    /// Whether the user asked the run to pause (p toggles it before the trainer answers).
    public var pauseRequested = false
    private var reporter = ProgressReporter(interactive: false, loggingSteps: Int.max / 2)
    public let events: DashboardEvents

    // MARK: Runs and evaluation

    public var runs: [RunSummary] = []
    public var evaluation: RunEvaluation?
    /// Where base models given by name are found.
    public let catalog: ModelCatalog
    /// The base models found at start (`./models`, the install's `models/`, `$DNATUNE_MODELS`),
    /// offered on the Model screen.
    public var baseModels: [CatalogModel] = []
    /// The model folder last named by its path in `model.base`, read once when it is chosen.
    private let folderBase = FolderModelCache()
    /// This machine's matrix-product rate (GFLOP/s), for the Model screen's step-time estimate;
    /// nil until measured (the dashboard command measures it at start).
    public var machineGFLOPs: Double?
    /// The memory the Model screen compares its estimate with.
    public var physicalMemory = Int(clamping: ProcessInfo.processInfo.physicalMemory)

    /// A dashboard over `config`, in `workingDirectory`, offering the base models of `catalog`
    /// (by default the standard search path seen from `workingDirectory`).
    public init(config: TrainConfig, configPath: String? = nil,
                workingDirectory: String = FileManager.default.currentDirectoryPath, events: DashboardEvents = DashboardEvents(),
                catalog: ModelCatalog? = nil) {
        self.config = config
        self.configPath = configPath
        self.workingDirectory = workingDirectory
        self.events = events
        datasets = DatasetChoice.available(in: workingDirectory, skip: [config.finetune.outputDir])
        dataOptions = ConfigForm(fields: ConfigField.data, config: config)
        self.catalog = catalog ?? ModelCatalog.standard(workingDirectory: workingDirectory)
        baseModels = self.catalog.list()
        modelForm = ConfigForm(fields: ConfigField.model(baseModels: baseModels.map(\.name)), config: config)
        dataScreen.cursor = datasets.firstIndex { config.data.sources == [$0.source] } ?? 0
    }

    /// The chosen base model: one of `baseModels` (by name or path), else the model folder the
    /// base names by its path; nil for scratch or a base that is neither.
    public var chosenBase: CatalogModel? {
        let base = config.model.base
        if let found = baseModels.first(where: { $0.name == base || $0.path == base }) { return found }
        guard !config.model.isScratch, base.contains("/") else { return nil }
        return folderBase.model(at: base.hasPrefix("/") ? base : workingDirectory + "/" + base)
    }

    /// The architecture the Model screen's choices describe: the chosen base model's config (its
    /// classes set to the task's), or the scratch model of the configured size; nil for a base
    /// that is neither in the catalog nor a model folder.
    public var chosenArchitecture: BertConfig? {
        let m = config.model
        if m.isScratch {
            let vocab = data?.tokenizer.vocabulary.count ?? (config.data.tokenizer.kind == .singleNucleotide ? 9 : 5 + (1 << (2 * config.data.tokenizer.k)))
            return BertConfig(vocabSize: vocab, hiddenSize: m.hiddenSize, numHiddenLayers: m.numHiddenLayers,
                              numAttentionHeads: m.numAttentionHeads, intermediateSize: m.intermediateSize,
                              maxPositionEmbeddings: max(512, config.data.tokenizer.maxLength), numLabels: config.task.numLabels)
        }
        guard var base = chosenBase?.config else { return nil }
        base.numLabels = config.task.numLabels
        return base
    }

    /// The root of the run directories.
    public var outputRoot: URL {
        let dir = config.finetune.outputDir
        return dir.hasPrefix("/") ? URL(fileURLWithPath: dir) : URL(fileURLWithPath: workingDirectory).appendingPathComponent(dir)
    }

    // MARK: Data

    /// Prepares `config.data` (read, clean, split, balance, tokenize) for the Data screen.
    public mutating func loadData() {
        dataJob = nil
        let start = DataLoadJob.now()
        do {
            // A pre-trained base brings its own vocabulary (tokenizer kind vocab).
            let resolved = try TrainingSession.resolvingBase(config, catalog: catalog)
            adopt(try PreparedData.prepare(resolved.data, seed: config.finetune.seed, task: resolved.task))
        } catch {
            data = nil
            dataError = String(describing: error)
        }
        dataLoadSeconds = DataLoadJob.now() - start
    }

    /// Starts preparing the data on a thread of its own (the dashboard keeps answering keys);
    /// `drain()` takes the result. A load started before is forgotten.
    public mutating func startLoadingData() {
        data = nil
        dataError = nil
        dataLoadSeconds = nil
        dataJob = DataLoadJob(config: config, catalog: catalog, events: events)
    }

    /// Takes a finished export and says where it went and what to run there.
    mutating func takeExport() {
        guard let job = exportJob, let result = job.result else { return }
        exportJob = nil
        switch result {
        case .success(let summary):
            message = "exported \(job.name) to \(job.folder) (\(summary.rows.train) training rows, \(summary.totalSteps) steps): "
                + "pip install -r requirements.txt, then python train.py there (README.md: accelerate, torchrun); dnatune watch follows it"
        case .failure(let error):
            message = "cannot export \(job.name): \(error)"
        }
    }

    /// Takes a finished background load.
    mutating func takeLoadedData() {
        guard let job = dataJob, let (outcome, seconds) = job.result else { return }
        dataJob = nil
        dataLoadSeconds = seconds
        switch outcome {
        case let .loaded(prepared, lengths, tokens):
            lengthsReady = (lengths, tokens)
            let earlier = message   // what the user was told meanwhile (a theme not found) stays
            message = nil
            adopt(prepared)
            // How long the data took before a first step could run, on the status line.
            let took = String(format: "%@ prepared in %.1f s (read, clean, split, tokenize)",
                              job.sources.joined(separator: ", "), seconds)
            message = [earlier, message, took].compactMap { $0 }.joined(separator: "; ")
        case .failed(let error):
            data = nil
            dataError = error
        }
    }

    /// Shows prepared data; the dashboard's task follows the data picked (its classes, count
    /// and names).
    private mutating func adopt(_ prepared: PreparedData) {
        if config.task.mismatch(with: prepared.labelNames, sources: config.data.sources) != nil {
            config.task.adopt(labels: prepared.labelNames)
            modelForm.reload(from: config)
            message = "task set to the data's \(prepared.labelNames.count) classes (\(prepared.labelNames.joined(separator: ", ")))"
        }
        data = prepared
        dataError = nil
    }

    /// Selects a dataset (a source and, for the demos, their task) and loads it.
    public mutating func select(_ choice: DatasetChoice) {
        var resolved = choice
        // Config sources are relative to the process's directory; the picker's to ours.
        if !CleanedSources.isBuiltIn(choice.source), !choice.source.hasPrefix("/"), !choice.source.hasPrefix("~"),
           workingDirectory != FileManager.default.currentDirectoryPath {
            resolved.source = (workingDirectory as NSString).appendingPathComponent(choice.source)
        }
        do {
            config = try TrainConfig.parse(yaml: config.yaml(), overrides: resolved.overrides(current: config)).config
            modelForm.reload(from: config)
            dataOptions.reload(from: config)
            if let i = datasets.firstIndex(where: { config.data.sources == [$0.source] || $0 == choice }) {
                dataScreen.cursor = i
            } else {
                datasets.append(resolved)
                dataScreen.cursor = datasets.count - 1
            }
            startLoadingData()
        } catch {
            dataError = String(describing: error)
        }
    }

    // MARK: Training

    /// Whether a run started here is training (or paused).
    public var isTraining: Bool { job?.isRunning ?? false }

    /// Starts a run of `config` (this dashboard's by default) on the trainer thread and
    /// follows it. Returns false, with `message` saying why, when it cannot start.
    @discardableResult
    public mutating func startTraining(_ runConfig: TrainConfig? = nil, name: String? = nil) -> Bool {
        if isTraining { message = "a run is already training; stop it first (s)"; return false }
        let cfg = runConfig ?? config
        var c = cfg
        if !c.finetune.outputDir.hasPrefix("/") { c.finetune.outputDir = outputRoot.path }
        do {
            let session = try TrainingSession(config: c, name: name ?? "lr\(formatLR(cfg.finetune.learningRate))", catalog: catalog)
            let job = TrainingJob(session: session)
            self.job = job
            watched = nil
            tail = nil
            resetRun(totalSteps: session.trainer.plan.totalSteps)
            data = session.data
            events.follow(.channel(session.trainer.channel))
            job.start()
            message = "training \(session.run.name)"
            return true
        } catch {
            message = "cannot start: \(error)"
            // The status line may cut it short: the Train screen's log keeps it whole.
            log.append(message!)
            return false
        }
    }

    /// Follows a run directory's `metrics.jsonl` (a running or finished run).
    public mutating func watch(_ run: RunDirectory, attach: Bool = false) {
        job = nil
        watched = run
        attached = attach
        watchedProcessGone = false
        tail = MetricsTail(path: run.metrics.path)
        resetRun(totalSteps: 0)
        if let c = try? TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config {
            config = c
            modelForm.reload(from: c)
            dataOptions.reload(from: c)
        }
        events.follow(.file(run.metrics.path))
        drain()
        bellPending = false  // an end already in the file is no news
    }

    /// Shows a Hugging Face Trainer output directory (DNALLM's too) on the Train screen, read-only:
    /// its TensorBoard scalars and `trainer_state.json` as the same curves and panels.
    public mutating func watchTrainerOutput(_ directory: URL) {
        job = nil
        watched = RunDirectory(url: directory)
        attached = false
        let source = HFTrainerRun(directory: directory)
        tail = source
        resetRun(totalSteps: 0)
        // Until the Trainer has written its first event file, the folder itself is followed.
        let folder = (source.eventFolder ?? directory).path
        followedFolder = folder
        events.follow(.folder(folder))
        drain()
        bellPending = false
    }

    private mutating func resetRun(totalSteps: Int) {
        history = RunHistory()
        log = []
        trainScreen.eventsScroll = 0
        eta = ETAEstimator(totalSteps: totalSteps)
        reporter = ProgressReporter(interactive: false, loggingSteps: Int.max / 2)
        evaluation = nil
        pauseRequested = false
    }

    /// The run being shown (trained here or watched).
    public var currentRun: RunDirectory? { job?.run ?? watched }

    /// Moves the new events of the trained or watched run into the history, the event log
    /// and the ETA; when the run ends, reloads the runs table and its test results.
    public mutating func drain() {
        var new: [TrainingEvent] = []
        if let job {
            let (events, cursor) = job.trainer.channel.events(since: job.cursor)
            job.cursor = cursor
            new = events
        } else if let tail {
            do { new = try tail.poll() } catch { message = "\(error)" }
        }
        for e in new { absorb(e) }
        if let hf = tail as? HFTrainerRun, let folder = hf.eventFolder?.path, folder != followedFolder {
            followedFolder = folder
            events.follow(.folder(folder))
        }
        reportFinishedLRFinder()
        takeLoadedData()
        takeExport()
        if history.finished == nil && (job != nil || watched != nil) { sampleUsage() } else { usage = nil }
    }

    mutating func absorb(_ event: TrainingEvent) {
        history.apply(event)
        switch event {
        case let .started(total, _, _, _, _):
            // A Hugging Face Trainer run has no time limit (the dashboard's config is not its own).
            let limit = tail is HFTrainerRun ? nil : config.finetune.maxMinutes
            eta = ETAEstimator(totalSteps: total, deadline: limit.map { $0 * 60 })
            watchedProcessGone = false  // resumed: a process trains it again
            refreshRuns()   // the new run is listed on Runs while it trains
        case .evaluation:
            refreshCurrentRun()   // its best validation value on Runs as it goes
        case let .step(s):
            eta.record(step: s.step, samples: Int(Double(s.step) * Double(config.finetune.perDeviceTrainBatchSize)), at: s.wallTime)
        case .paused: pauseRequested = true
        case .resumed: pauseRequested = false
        case .test, .finished:
            if case .finished = event {
                message = nil
                if bellOnEnd { bellPending = true }
            }
            refreshRuns()
            if let run = currentRun { loadEvaluation(run) }
        default: break
        }
        if reporter.config == nil { reporter.config = job?.session.config }
        // The same lines `dnatune train` prints. The early-stopping panel shows its state, and
        // periodic `last` checkpoints are routine: neither goes to the log.
        var lines = reporter.lines(for: event)
        if case .earlyStopping = event { lines = [] }
        if case let .checkpoint(_, kind, _, _) = event, kind == "last" { lines = [] }
        for line in lines {
            // The terminal's column alignment (`eval  step`) is wasted in a narrow panel.
            let words = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if !words.isEmpty { log.append(words) }
        }
        if log.count > 500 { log.removeFirst(log.count - 500) }
    }

    /// Pauses the run, or resumes it when a pause was asked for.
    public mutating func togglePause() {
        if canControlWatched {
            send(history.paused ? .resume : .pause)
            return
        }
        guard isTraining else { send(.pause); return }
        pauseRequested.toggle()
        send(pauseRequested ? .pause : .resume)
    }

    /// Whether commands reach the watched run (attached to a run another process trains).
    public var canControlWatched: Bool { job == nil && attached && watched != nil }

    /// Sends a command to the run trained here, or through its control socket to the run
    /// this dashboard is attached to. Returns whether it was delivered; when not, `message` says why.
    @discardableResult
    public mutating func send(_ command: TrainingCommand) -> Bool {
        if canControlWatched, let run = watched {
            if let finished = history.finished {
                message = "\(run.name) has ended (\(finished.reason.code.replacingOccurrences(of: "_", with: " "))): there is no training to control"
                return false
            }
            do {
                try ControlClient.send(command, to: run.controlSocket)
                message = "sent to \(run.name): \(ControlClient.line(for: command))"
                return true
            } catch {
                message = "\(error)"
                return false
            }
        }
        guard let job, job.isRunning else {
            message = watched != nil ? "watching: read-only here (dnatune attach \(watched!.url.path) controls the run)"
                : "no run is training"
            return false
        }
        job.trainer.mailbox.send(command)
        return true
    }

    /// Whether this dashboard is attached to a run that another process is still training.
    public var attachedToLiveRun: Bool { canControlWatched && history.finished == nil && !watchedProcessGone }

    /// While a run another process trains is watched: notices that process end without a
    /// `finished` event (killed: none can come), once, and says how to go on. Returns whether
    /// the state changed (the App's tick paints again).
    public mutating func checkWatchedProcess() -> Bool {
        guard job == nil, let run = watched, !(tail is HFTrainerRun), history.finished == nil, !watchedProcessGone,
              history.eventCount > 0, let status = try? run.readStatus(), status.state == "running", !status.processAlive else {
            return false
        }
        watchedProcessGone = true
        usage = nil
        let line = "the training process (pid \(status.pid)) is gone without finishing (killed?): "
            + "dnatune train --resume \(run.url.path) continues it from its last checkpoint"
        message = line
        log.append(line)
        refreshCurrentRun()
        return true
    }

    /// The learning rate in force (the last step's, else the config's).
    public var currentLearningRate: Double { history.lastStep?.learningRate ?? config.finetune.learningRate }

    /// How the current run stands, in a word or two.
    public var runState: String {
        if let f = history.finished { return f.reason.code.replacingOccurrences(of: "_", with: "-") }
        if history.paused { return "paused" }
        if isTraining { return "training" }
        if let w = watched {
            if let s = try? w.readStatus(), s.processAlive { return attached ? "attached" : "watching" }
            return history.eventCount > 0 ? "watching (ended)" : "watching"
        }
        return "idle"
    }

    // MARK: Runs

    /// Reads the runs under the output directory again.
    /// Reloads the current run's row of the Runs table alone (one file read, not every run's).
    public mutating func refreshCurrentRun() {
        guard let run = currentRun, let i = runs.firstIndex(where: { $0.run == run }) else { return }
        runs[i] = RunSummary.load(run)
    }

    public mutating func refreshRuns() {
        runs = RunSummary.list(in: outputRoot) + trainerOutputs.map { RunSummary.loadTrainerOutput(URL(fileURLWithPath: $0)) }
        runsScreen.table.selected = max(0, min(runsScreen.table.selected, runs.count - 1))
        runsScreen.marked.removeAll { name in !runs.contains { $0.name == name } }
    }

    /// The runs the table lists: those matching the filter.
    public var visibleRuns: [RunSummary] { runsScreen.filter.isEmpty ? runs : runs.filter { $0.matches(runsScreen.filter) } }

    /// The listed runs in the order the table shows them.
    public var orderedRuns: [RunSummary] {
        let shown = visibleRuns
        let table = Table(columns: RunsScreen.columns, rows: shown.map(\.cells))
        return table.order(by: runsScreen.table.sortColumn, ascending: runsScreen.table.ascending).map { shown[$0] }
    }

    /// The run under the table's selection.
    public var selectedRun: RunSummary? {
        let ordered = orderedRuns
        return ordered.indices.contains(runsScreen.table.selected) ? ordered[runsScreen.table.selected] : nil
    }

    /// Loads a run's test results for the Evaluate screen.
    public mutating func loadEvaluation(_ run: RunDirectory) {
        do {
            let previous = evaluation?.run
            evaluation = try RunEvaluation.load(run)
            if let e = evaluation { evaluateScreen.classIndex = min(evaluateScreen.classIndex, max(0, e.labelNames.count - 1)) }
            // A multi-label run's curves start at its first label (a binary run's at its positive class).
            if let e = evaluation, e.kind == .multiLabel, previous != run { evaluateScreen.classIndex = 0 }
        } catch {
            evaluation = nil
            message = "\(error)"
        }
    }
}

extension DashboardState {
    /// Starts the LR range test on the current config and data (loading the data first).
    public mutating func startLRFinder() {
        if dataJob != nil { message = "LR range test: the data is still loading"; return }
        if data == nil { loadData() }
        guard let data else {
            message = "LR range test: " + (dataError ?? "no data loaded")
            return
        }
        if let running = lrFinder, !running.snapshot.done {
            message = "the LR range test is already running"
            return
        }
        lrFinder = LRFinderJob(config: config, data: data, events: events)
        message = Self.lrFinderStarted
    }

    static let lrFinderStarted = "LR range test started on a throw-away model"

    /// Once the LR range test has ended, its outcome replaces the "started" message (a message
    /// set since is left alone).
    mutating func reportFinishedLRFinder() {
        guard message == Self.lrFinderStarted, let snap = lrFinder?.snapshot, snap.done else { return }
        message = "LR range test " + ModelScreen.finderStatus(snap)
    }

    /// Sets the learning rate to the LR range test's suggestion.
    public mutating func applySuggestedLearningRate() {
        guard let suggestion = lrFinder?.snapshot.result?.suggestion else {
            message = lrFinder == nil ? "press f to run the LR range test first" : "no suggested learning rate yet"
            return
        }
        // Three significant digits, as shown: 0.0126, not 0.012603829…
        let rate = Double(formatLR(suggestion)) ?? suggestion
        config.finetune.learningRate = rate
        modelForm.reload(from: config)
        message = "learning rate set to \(formatLR(rate))"
    }
}

/// The model folder last asked for, read once (the Model screen asks on every frame).
final class FolderModelCache: Sendable {
    private let last = Mutex<(path: String, model: CatalogModel?)?>(nil)

    /// The model in the folder `path`, or nil when it is not a readable model folder.
    func model(at path: String) -> CatalogModel? {
        last.withLock { last in
            if let last, last.path == path { return last.model }
            let model = ModelCatalog.model(at: URL(fileURLWithPath: path))
            last = (path, model)
            return model
        }
    }
}
