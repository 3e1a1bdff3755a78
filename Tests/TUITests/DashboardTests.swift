import Foundation
import Testing
import Training
@testable import TUI

@Suite struct DashboardTests {
    /// The dashboard's built-in config is `examples/demo.yaml`, value for value.
    @Test func demoConfigIsTheExampleFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/demo.yaml")
        let fromFile = try TrainConfig.load(file: file.path).config
        #expect(DemoConfig.load() == fromFile)
        #expect(DemoConfig.load().data.sources == ["demo"])
    }

    /// One declaration of each numeric key's range: at and just past every bound, a dashboard
    /// form accepts a value exactly when the config reader (and `--set`) does, in the reader's
    /// words. (They disagreed: learning rate 1e-7…1 in the form, > 0 in the reader; batch
    /// 1…4096 against 1…65536.)
    @Test func formsAllowWhatTheConfigReaderAllows() {
        var checked = 0
        for field in ConfigField.model(baseModels: []) + ConfigField.data {
            // Patience, max minutes and weight EMA take 0 in the form for null (off), below the key's range.
            guard case .range(let r) = field.kind, !field.zeroIsNull else { continue }
            #expect(ConfigSchema.declared(field.path).range == r, "\(field.path)")
            let step = r.whole ? 1.0 : max(1e-3, (min(r.upper, r.lower + 1) - r.lower) / 4)
            for v in [r.lower, r.lower - step, r.lower + step, r.upper, r.upper + step, r.upper - step] where v.isFinite {
                let text = r.whole ? String(Int(v)) : String(v)
                let formSays = FormField("x", kind: field.kind, value: text).validate(text)
                var readerSays: String?
                do {
                    _ = try TrainConfig.parse(yaml: DemoConfig.load().yaml(), overrides: ["\(field.path)=\(text)"])
                } catch let error as ConfigError {
                    readerSays = error.issues.first { $0.path == field.path && $0.message.contains(r.requirement) }?.message
                } catch {}
                #expect((formSays == nil) == (readerSays == nil), "\(field.path)=\(text): form \(formSays ?? "ok"), reader \(readerSays ?? "ok")")
                if let formSays { #expect(formSays == r.requirement) }
                checked += 1
            }
        }
        #expect(checked > 100)
        // The Train screen's prompt uses the same range, in the same words; an accepted rate with no
        // run to take it says so rather than that it was set.
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        let train = TrainScreen()
        for (text, message) in [("abc", "'abc': the learning rate must be > 0 (typically 1e-5 … 1e-3)"),
                                ("0", "'0': the learning rate must be > 0 (typically 1e-5 … 1e-3)"),
                                ("5", "no run is training")] {
            s.trainScreen.lrInput = TextInput(text)
            _ = train.handle(.enter, state: &s)
            #expect(s.message == message)
            #expect((s.trainScreen.lrInput == nil) == (text == "5"))
        }
    }

    /// A value the parser rejects stays pending with its message; values that agree are
    /// applied together; derived settings follow (greater_is_better, patience off).
    @Test func configFormAppliesValuesThroughTheParser() throws {
        var config = DemoConfig.load()
        var form = ConfigForm(fields: ConfigField.model + ConfigField.data, config: config)
        #expect(form.set("finetune.learning_rate", to: "0.002", config: &config))
        #expect(config.finetune.learningRate == 0.002)
        #expect(!form.set("finetune.learning_rate", to: "0", config: &config))
        #expect(form.issues.first?.message.contains("must be > 0 (typically 1e-5 … 1e-3)") == true)
        #expect(config.finetune.learningRate == 0.002)
        // What the reader allows, the form allows: 2 loads, with the reader's warning.
        #expect(form.set("finetune.learning_rate", to: "2", config: &config) && config.finetune.learningRate == 2)
        #expect(form.set("finetune.learning_rate", to: "0.002", config: &config))

        #expect(!form.set("data.split.train", to: "0.7", config: &config))
        #expect(form.issues.contains { $0.message.contains("add up to 1") })
        #expect(config.data.split.train == 0.8)
        #expect(form.pending.count == 1)
        #expect(form.set("data.split.validation", to: "0.2", config: &config))
        #expect(config.data.split.train == 0.7 && config.data.split.validation == 0.2)
        #expect(form.issues.isEmpty && form.pending.isEmpty)

        #expect(form.set("finetune.metric_for_best_model", to: "eval_loss", config: &config))
        #expect(config.finetune.greaterIsBetter == false)
        #expect(form.set("finetune.metric_for_best_model", to: "eval_f1", config: &config))
        #expect(config.finetune.greaterIsBetter == true)
        #expect(form.set("finetune.callbacks.early_stopping.patience", to: "0", config: &config))
        #expect(config.finetune.earlyStopping.patience == nil)
        #expect(form.set("finetune.callbacks.early_stopping.patience", to: "3", config: &config))
        #expect(config.finetune.earlyStopping.patience == 3)
        // The parser's cross-field rule: save steps must be a multiple of eval steps.
        #expect(!form.set("finetune.save_steps", to: "75", config: &config))
        #expect(form.issues.contains { $0.path == "finetune.save_steps" })
    }

    /// The base-model field offers scratch and the catalog's models with Left/Right, and still
    /// takes a typed path with Enter; each pick goes into the config.
    @Test func baseModelFieldStepsThroughTheCatalogAndTakesAPath() throws {
        let catalog = ModelCatalog(directories: [DashboardFixtures.repositoryModels])
        let names = catalog.list().map(\.name)
        #expect(names.contains("dnabert-tiny-6mer"))
        var config = DemoConfig.load()
        #expect(config.model.base == "scratch")
        var form = ConfigForm(fields: ConfigField.model(baseModels: names), config: config)
        #expect(form.form.fields[0].label == "base model")
        #expect(form.form.fields[0].allowed(unicode: false) == (["scratch"] + names + ["a path"]).joined(separator: " | "))
        #expect(form.handle(.right, config: &config) == (true, true))
        #expect(config.model.base == names[0])
        #expect(config.data.tokenizer.kind == .vocab && config.data.tokenizer.vocab == nil, "the model's own vocab.txt")
        for _ in names.indices { _ = form.handle(.right, config: &config) }
        #expect(config.model.base == "scratch", "wraps around")
        #expect(config.data.tokenizer.kind == .kmer)
        _ = form.handle(.left, config: &config)
        #expect(config.model.base == names.last)
        // Enter types a path instead.
        _ = form.handle(.enter, config: &config)
        #expect(form.isEditing)
        for _ in 0..<40 { _ = form.handle(.backspace, config: &config) }
        for ch in "/data/dnabert6" { _ = form.handle(.char(ch), config: &config) }
        #expect(form.handle(.enter, config: &config) == (true, true))
        #expect(config.model.base == "/data/dnabert6")
        // An empty value is refused while typing.
        _ = form.handle(.enter, config: &config)
        for _ in 0..<40 { _ = form.handle(.backspace, config: &config) }
        #expect(form.state.message == "must not be empty")
        #expect(form.handle(.enter, config: &config) == (true, false))
        #expect(config.model.base == "/data/dnabert6")
        // Scratch from scratch leaves another scratch tokenizer alone.
        var single = try TrainConfig.parse(yaml: DemoConfig.load().yaml(), overrides: ["data.tokenizer.kind=single_nucleotide"]).config
        var singleForm = ConfigForm(fields: ConfigField.model(baseModels: names), config: single)
        #expect(singleForm.set("model.base", to: "scratch", config: &single))
        #expect(single.data.tokenizer.kind == .singleNucleotide)
    }

    /// LoRA's targets and fully trained modules: Left/Right step through the common choices,
    /// Enter types a list; each goes into the config through the parser, which rejects a name
    /// that is no BERT module.
    @Test func loraTargetsAndTrainedModules() throws {
        var config = DemoConfig.load()
        var form = ConfigForm(fields: ConfigField.model, config: config)
        #expect(form.set("lora.target_modules", to: "query, key, value, dense", config: &config))
        #expect(config.lora.targetModules == ["query", "key", "value", "dense"])
        #expect(form.set("lora.modules_to_save", to: "classifier, pooler", config: &config))
        #expect(config.lora.modulesToSave == ["pooler"])
        #expect(form.set("model.strategy", to: "lora", config: &config))
        guard case .lora(let lora) = config.trainingStrategy else { Issue.record("not LoRA"); return }
        #expect(lora.targetModules == ["query", "key", "value", "dense"] && lora.modulesToSave == ["pooler"])
        #expect(form.set("lora.modules_to_save", to: "classifier", config: &config))
        #expect(config.lora.modulesToSave.isEmpty)
        #expect(form.set("lora.target_modules", to: "query,value", config: &config))
        #expect(config.lora.targetModules == ["query", "value"])
        #expect(!form.set("lora.target_modules", to: "q_proj", config: &config))
        #expect(form.issues.first?.message.contains("not a linear module of BERT") == true)
        #expect(config.lora.targetModules == ["query", "value"])
        #expect(!form.set("lora.modules_to_save", to: "classifier, lm_head", config: &config))
        #expect(form.issues.contains { $0.message.contains("not a module of a BERT classifier") })
        #expect(config.lora.modulesToSave.isEmpty)
    }

    /// A base model picked from the catalog prepares the data with its own vocabulary.
    @Test func aCatalogBaseModelTokenizesWithItsOwnVocabulary() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path,
                               catalog: ModelCatalog(directories: [DashboardFixtures.repositoryModels]))
        #expect(s.baseModels.map(\.name) == ["dnabert-tiny-3mer", "dnabert-tiny-6mer"])
        #expect(s.modelForm.set("model.base", to: "dnabert-tiny-6mer", config: &s.config))
        s.loadData()
        #expect(s.dataError == nil)
        #expect(s.data?.tokenizer.vocabulary.count == 4101)
        #expect(s.modelForm.set("model.base", to: "scratch", config: &s.config))
        s.loadData()
        #expect(s.dataError == nil)
        #expect(s.config.data.tokenizer.kind == .kmer)
        #expect(s.data?.tokenizer.vocabulary.count == Int(pow(4.0, Double(s.config.data.tokenizer.k))) + 5)
    }

    /// Browsing the base models and coming back to scratch leaves the scratch model as it was
    /// (the demo's hidden 64, 2 layers, 3-mers), not HF's defaults.
    @Test func browsingBaseModelsChangesNothingItDoesNotShow() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path,
                               catalog: ModelCatalog(directories: [DashboardFixtures.repositoryModels]))
        let before = s.config
        #expect(before.model.isScratch && before.model.hiddenSize == 64 && before.data.tokenizer.k == 3)
        for base in ["dnabert-tiny-3mer", "dnabert-tiny-6mer", "scratch"] {
            #expect(s.modelForm.set("model.base", to: base, config: &s.config))
        }
        #expect(s.config.model == before.model)
        #expect(s.config.data.tokenizer == before.data.tokenizer)
    }

    /// With a pre-trained base, the scratch model's size and k are not editable: the form shows
    /// where they come from instead of scratch values that would do nothing, takes no edits, and
    /// gives them back as they were on the way back to scratch.
    @Test func aBaseModelFixesTheScratchSizeFields() throws {
        var config = DemoConfig.load()
        var form = ConfigForm(fields: ConfigField.model(baseModels: ["dnabert-tiny-6mer"]), config: config)
        func field(_ path: String) -> FormField { form.form.fields[form.fields.firstIndex { $0.path == path }!] }
        let sizes = ["model.hidden_size", "model.num_hidden_layers", "model.num_attention_heads", "model.intermediate_size"]
        for path in sizes + ["data.tokenizer.k"] { #expect(field(path).fixed == nil, "\(path) is editable on scratch") }
        #expect(field("model.hidden_size").value == "64")
        #expect(form.set("model.base", to: "dnabert-tiny-6mer", config: &config))
        for path in sizes {
            #expect(field(path).fixed == "set by the base's config.json" && field(path).value == "from base", "\(path)")
            #expect(field(path).validate(field(path).value) == nil)
        }
        #expect(field("data.tokenizer.k").fixed == "the base model's own tokenizer")
        #expect(field("model.hidden_size").help.hasPrefix("model.hidden_size: set by the base's config.json"))
        // Enter, typing and set() change nothing.
        form.state.focused = form.fields.firstIndex { $0.path == "model.hidden_size" }!
        #expect(form.handle(.enter, config: &config) == (true, false))
        #expect(!form.isEditing)
        #expect(form.handle(.char("7"), config: &config, typeToEdit: true) == (false, false))
        #expect(!form.isEditing)
        #expect(form.handle(.right, config: &config) == (false, false))
        #expect(!form.set("model.hidden_size", to: "768", config: &config))
        #expect(form.issues.first?.message == "not changed: set by the base's config.json")
        #expect(config.model.hiddenSize == 64)
        // Back on scratch, editable again with the scratch values.
        #expect(form.set("model.base", to: "scratch", config: &config))
        #expect(field("model.hidden_size").fixed == nil && field("model.hidden_size").value == "64")
        #expect(form.set("model.hidden_size", to: "128", config: &config))
        #expect(config.model.hiddenSize == 128)
        // A scratch tokenizer without k says so.
        #expect(form.set("data.tokenizer.k", to: "4", config: &config))
        var single = try TrainConfig.parse(yaml: config.yaml(), overrides: ["data.tokenizer.kind=single_nucleotide"]).config
        form.reload(from: single)
        #expect(field("data.tokenizer.k").fixed == "the single_nucleotide tokenizer uses no k")
        #expect(!form.set("data.tokenizer.k", to: "5", config: &single))
    }

    /// The strategies are on the form; the step counts they leave unused are fixed, with why.
    @Test func evalAndSaveStepsFollowTheirStrategies() throws {
        var config = DemoConfig.load()
        var form = ConfigForm(fields: ConfigField.model, config: config)
        func field(_ path: String) -> FormField { form.form.fields[form.fields.firstIndex { $0.path == path }!] }
        #expect(field("finetune.eval_steps").fixed == nil && field("finetune.save_steps").fixed == nil)
        // With load_best_model_at_end the two must agree: the first waits, pending, for the second.
        #expect(!form.set("finetune.eval_strategy", to: "epoch", config: &config))
        #expect(form.issues.contains { $0.message.contains("load_best_model_at_end needs both the same") }, "\(form.issues)")
        #expect(form.set("finetune.save_strategy", to: "epoch", config: &config))
        #expect(config.finetune.evalStrategy == .epoch && config.finetune.saveStrategy == .epoch)
        #expect(field("finetune.eval_steps").fixed == "not used: eval_strategy is epoch" && field("finetune.eval_steps").value == "-")
        #expect(field("finetune.save_steps").fixed == "not used: save_strategy is epoch")
        #expect(form.set("data.augmentation.reverse_complement", to: "true", config: &config) && config.data.reverseComplementAugmentation)
        #expect(form.set("data.augmentation.average_strands", to: "true", config: &config) && config.data.averageStrands)
    }

    /// The form's fixed fields draw muted with their reason where the allowed values go.
    @Test func aFixedFieldDrawsItsReason() {
        let form = Form(fields: [FormField("hidden size", kind: .integer(8...8192), value: "from base", fixed: "set by the base's config.json"),
                                 FormField("lr", kind: .number(1e-7...1), value: "0.001")])
        var grid = CellGrid(width: 60, height: 4)
        form.draw(into: &grid, in: grid.bounds, state: FormState(focused: 1), unicode: false)
        let text = grid.text
        #expect(text.contains("hidden size from base"))
        #expect(text.contains("set by the base's config.json"))
        #expect(!text.contains("8 .. 8192"))
    }

    /// Every field shows the value the config holds, and re-applying it changes nothing.
    @Test(arguments: ConfigField.model + ConfigField.data)
    func everyFieldRoundTrips(_ field: ConfigField) throws {
        var config = DemoConfig.load()
        var form = ConfigForm(fields: [field], config: config)
        let before = config
        #expect(form.form.fields[0].validate(field.read(config)) == nil, "\(field.path) = \(field.read(config))")
        #expect(form.set(field.path, to: field.read(config), config: &config), "\(form.issues)")
        #expect(config == before)
    }

    @Test(arguments: [0, 1, 2, 5])
    func datasetPickerListsDemosThenSequenceFilesAndFolders(extraFiles: Int) throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var expected = ["demo", "demo3", "demo-regression", "demo-multilabel"]
        for i in 0..<extraFiles {
            let name = "reads\(i).fastq"
            try "@r\n\nACGT\n+\nIIII\n".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            expected.append(name)
        }
        try "x".write(to: dir.appendingPathComponent("notes.md"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent(".hidden.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("split"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("runs"), withIntermediateDirectories: true)
        expected.append("split")
        let choices = DatasetChoice.available(in: dir.path, skip: ["runs"])
        #expect(choices.map(\.source) == expected)
        #expect(choices.last?.label == "split/")
    }

    /// Data is prepared on a thread of its own: choosing a large file returns at once, the
    /// dashboard keeps answering keys and says it is loading (with the time so far), then shows
    /// the data and how long preparing it took.
    @Test func dataLoadsWithoutBlockingTheDashboard() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var seed: UInt64 = 11
        var csv = "sequence,label\n"
        csv.reserveCapacity(40_000 * 110)
        for i in 0..<40_000 {
            var seq = ""
            for _ in 0..<100 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                seq.append(Array("ACGT")[Int(seed >> 62)])
            }
            csv += seq + "," + (i % 2 == 0 ? "a" : "b") + "\n"
        }
        let file = dir.appendingPathComponent("big.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let app = Dashboard.makeApp(state: DashboardState(config: DemoConfig.load(), workingDirectory: dir.path))
        app.state.select(DatasetChoice(source: file.path, label: "big"))
        #expect(app.state.dataJob?.result == nil && app.state.data == nil, "select returned while the data loads")
        #expect(app.frame(width: 120, height: 30, unicode: true).text.contains("loading \(file.path)…"))
        _ = app.handle(.char("2"))
        #expect(app.current == 1, "keys are answered meanwhile")
        _ = app.handle(.char("1"))
        DashboardFixtures.waitForData(app)
        #expect(app.state.data?.dataset.report.stages.first?.balance.total == 40_000)
        let seconds = try #require(app.state.dataLoadSeconds)
        #expect(seconds > 0 && app.state.message?.contains(String(format: "prepared in %.1f s", seconds)) == true, "\(app.state.message ?? "")")
        #expect(app.state.tokenLengths != nil && app.state.lengths != nil, "the histograms came from the load thread")
    }

    /// Choosing demo3 turns the task into 3 classes and loads 3 class bars per stage;
    /// a path that does not exist gives an error instead of data.
    @Test func selectingADatasetLoadsItsClassBalance() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        s.select(DatasetChoice(source: "demo3", label: "demo3"))
        #expect(s.dataJob != nil && s.data == nil, "loading on its own thread")
        DashboardFixtures.waitForData(&s)
        #expect(s.config.task.numLabels == 3)
        #expect(s.data?.labelNames.count == 3)
        #expect(s.data?.dataset.report.stages.allSatisfy { $0.balance.entries.count == 3 } == true)
        s.select(DatasetChoice(source: dir.appendingPathComponent("missing.fasta").path, label: "missing"))
        DashboardFixtures.waitForData(&s)
        #expect(s.data == nil)
        #expect(s.dataError != nil)
        let frame = Dashboard.makeApp(state: s).frame(width: 80, height: 24, unicode: true).text
        #expect(frame.contains("cannot load"))
    }

    @Test func configDiffNamesEveryChangedKey() throws {
        let a = DemoConfig.load()
        var b = a
        b.finetune.learningRate = 5e-4
        b.finetune.perDeviceTrainBatchSize = 8
        b.data.split.seed = 7
        let diff = RunSummary.configDiff(a, b)
        #expect(diff.count == 3)
        #expect(diff.contains("finetune.learning_rate: 0.001 -> 0.0005"))
        #expect(diff.contains("finetune.per_device_train_batch_size: 32 -> 8"))
        #expect(diff.contains("data.split.seed: 42 -> 7"))
        #expect(RunSummary.configDiff(a, a).isEmpty)
    }

    @Test func predictionsParseIntoLabelsAndProbabilities() throws {
        let csv = "id,true_label,predicted_label,prob_a,prob_b\n0,a,a,0.9,0.1\n1,b,a,0.6,0.4\n2,b,b,0.2,0.8\n"
        let p = try RunEvaluation.parsePredictions(csv, file: "p.csv", labelNames: [])
        #expect(p.labelNames == ["a", "b"])
        #expect(p.labels == [0, 1, 1])
        #expect(p.probabilities == [0.9, 0.1, 0.6, 0.4, 0.2, 0.8])
        #expect(try RunEvaluation.parsePredictions("", file: "p.csv", labelNames: ["x"]).labels.isEmpty)
        #expect(throws: RunError.self) { try RunEvaluation.parsePredictions("id,true_label,predicted_label,prob_a,prob_b\n0,c,a,1,0\n", file: "p.csv", labelNames: []) }
        #expect(throws: RunError.self) { try RunEvaluation.parsePredictions("id,x\n", file: "p.csv", labelNames: []) }
        #expect(throws: RunError.self) { try RunEvaluation.parsePredictions("id,true_label,predicted_label,prob_a,prob_b\n0,a,a,zero,1\n", file: "p.csv", labelNames: []) }
    }

    static let sizes = [(80, 24), (160, 48)]

    /// The dashboard over the demo config with its runs in `runs`, working in `dir`, runs listed.
    static func runsApp(workingIn dir: URL, runs: URL) -> App<DashboardState> {
        var config = DemoConfig.load()
        config.finetune.outputDir = runs.path
        var s = DashboardState(config: config, workingDirectory: dir.path)
        s.refreshRuns()
        return Dashboard.makeApp(state: s)
    }

    /// Watching a Hugging Face run that has not written anything yet: its files appear and grow,
    /// and each change moves the dashboard's redraw generation and reaches the curves.
    @Test func watchesAHuggingFaceRunFromItsStart() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TrainingTests/Fixtures/tensorboard/hf_run")
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: TrainConfig(), workingDirectory: dir.path)
        s.watchTrainerOutput(dir)
        #expect(s.history.eventCount == 0)
        let g0 = s.events.generation
        let name = "runs/tiny/events.out.tfevents.1700000000.host.1.0"
        let bytes = try Data(contentsOf: fixture.appendingPathComponent(name))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("runs/tiny"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.appendingPathComponent("trainer_state.json"), to: dir.appendingPathComponent("trainer_state.json"))
        try bytes.prefix(bytes.count * 3 / 4).write(to: dir.appendingPathComponent(name))
        #expect(s.events.generation != g0)
        s.drain()
        #expect(s.history.trainLoss.count > 0 && s.history.finished == nil, "\(s.message ?? "") \(s.history.eventCount)")
        let g1 = s.events.generation
        try bytes.write(to: dir.appendingPathComponent(name))
        #expect(s.events.generation != g1)
        s.drain()
        #expect(s.history.trainLoss.count == 12 && s.history.finished?.step == 24)
    }

    /// A Hugging Face Trainer output directory (the TensorBoard fixture of a real run) on the
    /// Train screen: its loss and metric curves, its early-stopping state and its end.
    @Test func watchesAHuggingFaceTrainerRun() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TrainingTests/Fixtures/tensorboard/hf_run")
        var s = DashboardState(config: TrainConfig(), workingDirectory: "/nonexistent")
        s.watchTrainerOutput(fixture)
        #expect(s.history.trainLoss.count == 12 && s.history.evalMetrics["eval_accuracy"]?.count == 4)
        #expect(s.runState == "completed")
        let app = Dashboard.makeApp(state: s)
        _ = app.handle(.char("3"))
        let text = app.frame(width: 100, height: 30, unicode: true).text
        #expect(text.contains("step 24/24") || text.contains("24/24"), "\(text)")
        #expect(text.contains("eval_accuracy") || text.contains("accuracy"), "\(text)")
    }

    /// Every screen over the demo data, before any run, as text at 80×24 and 160×48 in UTF-8
    /// and ASCII: compared with the recorded snapshots, ASCII frames hold only ASCII.
    @Test func everyScreenOverTheDemoMatchesItsSnapshot() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The Model screen lists the shipped base model (and nothing from this machine's user folder).
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path,
                               catalog: ModelCatalog(directories: [DashboardFixtures.repositoryModels]))
        s.loadData()
        s.refreshRuns()
        let app = Dashboard.makeApp(state: s)
        for screen in 0..<5 {
            _ = app.handle(.char(Character(String(screen + 1))))
            #expect(app.current == screen)
            for (w, h) in Self.sizes {
                for unicode in [true, false] {
                    let text = app.frame(width: w, height: h, unicode: unicode).text
                    let name = "\(app.screens[screen].title.lowercased())-\(w)x\(h)-\(unicode ? "utf8" : "ascii")"
                    DashboardFixtures.expectFileSnapshot(text, name)
                    if !unicode { #expect(DashboardFixtures.isASCII(text), "\(name)") }
                    #expect(text.contains("? help"), "\(name): key hints")
                    #expect(text.contains("idle"), "\(name): status line")
                }
            }
        }
    }

    /// Every screen renders at any size — nothing, tiny, odd — without trapping, inside its grid.
    @Test(arguments: [(0, 0), (0, 5), (5, 0), (1, 1), (2, 2), (3, 3), (5, 5), (10, 10), (10, 3), (79, 23)])
    func everyScreenRendersAtAnySize(width: Int, height: Int) throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        s.loadData()
        s.dataScreen.pathInput = TextInput("sub/dir")
        s.trainScreen.lrInput = TextInput("1e-4")
        s.runsScreen.cloneInput = TextInput("1e-4")
        s.modelScreen.fileInput = (TextInput("x.yaml"), .save)
        for screen in Dashboard.screens() {
            for unicode in [true, false] {
                let g = screen.render(s, width: width, height: height, unicode: unicode)
                #expect(g.width == max(0, width) && g.height == max(0, height))
            }
        }
        // The whole frame says the terminal is too small below 80x24.
        if width > 0 && height > 2 && width < 80 {
            let text = Dashboard.makeApp(state: s).frame(width: max(width, 30), height: max(height, 5), unicode: true).text
            #expect(text.contains("Terminal too small") || width < 30)
        }
    }

    @Test(arguments: [("20261129-162334-lr0.001", "11-29 16:23:34 lr0.001"), ("20261129-162334-lr0.001-2", "11-29 16:23:34 lr0.001-2"),
                      ("20261207-174204-lrsw-learning_rate_3e-4-seed42", "12-07 17:42:04 lrsw-lr_3e-4-seed42"),
                      ("20261207-174204-s-per_device_train_batch_size_16-seed1", "12-07 17:42:04 s-batch_16-seed1"),
                      ("my-run", "my-run"), ("2026112-1-x", "2026112-1-x"), ("20261129-1623-x", "20261129-1623-x"), ("x", "x")])
    func runTableShowsTheDateReadably(name: String, short: String) {
        let r = RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/" + name)), config: nil, status: nil,
                           history: RunHistory())
        #expect(r.shortName == short)
        #expect(r.ended == "new")
        #expect(r.cells.count == RunsScreen.columns.count)
        #expect(r.bestValidation == nil && r.testValue == nil)
    }

    /// `g` on Runs: a sweep's runs as one group, a row per setting with mean ± sd over seeds of
    /// the best validation and the test score, the pick marked by validation score alone.
    @Test func runsScreenGroupsASweepBySetting() throws {
        func run(_ name: String, _ setting: String, seed: Int, index: Int, val: Double, test: Double?) -> RunSummary {
            var h = RunHistory()
            h.apply(.earlyStopping(EarlyStoppingRecord(step: 10, metric: "eval_mcc", greaterIsBetter: true, best: val, bestStep: 10,
                                                       evaluationsWithoutImprovement: 0, patience: 3, wallTime: 1)))
            if let test {
                h.apply(.test(step: 10, metrics: ["test_mcc": test], wallTime: 2))
                h.apply(.finished(step: 10, reason: .completed, wallTime: 2))
            }
            return RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/" + name)), config: nil, status: nil, history: h,
                              sweep: SweepMembership(sweep: "20261205-090000-lr", setting: setting, overrides: [], seed: seed,
                                                     index: index, count: 5))
        }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.runs = [
            run("a", "learning_rate=1e-4", seed: 42, index: 0, val: 0.60, test: 0.80),
            run("b", "learning_rate=1e-4", seed: 43, index: 1, val: 0.62, test: 0.82),
            run("c", "learning_rate=3e-4", seed: 42, index: 2, val: 0.70, test: 0.50),
            run("d", "learning_rate=3e-4", seed: 43, index: 3, val: 0.72, test: nil),
            RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/alone")), config: nil, status: nil, history: RunHistory()),
        ]
        let app = Dashboard.makeApp(state: s)
        _ = app.handle(.char("4"))
        #expect(app.frame(width: 100, height: 24, unicode: true).text.contains("Runs in runs (5), 1 sweep: g"))
        _ = app.handle(.char("g"))
        let text = app.frame(width: 100, height: 24, unicode: true).text
        #expect(text.contains("20261205-090000-lr: 3 of 5 runs finished"), "\(text)")
        func row(_ setting: String) -> [String] {
            let line = text.split(separator: "\n").first { $0.contains(setting) }.map(String.init) ?? ""
            return line.replacingOccurrences(of: "│", with: " ").split(separator: " ").map(String.init)
        }
        #expect(row("learning_rate=1e-4") == ["learning_rate=1e-4", "2", "0.6100", "±", "0.0141", "0.8100", "±", "0.0141"], "\(text)")
        // The better validation mean is picked, though its test score is lower (one test so far).
        #expect(row("learning_rate=3e-4") == ["★", "learning_rate=3e-4", "2", "0.7100", "±", "0.0141", "0.5000"], "\(text)")
        #expect(!text.contains("alone"))
        let ascii = app.frame(width: 100, height: 24, unicode: false).text
        #expect(ascii.contains("* learning_rate=3e-4") && ascii.contains("0.6100 +- 0.0141") && DashboardFixtures.isASCII(ascii))
        _ = app.handle(.char("g"))
        #expect(app.frame(width: 100, height: 24, unicode: true).text.contains("Runs in"))
    }

    /// A learning rate changed while training (`l`) shows in the table (with `*`), in the diff,
    /// and is where a clone starts.
    @Test func aMidRunLearningRateChangeShowsInTableDiffAndClone() throws {
        var changed = RunHistory()
        changed.apply(.learningRateChanged(step: 120, from: 0.001, to: 0.0005, wallTime: 3))
        var config = DemoConfig.load()
        config.finetune.learningRate = 0.001
        let a = RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/20261205-100000-lr0.001")), config: config,
                           status: nil, history: changed)
        let b = RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/20261205-100500-plain")), config: config,
                           status: nil, history: RunHistory())
        #expect(a.cells[2] == "5e-4*" && b.cells[2] == "1e-3")
        // An export (or another run) starts from the rate the run was left with, and says so.
        let rerun = a.history.rerun(config)
        #expect(rerun.config.finetune.learningRate == 0.0005)
        #expect(rerun.note == "learning rate 5e-4, set at step 120 while the run trained (its config said 1e-3)")
        #expect(b.history.rerun(config).config == config && b.history.rerun(config).note == nil)
        #expect(Table(columns: RunsScreen.columns, rows: [a.cells, b.cells]).order(by: 2, ascending: true) == [0, 1], "5e-4* sorts as 5e-4")
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.runs = [a, b]
        let app = Dashboard.makeApp(state: s)
        _ = app.handle(.char("4"))
        #expect(app.frame(width: 120, height: 30, unicode: true).text.contains("LR* changed while training"))
        _ = app.handle(.char(" "))
        _ = app.handle(.down)
        _ = app.handle(.char("d"))
        let diff = app.frame(width: 120, height: 30, unicode: true).text
        #expect(diff.contains("12-05 10:00:00 lr0.001: learning rate set to 5e-4 at step 120 (while training)"), "\(diff)")
        #expect(!diff.contains("the configs are the same"))
        _ = app.handle(.escape)
        _ = app.handle(.up)
        _ = app.handle(.char("c"))
        #expect(app.frame(width: 120, height: 30, unicode: true).text.contains("(Enter trains it, Esc cancels): 5e-4"))
        // At 80 columns the prompt still says what the value is.
        #expect(app.frame(width: 80, height: 24, unicode: true).text.contains("learning rate for a clone of"))
    }

    /// Sorting by a score puts the best run first: the highest MCC, the lowest loss.
    @Test(arguments: [("eval_mcc", ["b", "a"]), ("eval_loss", ["a", "b"])])
    func sortingByBestValidationPutsTheBestFirst(metric: String, order: [String]) {
        func run(_ name: String, _ best: Double) -> RunSummary {
            var h = RunHistory()
            h.apply(.earlyStopping(EarlyStoppingRecord(step: 1, metric: metric, greaterIsBetter: metric != "eval_loss", best: best,
                                                       bestStep: 1, evaluationsWithoutImprovement: 0, patience: 1, wallTime: 0)))
            return RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/" + name)), config: nil, status: nil, history: h)
        }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.runs = [run("a", 0.3), run("b", 0.7)]
        let app = Dashboard.makeApp(state: s)
        _ = app.handle(.char("4"))
        for _ in 0..<6 { _ = app.handle(.char("s")) }
        #expect(app.state.runsScreen.table.sortColumn == 5)
        let rows = Table(columns: RunsScreen.columns, rows: app.state.runs.map(\.cells))
            .order(by: 5, ascending: app.state.runsScreen.table.ascending).map { app.state.runs[$0].name }
        #expect(rows == order)
    }

    /// A pre-split folder (train / dev / test files) says that its own split is used, not the
    /// ratios the form shows; a file is split by the ratios.
    @Test func aPreSplitFolderSaysItsOwnSplitIsUsed() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bases = Array("ACGT")
        func csv(_ n: Int, _ offset: Int) -> String {
            "sequence,label\n" + (0..<n).map { i in
                String((0..<20).map { bases[(i * 7 + $0 * ($0 + offset)) % 4] }) + (i % 2 == 0 ? ",0\n" : ",1\n")
            }.joined()
        }
        for (name, n, offset) in [("train", 60, 1), ("dev", 20, 2), ("test", 20, 3)] {
            try csv(n, offset).write(to: dir.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        }
        var config = DemoConfig.load()
        config.data.sources = [dir.path]
        config.data.cleaning.deduplicate = false
        var s = DashboardState(config: config, workingDirectory: dir.path)
        s.loadData()
        #expect(s.dataError == nil, "\(s.dataError ?? "")")
        #expect(s.data?.isPreSplit == true)
        let text = DataScreen().render(s, width: 160, height: 48, unicode: true).text
        #expect(text.contains("split: the source's own train/dev/test (ratios not used)"), "\(text)")
        #expect(text.contains("test file: cleaning removed nothing (20 records)"), "\(text)")
        var demo = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        demo.loadData()
        #expect(demo.data?.isPreSplit == false)
        #expect(DataScreen().render(demo, width: 160, height: 48, unicode: true).text.contains("split 0.8/0.1/0.1"))
    }

    @Test func flattenReadsNestedSectionsAndBlockLists() {
        let yaml = "a:\n  b: 1\n  c:\n    d: x\n  l:\n  - p\n  - q\ne: [1, 2]\n# note\n"
        let flat = RunSummary.flatten(yaml)
        #expect(flat.map(\.0) == ["a.b", "a.c.d", "a.l", "e"])
        #expect(flat.map(\.1) == ["1", "x", "p, q", "[1, 2]"])
        #expect(RunSummary.flatten("").isEmpty)
    }

    /// When the early-stopping metric is the loss (masked-LM pretraining), the metric panel charts
    /// the accuracy instead of repeating the loss drawn above it; other metrics are charted as chosen.
    @Test(arguments: [("eval_loss", "eval_accuracy"), ("eval_mcc", "eval_mcc")])
    func metricPanelChartsAccuracyWhenTheMetricIsTheLoss(metric: String, charted: String) {
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.history.apply(.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0))
        for step in [2, 4] {
            s.history.apply(.evaluation(step: step, epoch: 0.4, metrics: ["eval_loss": 7.5, "eval_accuracy": 0.1, "eval_mcc": 0.3],
                                        wallTime: 1))
        }
        s.history.apply(.earlyStopping(EarlyStoppingRecord(step: 4, metric: metric, greaterIsBetter: metric != "eval_loss", best: 0.3,
                                                           bestStep: 4, evaluationsWithoutImprovement: 0, patience: 0, wallTime: 1)))
        let text = TrainScreen().render(s, width: 160, height: 48, unicode: true).text
        #expect(text.contains("─ \(charted) "))
        #expect(text.contains("\(metric), \(metric == "eval_loss" ? "lower" : "higher") is better"))
    }

    /// The status line shows the state, a message (second: the line is cut from the right),
    /// progress, rate, ETA and best metric.
    @Test func statusLineSummarisesTheRun() {
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        #expect(Dashboard.status(s).map(\.text) == ["idle"])
        s.history.apply(.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0))
        s.history.apply(.step(StepRecord(step: 2, epoch: 0.4, loss: 0.5, learningRate: 1e-3, gradNorm: 1, samplesPerSecond: 812.4,
                                         wallTime: 1)))
        s.history.apply(.earlyStopping(EarlyStoppingRecord(step: 2, metric: "eval_mcc", greaterIsBetter: true, best: 0.25, bestStep: 2,
                                                           evaluationsWithoutImprovement: 0, patience: 3, wallTime: 1)))
        s.message = "hello"
        let texts = Dashboard.status(s).map(\.text)
        #expect(texts.contains("step 2/10 20%"))
        #expect(texts.contains("812 samples/s"))
        #expect(texts.contains("best eval_mcc 0.25"))
        #expect(texts[1] == "hello")
        s.history.apply(.finished(step: 2, reason: .earlyStopped, wallTime: 2))
        #expect(Dashboard.status(s).first?.text == "early-stopped")
        #expect(!Dashboard.status(s).map(\.text).contains("812 samples/s"))
        #expect(NumberFormat.rate(5464.8) == "5465" && NumberFormat.rate(81.24) == "81.2" && NumberFormat.rate(0.5) == "0.5")
        #expect(NumberFormat.rate(.nan) == "nan")
        // The progress bar says the same as the status line (it once said 103.63 beside 102).
        #expect(Gauge.progress(done: 1, total: 2, samplesPerSecond: 103.63, eta: 1).text.contains("104 samples/s"))
    }

    /// The Train charts: ←/→ place and move a cursor whose values are read out under the
    /// loss; z/Z zoom around it; y puts the loss on a log axis; -/+ change the smoothing
    /// (0.6 by default, shown); evaluations are marked points; Esc resets.
    @Test func trainChartsHaveACursorZoomLogAxisAndSmoothing() {
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.history.apply(.started(totalSteps: 200, stepsPerEpoch: 50, trainSamples: 1600, resumedFrom: nil, wallTime: 0))
        for step in 1...200 {
            s.history.apply(.step(StepRecord(step: step, epoch: Double(step) / 50, loss: 1 / Double(step).squareRoot(),
                                             learningRate: 1e-3, gradNorm: 1, samplesPerSecond: 100, wallTime: Double(step))))
            if step % 40 == 0 {
                let x = Double(step)
                let metrics: [String: Double] = ["eval_loss": 0.9 - x / 1000, "eval_mcc": x / 400]
                s.history.apply(.evaluation(step: step, epoch: x / 50, metrics: metrics, wallTime: x))
            }
        }
        let app = Dashboard.makeApp(state: s, initialScreen: Dashboard.trainScreen)
        func frame() -> String { app.frame(width: 160, height: 48, unicode: true).text }
        let plain = frame()
        #expect(plain.contains("smoothing 0.6") && !plain.contains("step 200: train"))
        #expect(plain.filter { $0 == "•" }.count >= 8, "5 validation losses and 5 metric values marked")
        _ = app.handle(.right)
        #expect(app.state.trainScreen.cursor == 200)
        let smoothed = Smoothing.exponential((1...200).map { 1 / Double($0).squareRoot() }, weight: 0.6)
        #expect(frame().contains("step 200: train \(NumberFormat.compact(smoothed[199], maxWidth: 6, significant: 4))"), "\(frame())")
        #expect(frame().contains("val 0.7 @200") && frame().contains("eval_mcc 0.5 @200") && frame().contains("lr 1e-3"))
        for _ in 0..<10 { _ = app.handle(.left) }
        #expect(app.state.trainScreen.cursor == 150, "a fortieth of 200 steps a key")
        #expect(frame().contains("step 150: train") && frame().contains("val 0.78 @120"))
        _ = app.handle(.char("z"))
        #expect(app.state.trainScreen.zoom == 0.5)
        #expect(TrainScreen.xRange(app.state) == 100...200, "around the cursor, kept inside the steps")
        _ = app.handle(.char("z")); _ = app.handle(.char("Z"))
        #expect(frame().contains("zoom ×2"))
        _ = app.handle(.char("y"))
        #expect(app.state.trainScreen.logY && frame().contains("· log"))
        _ = app.handle(.char("+")); _ = app.handle(.char("+"))
        #expect(app.state.trainScreen.smoothing == 0.8 && frame().contains("smoothing 0.8"))
        for _ in 0..<12 { _ = app.handle(.char("-")) }
        #expect(app.state.trainScreen.smoothing == 0)
        _ = app.handle(.escape)
        #expect(app.state.trainScreen.cursor == nil && app.state.trainScreen.zoom == 1)
        // The help lists the commands before the ways of looking.
        #expect(TrainScreen().keys.help.entries.prefix(5).map(\.keys) == ["r", "p", "s", "w", "l"])
        #expect(TrainScreen(controls: false).keys.help.entries.first?.keys == "e")
        #expect(TrainScreen.xRange(app.state) == 0...200)
    }

    /// The mouse on the dashboard: a click chooses a dataset, gives a report panel the arrows,
    /// selects a run; the wheel scrolls the panel under it and the event log.
    @Test func clicksAndTheWheelOnTheScreens() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        s.loadData()
        s.log = (1...60).map { "event \($0)" }
        let app = Dashboard.makeApp(state: s)
        func frame() -> String { app.frame(width: 80, height: 24, unicode: true).text }
        _ = frame()
        // The second dataset is on the screen's row 3 (tabs, border, first dataset).
        _ = app.handle(.mouse(MouseEvent(.press, x: 5, y: 3)))
        #expect(app.state.dataScreen.cursor == 1 && app.state.dataScreen.focus == .datasets)
        // The wheel over the Cleaning panel (bottom right) scrolls it.
        _ = app.handle(.mouse(MouseEvent(.wheelDown, x: 60, y: 20)))
        #expect(app.state.dataScreen.focus == .cleaning && app.state.dataScreen.cleaningScroll == 1)
        _ = app.handle(.mouse(MouseEvent(.press, x: 60, y: 4)))
        #expect(app.state.dataScreen.focus == .balance)
        // Train: the wheel over the event log scrolls it back.
        _ = app.handle(.char("3"))
        _ = frame()
        _ = app.handle(.mouse(MouseEvent(.wheelUp, x: 70, y: 18)))
        #expect(app.state.trainScreen.eventsScroll == 3)
        // Runs: a click on the second row selects it.
        let out = dir.appendingPathComponent("runs")
        for name in ["one", "two"] {
            let run = try RunDirectory.create(in: out, name: name)
            try (TrainingEvent.started(totalSteps: 1, stepsPerEpoch: 1, trainSamples: 1, resumedFrom: nil, wallTime: 0).jsonLine + "\n")
                .write(to: run.metrics, atomically: true, encoding: .utf8)
        }
        app.state.config.finetune.outputDir = out.path
        app.state.refreshRuns()
        _ = app.handle(.char("4"))
        _ = frame()
        #expect(app.state.runsScreen.table.selected == 0)
        // Tabs (row 0), panel border (1), header (2), first run (3), second run (4).
        _ = app.handle(.mouse(MouseEvent(.press, x: 10, y: 4)))
        #expect(app.state.runsScreen.table.selected == 1 && app.state.selectedRun?.name.hasSuffix("two") == true)
        _ = app.handle(.mouse(MouseEvent(.press, x: 10, y: 9)))
        #expect(app.state.runsScreen.table.selected == 1, "below the rows: nothing")
    }

    /// At 80 columns the Runs table leaves out Base, Batch, Epochs and Strategy so that run names
    /// show whole (they read `12-05 …`); wide terminals keep every column, the base model's last.
    @Test func narrowRunsTablesKeepTheNames() throws {
        #expect(RunsScreen.columnsFitting(width: 158) == Array(RunsScreen.columns.indices))
        #expect(RunsScreen.columnsFitting(width: 78) == [0, 2, 5, 6, 7, 8])
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = DemoConfig.load()
        config.finetune.outputDir = dir.path
        let run = try RunDirectory.create(in: dir, name: "lr1e-3", date: Date(timeIntervalSince1970: 1_764_951_000))
        try (TrainingEvent.started(totalSteps: 1, stepsPerEpoch: 1, trainSamples: 1, resumedFrom: nil, wallTime: 0).jsonLine + "\n")
            .write(to: run.metrics, atomically: true, encoding: .utf8)
        var s = DashboardState(config: config, workingDirectory: dir.path)
        s.refreshRuns()
        #expect(RunSummary(run: run, config: config, status: nil, history: RunHistory()).cells.last == "scratch h\(config.model.hiddenSize)")
        var based = config
        based.model.base = "/data/models/DNABERT-2-117M"
        #expect(RunSummary(run: run, config: based, status: nil, history: RunHistory()).cells.last == "DNABERT-2-117M")
        let app = Dashboard.makeApp(state: s, initialScreen: Dashboard.Screens.runs.rawValue)
        let text = app.frame(width: 80, height: 24, unicode: true).text
        let short = try #require(s.runs.first?.shortName)
        #expect(text.contains(short) && !text.contains("Batch") && text.contains("Test"), "\(text)")
    }

    /// A run is listed on Runs from its start (it once appeared only when it ended).
    @Test func aRunIsListedFromItsStart() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = DemoConfig.load()
        config.finetune.outputDir = dir.appendingPathComponent("runs").path
        var s = DashboardState(config: config, workingDirectory: dir.path)
        s.refreshRuns()
        #expect(s.runs.isEmpty)
        let run = try RunDirectory.create(in: URL(fileURLWithPath: config.finetune.outputDir), name: "live")
        let started = TrainingEvent.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0)
        try (started.jsonLine + "\n").write(to: run.metrics, atomically: true, encoding: .utf8)
        s.absorb(started)
        #expect(s.runs.map(\.name) == [run.name])
    }

    /// `--bell`: the terminal bell rings once when a watched run ends, not for an end that was
    /// already in its file when it was opened, and never without the option.
    @Test(arguments: [true, false])
    func theBellRingsWhenARunEnds(_ enabled: Bool) throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try RunDirectory.create(in: dir, name: "bell")
        try DemoConfig.load().yaml().write(to: run.config, atomically: true, encoding: .utf8)
        let started = TrainingEvent.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0)
        try (started.jsonLine + "\n").write(to: run.metrics, atomically: true, encoding: .utf8)
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        s.bellOnEnd = enabled
        s.watch(run)
        let app = Dashboard.makeApp(state: s, initialScreen: Dashboard.trainScreen, readOnly: true)
        let t = ScriptedTerminal()
        _ = app.step(on: t)
        #expect(t.bells == 0)
        let handle = try FileHandle(forWritingTo: run.metrics)
        handle.seekToEndOfFile()
        handle.write((TrainingEvent.finished(step: 10, reason: .earlyStopped, wallTime: 3).jsonLine + "\n").data(using: .utf8)!)
        try handle.close()
        for _ in 0..<3 { _ = app.step(on: t) }
        #expect(app.state.history.finished != nil)
        #expect(t.bells == (enabled ? 1 : 0))
        // Opening a run that has ended already rings nothing.
        var again = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        again.bellOnEnd = true
        again.watch(run)
        let reopened = Dashboard.makeApp(state: again, initialScreen: Dashboard.trainScreen, readOnly: true)
        let t2 = ScriptedTerminal()
        for _ in 0..<3 { _ = reopened.step(on: t2) }
        #expect(t2.bells == 0)
    }

    /// The event source moves when the followed channel gets events, when the followed
    /// file grows, and whenever the source is switched.
    @Test func eventSourceMovesWithTheChannelAndTheFile() throws {
        let events = DashboardEvents()
        let g0 = events.generation
        #expect(events.generation == g0)
        let channel = EventChannel()
        events.follow(.channel(channel))
        let g1 = events.generation
        #expect(g1 != g0)
        channel.publish(.paused(step: 0, wallTime: 0))
        #expect(events.generation != g1)
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("metrics.jsonl")
        events.follow(.file(file.path))
        let g2 = events.generation
        try "{}\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(events.generation != g2)
    }

    /// `w` saves the config as YAML, `o` opens one (typed paths, Tab completes); a broken
    /// file gives the parser's message and keeps the config.
    @Test func modelScreenSavesAndOpensConfigFiles() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = Dashboard.makeApp(state: DashboardState(config: DemoConfig.load(), workingDirectory: dir.path))
        func type(_ text: String) { for c in text { _ = app.handle(.char(c)) } }
        _ = app.handle(.char("2"))
        _ = app.handle(.char("w"))
        _ = app.handle(.char("\u{15}"))
        type("saved.yaml")
        _ = app.handle(.enter)
        #expect(app.state.message == "saved saved.yaml")
        let saved = try TrainConfig.load(file: dir.appendingPathComponent("saved.yaml").path).config
        #expect(saved == app.state.config)
        // Into a folder that does not exist: said with the folder's name.
        _ = app.handle(.char("w"))
        _ = app.handle(.char("\u{15}"))
        type("sub/saved.yaml")
        _ = app.handle(.enter)
        #expect(app.state.message == "cannot save sub/saved.yaml: there is no folder \(dir.appendingPathComponent("sub").path)")

        try "finetune:\n  learning_rate: 0.25\n".write(to: dir.appendingPathComponent("other.yaml"), atomically: true, encoding: .utf8)
        _ = app.handle(.char("o"))
        #expect(app.screens[app.current].capturesKeys(app.state))
        _ = app.handle(.char("\u{15}"))
        type("ot")
        _ = app.handle(.tab)  // completes to other.yaml
        _ = app.handle(.enter)
        #expect(app.state.config.finetune.learningRate == 0.25)
        #expect(app.state.configPath == "other.yaml")
        #expect(app.frame(width: 100, height: 30, unicode: true).text.contains("0.25"))

        try "finetune:\n  learning_rate: -1\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        _ = app.handle(.char("o"))
        _ = app.handle(.char("\u{15}"))
        type("bad.yaml")
        _ = app.handle(.enter)
        #expect(app.state.message?.contains("bad.yaml:2") == true)
        #expect(app.state.config.finetune.learningRate == 0.25)

        // Saving over another existing file asks; Enter again replaces it, Esc keeps it.
        let badText = try String(contentsOf: dir.appendingPathComponent("bad.yaml"), encoding: .utf8)
        _ = app.handle(.char("w"))
        type("bad.yaml")   // replaces the selected name
        _ = app.handle(.enter)
        #expect(app.state.message == "bad.yaml exists: Enter again replaces it, Esc keeps it")
        #expect(app.state.modelScreen.fileInput != nil)
        _ = app.handle(.escape)
        #expect(try String(contentsOf: dir.appendingPathComponent("bad.yaml"), encoding: .utf8) == badText)
        _ = app.handle(.char("w"))
        type("bad.yaml")
        _ = app.handle(.enter)
        _ = app.handle(.enter)
        #expect(app.state.message == "saved bad.yaml")
        #expect(try TrainConfig.load(file: dir.appendingPathComponent("bad.yaml").path).config.finetune.learningRate == 0.25)
        // Saving the file that was opened needs no question.
        _ = app.handle(.char("w"))
        _ = app.handle(.enter)
        #expect(app.state.message == "saved bad.yaml")
    }

    /// At 80×24 the Data screen's panels are cut: each says how much it holds out of sight,
    /// Right gives a panel the arrows, and PgDn/G/g scroll it to its end and back.
    @Test func dataPanelsThatDoNotFitScroll() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        s.loadData()
        let app = Dashboard.makeApp(state: s)
        func frame() -> String { app.frame(width: 80, height: 24, unicode: true).text }
        #expect(frame().contains("↓8 Right scrolls"))
        #expect(!frame().contains("test  (imbalance"), "the last stage is out of sight")
        _ = app.handle(.right)
        #expect(app.state.dataScreen.focus == .balance)
        #expect(frame().contains("↓8 PgUp/PgDn g/G"))
        _ = app.handle(.char("G"))
        #expect(app.state.dataScreen.balanceScroll == 8)
        #expect(frame().contains("test  (imbalance 5.8:1)  n=280") && frame().contains("↑8 PgUp/PgDn g/G"))
        _ = app.handle(.pageDown)
        #expect(app.state.dataScreen.balanceScroll == 8, "not past the end")
        _ = app.handle(.up)
        #expect(app.state.dataScreen.balanceScroll == 7)
        _ = app.handle(.char("g"))
        #expect(app.state.dataScreen.balanceScroll == 0)
        #expect(app.current == 0, "g and G are no screen keys here")
        // The cleaning report, to its last step.
        _ = app.handle(.right)
        #expect(app.state.dataScreen.focus == .cleaning)
        #expect(!frame().contains("duplicates"))
        _ = app.handle(.pageDown); _ = app.handle(.pageDown); _ = app.handle(.pageDown)
        #expect(frame().contains("duplicates   removed 88"))
        // Back to the datasets: the arrows choose a dataset again.
        _ = app.handle(.left); _ = app.handle(.left)
        #expect(app.state.dataScreen.focus == .datasets)
        _ = app.handle(.down)
        #expect(app.state.dataScreen.cursor == 1)
        // A terminal tall enough shows everything and no scroll note.
        let tall = app.frame(width: 160, height: 48, unicode: true).text
        #expect(!tall.contains("Right scrolls") && tall.contains("duplicates"))
    }

    /// The event log wraps its lines, follows the newest, says what is out of sight; PgUp
    /// scrolls it back, G follows again, and `e` gives it the whole screen.
    @Test func theEventLogWrapsScrollsAndExpands() throws {
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.log = (1...40).map { "eval step \($0): eval_loss 0.6929 eval_mcc 0.4412 eval_accuracy 0.8512 eval_f1 0.5000 eval_auroc 0.9012" }
        let app = Dashboard.makeApp(state: s)
        _ = app.handle(.char("3"))
        func frame() -> String { app.frame(width: 100, height: 30, unicode: true).text }
        let first = frame()
        #expect(first.contains("eval_auroc") && first.contains("0.9012"), "wrapped, not cut:\n\(first)")
        #expect(first.contains("eval step 40:") && !first.contains("eval step 1:"))
        #expect(first.contains("e expands") && first.contains("↑"))
        _ = app.handle(.pageUp)
        #expect(app.state.trainScreen.eventsScroll > 0)
        #expect(!frame().contains("eval step 40:") && frame().contains("↓"))
        _ = app.handle(.char("g"))
        #expect(frame().contains("eval step 1:"))
        _ = app.handle(.char("G"))
        #expect(app.state.trainScreen.eventsScroll == 0 && frame().contains("eval step 40:"))
        _ = app.handle(.char("e"))
        let expanded = frame()
        #expect(expanded.contains("Events (e: back to the charts)") && !expanded.contains("Early stopping"))
        #expect(expanded.contains("eval step 40:"))
        _ = app.handle(.char("e"))
        #expect(frame().contains("Early stopping"))
    }

    /// Runs: `/` filters (name, note, #tags), `N` writes a note, `e` renames, `x` deletes after
    /// a `y`, `m` puts the marked runs side by side; a live run is neither renamed nor deleted.
    /// Runs, `X`: the selected run exported for Hugging Face's Trainer into a typed folder, in
    /// the background; the status line says where and what to run there.
    @Test func runsExportARunForGPUs() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("runs")
        let run = try RunDirectory.create(in: out, name: "demo")
        try DemoConfig.load().yaml().write(to: run.config, atomically: true, encoding: .utf8)
        try run.writeStatus(RunStatus(state: "completed", message: "", step: 10, pid: 1, updated: Date()))
        // Its learning rate was changed while it trained: the export starts from the new one.
        try MetricsLog(path: run.metrics.path).append(.learningRateChanged(step: 4, from: DemoConfig.load().finetune.learningRate,
                                                                             to: 2.5e-4, wallTime: 1))
        let app = Self.runsApp(workingIn: dir, runs: out)
        _ = app.handle(.char("4"))
        #expect(app.state.selectedRun?.givenName == "demo")
        _ = app.handle(.char("X"))
        #expect(app.screens[app.current].capturesKeys(app.state))
        #expect(app.frame(width: 100, height: 30, unicode: true).text.contains("demo for GPUs to folder: demo-gpu"))
        for c in "gpu-demo" { _ = app.handle(.char(c)) }
        _ = app.handle(.enter)
        #expect(app.state.message?.hasPrefix("exporting demo to \(dir.path)/gpu-demo with the learning rate 2.5e-4, set at step 4") == true,
                "\(app.state.message ?? "")")
        let deadline = Date().addingTimeInterval(60)
        while app.state.exportJob != nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            app.state.drain()
        }
        #expect(app.state.message?.hasPrefix("exported demo to \(dir.path)/gpu-demo") == true, "\(app.state.message ?? "")")
        for file in ["train.py", "config.yaml", "data/train.csv", "model/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("gpu-demo/" + file).path), "\(file)")
        }
        let exported = try TrainConfig.load(file: dir.appendingPathComponent("gpu-demo/config.yaml").path).config
        #expect(exported.finetune.learningRate == 2.5e-4)
        // The same folder again: not empty, so the export says so and writes nothing.
        _ = app.handle(.char("X"))
        for c in "gpu-demo" { _ = app.handle(.char(c)) }
        _ = app.handle(.enter)
        while app.state.exportJob != nil { Thread.sleep(forTimeInterval: 0.05); app.state.drain() }
        #expect(app.state.message?.contains("is not empty") == true, "\(app.state.message ?? "")")
    }

    /// Model, `X`: the current config exported for Hugging Face's Trainer.
    @Test func modelScreenExportsTheCurrentConfig() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = DemoConfig.load()
        config.finetune.learningRate = 2e-4
        let app = Dashboard.makeApp(state: DashboardState(config: config, workingDirectory: dir.path))
        _ = app.handle(.char("2"))
        _ = app.handle(.char("X"))
        #expect(app.frame(width: 100, height: 30, unicode: true).text.contains("Export for GPUs to folder"))
        for c in "demo-gpu" { _ = app.handle(.char(c)) }
        _ = app.handle(.enter)
        while app.state.exportJob != nil { Thread.sleep(forTimeInterval: 0.05); app.state.drain() }
        #expect(app.state.message?.hasPrefix("exported demo to \(dir.path)/demo-gpu") == true, "\(app.state.message ?? "")")
        let exported = try TrainConfig.load(file: dir.appendingPathComponent("demo-gpu/config.yaml").path).config
        #expect(exported.finetune.learningRate == 2e-4)
    }

    /// Runs, `A`: a Hugging Face Trainer output folder (a real run's files) joins the table,
    /// overlays with dnatune's runs, opens on Train, and `x` only takes it off the list.
    @Test func runsListAHuggingFaceTrainerFolder() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TrainingTests/Fixtures/tensorboard/hf_run")
        let out = dir.appendingPathComponent("runs")
        let run = try RunDirectory.create(in: out, name: "mine")
        try DemoConfig.load().yaml().write(to: run.config, atomically: true, encoding: .utf8)
        try [TrainingEvent.started(totalSteps: 4, stepsPerEpoch: 2, trainSamples: 16, resumedFrom: nil, wallTime: 0),
             .step(StepRecord(step: 1, epoch: 0.5, loss: 0.7, learningRate: 1e-3, gradNorm: 1, samplesPerSecond: 10, wallTime: 1)),
             .step(StepRecord(step: 2, epoch: 1, loss: 0.6, learningRate: 1e-3, gradNorm: 1, samplesPerSecond: 10, wallTime: 2))]
            .map { $0.jsonLine + "\n" }.joined().write(to: run.metrics, atomically: true, encoding: .utf8)
        let app = Self.runsApp(workingIn: dir, runs: out)
        _ = app.handle(.char("4"))
        _ = app.handle(.char("A"))
        for c in fixture.path { _ = app.handle(.char(c)) }
        _ = app.handle(.enter)
        #expect(app.state.message?.hasPrefix("added hf_run") == true, "\(app.state.message ?? "")")
        let added = try #require(app.state.runs.first { $0.isTrainerOutput })
        #expect(added.cells[1] == "HF" && added.ended == "completed" && added.history.trainLoss.count == 12)
        #expect(app.state.selectedRun?.name == "hf_run")
        // Marked with the dnatune run, overlaid.
        _ = app.handle(.char(" "))
        app.state.runsScreen.marked.append(run.name)
        _ = app.handle(.char("o"))
        let overlay = app.frame(width: 120, height: 40, unicode: true).text
        #expect(overlay.contains("hf_run"), "\(overlay)")
        _ = app.handle(.escape)
        // Off the list with x, its files untouched.
        _ = app.handle(.char("x"))
        #expect(!app.state.runs.contains { $0.isTrainerOutput })
        #expect(FileManager.default.fileExists(atPath: fixture.appendingPathComponent("trainer_state.json").path))
        // A folder with nothing of a Trainer's is refused.
        _ = app.handle(.char("A"))
        for c in dir.path { _ = app.handle(.char(c)) }
        _ = app.handle(.enter)
        #expect(app.state.message?.contains("no TensorBoard event files") == true, "\(app.state.message ?? "")")
    }

    @Test func runsFilterNoteRenameDeleteAndCompare() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("runs")
        func makeRun(_ name: String, mcc: Double, pid: Int32 = 1, state: String = "completed") throws -> RunDirectory {
            let run = try RunDirectory.create(in: out, name: name)
            try DemoConfig.load().yaml().write(to: run.config, atomically: true, encoding: .utf8)
            let events: [TrainingEvent] = [
                .started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0),
                .test(step: 10, metrics: ["test_mcc": mcc, "test_accuracy": 0.5 + mcc / 2], wallTime: 2),
                .finished(step: 10, reason: .completed, wallTime: 2),
            ]
            try events.map { $0.jsonLine + "\n" }.joined().write(to: run.metrics, atomically: true, encoding: .utf8)
            try run.writeStatus(RunStatus(state: state, message: "", step: 10, pid: pid, updated: Date()))
            return run
        }
        let a = try makeRun("alpha", mcc: 0.41), b = try makeRun("beta", mcc: 0.52)
        let live = try makeRun("gamma", mcc: 0.1, pid: getpid(), state: "running")
        let app = Self.runsApp(workingIn: dir, runs: out)
        func type(_ text: String) { for c in text { _ = app.handle(.char(c)) } }
        _ = app.handle(.char("4"))
        #expect(app.state.visibleRuns.count == 3)
        // A note with a tag, on the selected (first) run.
        _ = app.handle(.char("N"))
        #expect(app.screens[app.current].capturesKeys(app.state))
        type("rc aug #keep")
        _ = app.handle(.enter)
        #expect(a.readNote() == "rc aug #keep")
        #expect(app.state.runs.first { $0.name == a.name }?.tags == ["keep"])
        #expect(app.frame(width: 140, height: 30, unicode: true).text.contains("note: rc aug #keep"))
        // The filter applies as it is typed; Esc clears it.
        _ = app.handle(.char("/"))
        type("#keep")
        #expect(app.state.visibleRuns.map(\.name) == [a.name])
        _ = app.handle(.enter)
        #expect(app.frame(width: 140, height: 30, unicode: true).text.contains("1 of 3 match '#keep'"))
        _ = app.handle(.escape)
        #expect(app.state.runsScreen.filter.isEmpty && app.state.visibleRuns.count == 3)
        _ = app.handle(.char("/")); type("nothing-like-it"); _ = app.handle(.enter)
        #expect(app.frame(width: 140, height: 30, unicode: true).text.contains("No run matches 'nothing-like-it'"))
        _ = app.handle(.escape)
        // Rename the first run; the folder moves, its note with it.
        _ = app.handle(.char("e"))
        _ = app.handle(.char("\u{15}"))
        type("alpha renamed")
        _ = app.handle(.enter)
        #expect(app.state.message == "renamed \(a.name) to alpha_renamed")
        #expect(!FileManager.default.fileExists(atPath: a.url.path))
        #expect(RunDirectory(url: out.appendingPathComponent("alpha_renamed")).readNote() == "rc aug #keep")
        // Side by side: mark two (the renamed run now sorts last), m.
        _ = app.handle(.home); _ = app.handle(.char(" ")); _ = app.handle(.end); _ = app.handle(.char(" "))
        #expect(Set(app.state.runsScreen.marked) == [b.name, "alpha_renamed"])
        _ = app.handle(.char("m"))
        #expect(app.state.runsScreen.mode == .compare)
        let compare = app.frame(width: 140, height: 30, unicode: true).text
        #expect(compare.contains("2 run(s) side by side") && compare.contains("test_mcc") && compare.contains("0.4100") && compare.contains("0.5200"))
        let pair = try ["alpha_renamed", b.name].map { name in try #require(app.state.runs.first { $0.name == name }) }
        let rows = RunSummary.comparison(pair)
        #expect(rows.first { $0.label == "test_accuracy" }?.values == ["0.7050", "0.7600"])
        #expect(rows.first { $0.label == "note" }?.values == ["rc aug #keep", "-"])
        #expect(!rows.contains { $0.label == "LoRA targets" })  // neither is a LoRA run
        // With a LoRA run among them: each run's rank and targets.
        var lora = try #require(pair[0].config)
        lora.model.strategy = .lora; lora.lora.r = 4; lora.lora.targetModules = ["Wqkv"]
        let mixed = [RunSummary(run: pair[0].run, config: lora, status: nil, history: pair[0].history), pair[1]]
        #expect(RunSummary.comparison(mixed).first { $0.label == "LoRA targets" }?.values == ["r 4: Wqkv", "-"])
        _ = app.handle(.char("m"))
        // Delete asks; any key but y keeps; y deletes.
        _ = app.handle(.home)
        let first = try #require(app.state.selectedRun)
        _ = app.handle(.char("x"))
        #expect(app.frame(width: 140, height: 30, unicode: true).text.contains("y deletes, any other key keeps it"))
        _ = app.handle(.char("n"))
        #expect(app.state.message == "\(first.name) kept" && FileManager.default.fileExists(atPath: first.run.url.path))
        _ = app.handle(.char("x")); _ = app.handle(.char("y"))
        #expect(app.state.message == "deleted \(first.name)" && !FileManager.default.fileExists(atPath: first.run.url.path))
        #expect(app.state.runs.count == 2)
        // A live run stays.
        #expect(throws: RunError.self) { try live.delete() }
        #expect(throws: RunError.self) { _ = try live.renamed(to: "other") }
        #expect(throws: RunError.self) { _ = try b.renamed(to: live.name) }
        #expect(FileManager.default.fileExists(atPath: live.url.path))
    }

    /// `/` types a dataset path with Tab completion; Enter loads it.
    @Test func dataScreenLoadsATypedPath() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "sequence,label\n"
        var seed: UInt64 = 7
        for i in 0..<60 {
            var seq = ""
            for _ in 0..<40 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                seq.append(Array("ACGT")[Int(seed >> 62)])
            }
            csv += seq + ",\(i % 3 == 0 ? "b" : "a")\n"
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try csv.write(to: dir.appendingPathComponent("data/seqs.csv"), atomically: true, encoding: .utf8)
        let app = Dashboard.makeApp(state: DashboardState(config: DemoConfig.load(), workingDirectory: dir.path))
        _ = app.handle(.char("/"))
        for c in "da" { _ = app.handle(.char(c)) }
        _ = app.handle(.tab)
        _ = app.handle(.tab)
        #expect(app.state.dataScreen.pathInput?.value == "data/seqs.csv")
        #expect(app.frame(width: 80, height: 24, unicode: true).text.contains("path: data/seqs.csv"))
        _ = app.handle(.enter)
        DashboardFixtures.waitForData(app)
        #expect(app.state.dataScreen.pathInput == nil)
        #expect(app.state.config.data.sources == [dir.appendingPathComponent("data/seqs.csv").path])
        #expect(app.state.dataError == nil, "\(app.state.dataError ?? "")")
        #expect(app.state.data?.dataset.report.stages.first?.balance.total == 60)
        #expect(app.state.datasets.last?.source.hasSuffix("data/seqs.csv") == true)
        // The options form: balancing changes reload the data with the new strategy.
        _ = app.handle(.char("e"))
        _ = app.handle(.right)
        #expect(app.state.config.data.balancing == .none)
        _ = app.handle(.escape)
        #expect(!app.state.dataScreen.editingOptions)
    }

    @Test(arguments: [([Int](), 0), ([5], 1), ([5, 5], 1), ([1, 2], 2), ([1, 2, 3], 3), ([10, 20, 30, 40, 50], 6),
                      (Array(1...10), 5), (Array(1...100), 6)])
    func lengthDistributionBinsEveryLength(lengths: [Int], bins: Int) {
        let d = LengthDistribution(lengths: lengths)
        if lengths.isEmpty { #expect(d == nil); return }
        let dist = try! #require(d)
        #expect(dist.bins.count == bins)
        #expect(dist.bins.map(\.count).reduce(0, +) == lengths.count)
        #expect(dist.bins.first?.low == lengths.min() && dist.bins.last?.high == lengths.max())
        for (a, b) in zip(dist.bins, dist.bins.dropFirst()) { #expect(b.low == a.high + 1) }
        #expect(dist.median == lengths.sorted()[lengths.count / 2])
    }

    /// The Data screen's token lengths are counted with the run's tokenizer (special tokens
    /// included): with overlapping 3-mers a sequence of n bases is n tokens, so the truncated count
    /// is the number of sequences longer than max_length.
    @Test func tokenLengthsCountWhatMaxLengthCuts() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try DashboardFixtures.tinyConfig(outputDir: dir.path)
        let data = try PreparedData.prepare(config.data, seed: 1, task: config.task)
        var state = DashboardState(config: config)
        state.data = data
        let tokens = try #require(state.tokenLengths)
        let all = [data.dataset.train, data.dataset.validation, data.dataset.test].flatMap(\.sequences)
        #expect(tokens.count == all.count && tokens.max == all.map(\.count).max())
        #expect(tokens.countAbove(32) == all.filter { $0.count > 32 }.count)
        #expect(tokens.countAbove(32) > 0 && tokens.countAbove(1_000) == 0)
    }

    /// The Model screen's estimate: parameters as the model has them, the step time once the
    /// machine's rate is known, and a warning when the model will not fit in memory.
    @Test func modelScreenEstimatesCostAndWarnsWhenItWillNotFit() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var state = DashboardState(config: try DashboardFixtures.tinyConfig(outputDir: dir.path), workingDirectory: dir.path,
                                   catalog: ModelCatalog(directories: []))
        let screen = ModelScreen()
        var text = screen.estimateLines(state, unicode: true).map(\.0).joined(separator: "\n")
        let model = try BertModel(config: try #require(state.chosenArchitecture), head: .classification, workers: 1)
        let count = model.parameters.count
        #expect(text.contains(count >= 1000 ? String(format: "%.0fk parameters", Double(count) / 1e3) : "\(count) parameters"), "\(text)")
        #expect(!text.contains("a step") && !text.contains("will not fit"))
        state.machineGFLOPs = 50
        state.physicalMemory = 1 << 20  // 1 MB
        text = screen.estimateLines(state, unicode: false).map(\.0).joined(separator: "\n")
        #expect(text.contains("ms a step") && text.contains("will not fit: needs ~"), "\(text)")
        #expect(DashboardFixtures.isASCII(text))
        // A step too small to count in milliseconds is not "0 ms".
        state.machineGFLOPs = 1e9
        text = screen.estimateLines(state, unicode: false).map(\.0).joined(separator: "\n")
        #expect(text.contains("under 1 ms a step") && !text.contains(" 0 ms"), "\(text)")
        // With data loaded whose sequences are shorter than max_length, the estimate is for
        // their tokens (a classifier's batch packs the padding out), and says so.
        state.config.data.tokenizer.maxLength = 512
        #expect(screen.estimateLines(state, unicode: false).map(\.0).joined().contains("batch 16 x 512"))
        let long = text
        state.loadData()
        let longest = try #require(state.data?.encodedTrain.longestEncoding)
        #expect(longest > 0 && longest < 512)
        text = screen.estimateLines(state, unicode: false).map(\.0).joined(separator: "\n")
        #expect(text.contains("batch 16 x \(longest) tokens (the data's longest)"), "\(text)")
        #expect(text != long)
    }

    /// A base given as a model folder's path, not found by name, still gets its summary and
    /// estimate on the Model screen — relative paths from the working directory.
    @Test func aModelFolderPathGetsItsEstimate() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: DashboardFixtures.repositoryModels.appendingPathComponent("dnabert-tiny-3mer"),
                                         to: dir.appendingPathComponent("DNA_bert_3"))
        var config = try DashboardFixtures.tinyConfig(outputDir: dir.path)
        config.model.base = "./DNA_bert_3"
        var state = DashboardState(config: config, workingDirectory: dir.path, catalog: ModelCatalog(directories: []))
        let architecture = try #require(state.chosenArchitecture)
        #expect(architecture.hiddenSize == 128 && architecture.numHiddenLayers == 4)
        #expect(state.chosenBase?.summary.contains("hidden 128, 4 layers") == true)
        let text = ModelScreen().estimateLines(state, unicode: true).map(\.0).joined(separator: "\n")
        #expect(text.contains("parameters") && text.contains("trained"), "\(text)")
        state.config.model.base = dir.appendingPathComponent("missing").path
        #expect(state.chosenArchitecture == nil)
    }

    /// The Model screen's fields where 0 stands for null ("max minutes": no limit; "weight EMA": no
    /// average): 0 reads and writes as null, a number as itself.
    @Test(arguments: [("finetune.max_minutes", "55"), ("finetune.ema_decay", "0.999")])
    func zeroInTheFormIsNull(path: String, value: String) throws {
        let field = try #require(ConfigField.model(baseModels: []).first { $0.path == path })
        var config = DemoConfig.load()
        #expect(field.read(config) == "0")
        #expect(field.assignments("0", config) == ["\(path)=null"])
        config = try TrainConfig.parse(yaml: config.yaml(), overrides: field.assignments(value, config)).config
        #expect(field.read(config) == value)
        #expect(try TrainConfig.parse(yaml: config.yaml()).config.yaml() == config.yaml())
    }

    /// The summary names the time limit; the weight EMA field refuses a decay of 1 as the reader does.
    @Test func theSummaryShowsTheTimeLimitAndTheFormRefusesADecayOfOne() throws {
        var config = DemoConfig.load()
        config.finetune.maxMinutes = 55
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = DashboardState(config: config, workingDirectory: dir.path, catalog: ModelCatalog(directories: []))
        #expect(ModelScreen().render(s, width: 160, height: 48, unicode: true).text.contains("at most 55 min"))
        let ema = try #require(ConfigField.model(baseModels: []).first { $0.path == "finetune.ema_decay" }).formField(config)
        #expect(ema.validate("1") != nil && ema.validate("0.5") == nil && ema.validate("0") == nil)
        #expect(throws: ConfigError.self) { try TrainConfig.parse(yaml: config.yaml(), overrides: ["finetune.ema_decay=1"]) }
    }

    /// Attached to a run whose process is killed: no event says so, so the dashboard's tick
    /// looks at the run's status once a second, and says the process is gone (once) and how to
    /// resume; the status line and the attach controls follow, painted without a key.
    @Test func anAttachedRunWhoseProcessDiesIsNoticedWithoutAKey() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try RunDirectory.create(in: dir.appendingPathComponent("runs"), name: "killed")
        try DemoConfig.load().yaml().write(to: run.config, atomically: true, encoding: .utf8)
        try (TrainingEvent.started(totalSteps: 100, stepsPerEpoch: 10, trainSamples: 320, resumedFrom: nil, wallTime: 0).jsonLine + "\n")
            .write(to: run.metrics, atomically: true, encoding: .utf8)
        // A pid that is no process: kill(pid, 0) fails.
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run(); dead.waitUntilExit()
        try run.writeStatus(RunStatus(state: "running", message: "", step: 7, pid: dead.processIdentifier, updated: Date()))
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        s.watch(run, attach: true)
        #expect(s.attachedToLiveRun)
        let app = Dashboard.makeApp(state: s, initialScreen: 2)
        app.tickInterval = 0
        let terminal = OffscreenTerminal(width: 100, height: 30)
        _ = app.step(on: terminal)
        #expect(!app.state.attachedToLiveRun && app.state.watchedProcessGone)
        #expect(app.state.message?.contains("is gone without finishing (killed?): dnatune train --resume \(run.url.path)") == true,
                "\(app.state.message ?? "")")
        #expect(app.state.log.filter { $0.contains("is gone without finishing") }.count == 1)
        #expect(app.frame(width: 100, height: 30, unicode: true).text.contains("watching (ended)"))
        // Said once.
        var again = app.state
        let changed = again.checkWatchedProcess()
        #expect(!changed)
    }

    /// The offscreen terminal counts the cells each frame changes, answers queued keys first,
    /// and repaints everything after `invalidate`.
    @Test func offscreenTerminalCountsChangedCells() {
        let t = OffscreenTerminal(width: 10, height: 2)
        var g = CellGrid(width: 10, height: 2)
        t.paint(g)
        #expect(t.cellsChanged == 20 && t.framesPainted == 1)
        t.paint(g)
        #expect(t.cellsChanged == 20)
        g.put("abc", x: 0, y: 1)
        t.paint(g)
        #expect(t.cellsChanged == 23)
        t.invalidate()
        t.paint(g)
        #expect(t.cellsChanged == 43 && t.framesPainted == 4)
        t.pendingKeys = [.char("q")]
        #expect(t.readKey(timeoutMs: 1000) == .char("q"))
        #expect(t.readKey(timeoutMs: 1) == nil)
    }
}

