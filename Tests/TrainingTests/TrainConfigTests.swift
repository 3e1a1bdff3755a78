import Foundation
import Testing
@testable import Training

/// Loading, validating, overriding and writing training configs.
@Suite struct TrainConfigTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("configs/\(name)").path
    }

    /// The issues a YAML text produces, or [] when it loads.
    func errors(_ yaml: String, overrides: [String] = []) -> [ConfigIssue] {
        do { _ = try TrainConfig.parse(yaml: yaml, file: "c.yaml", overrides: overrides); return [] } catch let e as ConfigError {
            return e.issues
        } catch { return [ConfigIssue(.error, path: "?", "\(error)")] }
    }

    @Test(arguments: ["", "# only a comment\n", "---\n", "task:\n", "finetune: {}\n"])
    func emptyConfigGivesDefaults(_ yaml: String) throws {
        let loaded = try TrainConfig.parse(yaml: yaml)
        #expect(loaded.config == TrainConfig())
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.config.finetune.metricForBestModel == "eval_loss" && !loaded.config.finetune.greaterIsBetter)
        #expect(loaded.config.data.isDemo && loaded.config.model.isScratch)
    }

    /// A DNALLM fine-tuning config loads as-is; its DNALLM-only keys are listed, not dropped.
    @Test func dnallmConfigLoads() throws {
        let loaded = try TrainConfig.load(file: Self.fixture("dnallm_lora_finetune.yaml"))
        let c = loaded.config
        #expect(c.task.taskType == .binary && c.task.numLabels == 2 && c.task.labelNames == ["non_promoter", "promoter"])
        let f = c.finetune
        #expect(f.outputDir == "./outputs" && f.numTrainEpochs == 2 && f.maxSteps == -1)
        #expect(f.perDeviceTrainBatchSize == 16 && f.perDeviceEvalBatchSize == 32 && f.gradientAccumulationSteps == 1)
        #expect(f.learningRate == 2e-5 && f.weightDecay == 0.01 && f.adamEpsilon == 1e-8 && f.maxGradNorm == 1)
        #expect(f.adamBeta1 == 0.9 && f.adamBeta2 == 0.999 && f.warmupRatio == 0.1 && f.lrSchedulerType == .linear)
        #expect(f.loggingStrategy == .steps && f.loggingSteps == 50 && f.evalStrategy == .steps && f.evalSteps == 100)
        #expect(f.saveStrategy == .steps && f.saveSteps == 500 && f.saveTotalLimit == 20 && f.seed == 42)
        #expect(f.metricForBestModel == "eval_loss" && !f.greaterIsBetter && f.loadBestModelAtEnd)
        #expect(f.earlyStopping == .init(patience: 3, threshold: 0.001))
        #expect(c.lora.r == 8 && c.lora.loraAlpha == 32 && c.lora.loraDropout == 0.1 && c.lora.targetModules == ["query", "value"])
        #expect(c.data == TrainConfig.DataOptions() && c.model == TrainConfig.Model())
        #expect(loaded.warnings.map(\.path) == ["finetune.report_to", "inference"])
        #expect(loaded.warnings.map(\.line) == [40, 54])
        #expect(loaded.warnings.allSatisfy { $0.kind == .ignoredKey })
        #expect(loaded.lines["finetune.learning_rate"] == 26 && loaded.lines["lora.r"] == 47)
        let es = c.makeEarlyStopping()
        #expect(es.metric == "eval_loss" && !es.greaterIsBetter && es.patience == 3 && es.threshold == 0.001)
    }

    @Test(arguments: ["demo.yaml", "gue_prom_core_tata.yaml"])
    func exampleConfigsLoadCleanly(_ name: String) throws {
        let loaded = try TrainConfig.load(file: Self.packageRoot.appendingPathComponent("examples/\(name)").path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.config.finetune.metricForBestModel == "eval_mcc" && loaded.config.finetune.greaterIsBetter)
        #expect(loaded.config.finetune.earlyStopping.patience != nil)
    }

    /// An example config names its data relative to itself, so it loads the same data from
    /// any working directory (it once resolved `../shared/data/...` against the directory the
    /// command ran in and loaded the wrong folder).
    @Test func exampleDataPathsAreRelativeToTheConfigFile() throws {
        let file = Self.packageRoot.appendingPathComponent("examples/gue_prom_core_tata.yaml").path
        let loaded = try TrainConfig.load(file: file)
        let expected = Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/gue/prom_core_tata").path
        #expect(loaded.config.data.sources.map { ConfigPaths.absolute($0) } == [expected])
        let pretrained = try TrainConfig.load(file: Self.packageRoot.appendingPathComponent("examples/pretrained/tf_0-full.yaml").path)
        #expect(pretrained.config.data.sources.map { ConfigPaths.absolute($0) }
                == [Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/gue/tf_0").path])
        #expect(pretrained.config.model.base == "dnabert-tiny-6mer", "a catalog name is no path")
    }

    /// Every shipped example config loads without an error or a warning.
    @Test func everyExampleConfigLoadsCleanly() throws {
        let root = Self.packageRoot.appendingPathComponent("examples")
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.contains("recipe.yaml") && files.contains("demo-regression.yaml") && files.count >= 10)
        for file in files {
            let loaded = try TrainConfig.load(file: root.appendingPathComponent(file).path)
            #expect(loaded.warnings.isEmpty, "\(file): \(loaded.warnings)")
        }
    }

    @Test func configPathArithmetic() {
        #expect(ConfigPaths.normalize("examples/../../shared/./data/") == "../shared/data")
        #expect(ConfigPaths.normalize("/a/b/../../../c") == "/c")
        #expect(ConfigPaths.normalize("a/..") == ".")
        #expect(ConfigPaths.relative("/work/shared/data", to: "/work/main") == "../shared/data")
        #expect(ConfigPaths.relative("/work/main/x.csv", to: "/work/main") == "x.csv")
        #expect(ConfigPaths.relative("/work/main", to: "/work/main") == ".")
        #expect(ConfigPaths.relative("/tmp/x.csv", to: "/work/main") == "/tmp/x.csv", "nothing shared but the root")
        #expect(ConfigPaths.rebase("../../shared/data", from: "/work/main/examples", to: "/work/main") == "../shared/data")
        #expect(ConfigPaths.rebase("data.csv", from: "/work/main/examples", to: nil) == "/work/main/examples/data.csv")
        #expect(ConfigPaths.rebase("/abs/data.csv", from: "/x", to: "/y") == "/abs/data.csv")
        #expect(ConfigPaths.rebase("~/data.csv", from: "/x", to: "/y") == "~/data.csv")
        #expect(ConfigPaths.rebase("./d.csv", from: "/x", to: "/x") == "./d.csv", "unchanged when nothing moves")
        #expect(ConfigPaths.absolute("a/../b", cwd: "/w") == "/w/b")
    }

    /// Every input path of a config file is read against the file's folder; what the command
    /// line sets, built-in data, streams and catalog names are left alone; saving into another
    /// folder and loading back gives the same paths.
    @Test func inputPathsResolveAgainstTheConfigFileAndSurviveASaveElsewhere() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("dnatune-paths-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        try fm.createDirectory(at: dir.appendingPathComponent("configs/local-model"), withIntermediateDirectories: true)
        let yaml = """
            data:
              sources: [../data/train.csv, "-"]
              tokenizer: {kind: vocab, vocab: ../vocab/vocab.txt}
            model: {base: local-model}
            """
        let file = dir.appendingPathComponent("configs/x.yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let c = try TrainConfig.load(file: file).config
        // Held relative to the working directory (or absolute when they share only the root):
        // made absolute, they are the files beside the config.
        func absolute(_ p: String?) -> String? { p.map { $0 == "-" ? $0 : ConfigPaths.absolute($0) } }
        let root = ConfigPaths.normalize(dir.path)
        #expect(c.data.sources.map(absolute) == [root + "/data/train.csv", "-"])
        #expect(absolute(c.data.tokenizer.vocab) == root + "/vocab/vocab.txt")
        #expect(absolute(c.model.base) == root + "/configs/local-model", "a folder beside the config")
        // Overrides are the command line's: relative to the working directory.
        let o = try TrainConfig.load(file: file, overrides: ["data.sources=[mine.csv]", "model.base=DNABERT-2-117M"]).config
        #expect(o.data.sources == ["mine.csv"] && o.model.base == "DNABERT-2-117M")
        #expect(absolute(o.data.tokenizer.vocab) == root + "/vocab/vocab.txt")
        // The old reading, for run directories written by earlier versions.
        let raw = try TrainConfig.load(file: file, pathsRelativeToFile: false).config
        #expect(raw.data.sources == ["../data/train.csv", "-"] && raw.model.base == "local-model")
        // Saved elsewhere (as the dashboard's `w` does), the file's paths are relative to it.
        let cwd = fm.currentDirectoryPath
        let other = dir.appendingPathComponent("elsewhere/deeper")
        try fm.createDirectory(at: other, withIntermediateDirectories: true)
        let saved = other.appendingPathComponent("y.yaml").path
        try c.rebasingPaths(from: cwd, to: other.path).yaml().write(toFile: saved, atomically: true, encoding: .utf8)
        let back = try TrainConfig.load(file: saved).config
        #expect(back.data.sources == c.data.sources && back.data.tokenizer.vocab == c.data.tokenizer.vocab && back.model.base == c.model.base)
        // Relative paths in memory (under the working directory) are written relative to the file.
        var inProject = TrainConfig()
        inProject.data.sources = ["data/a.csv"]
        inProject.data.tokenizer.vocab = "models/m/vocab.txt"
        inProject.model.base = "models/m"
        let moved = inProject.rebasingPaths(from: "/w/project", to: "/w/project/configs/gue")
        #expect(moved.data.sources == ["../../data/a.csv"] && moved.data.tokenizer.vocab == "../../models/m/vocab.txt"
                && moved.model.base == "../../models/m")
        #expect(moved.rebasingPaths(from: "/w/project/configs/gue", to: "/w/project").data.sources == ["data/a.csv"])
        // A run's own copy holds absolute paths.
        let run = TrainConfig().rebasingPaths(from: "/w/project", to: nil)
        #expect(run.data.sources == ["demo"])
        var rel = TrainConfig()
        rel.data.sources = ["data/a.csv"]
        #expect(rel.rebasingPaths(from: "/w/project", to: nil).data.sources == ["/w/project/data/a.csv"])
    }

    /// Each invalid value names its key path, its line, and what is allowed.
    @Test(arguments: [
        ("finetune:\n  learning_rate: -1\n", "finetune.learning_rate", 2, "-1 is out of range: must be > 0"),
        ("finetune:\n  learning_rate: fast\n", "finetune.learning_rate", 2, "expected a finite number, got 'fast' (must be > 0"),
        ("finetune:\n  num_train_epochs: 0\n", "finetune.num_train_epochs", 2, "must be > 0"),
        ("finetune:\n  max_steps: 0\n", "finetune.max_steps", 2, "must be -1 (train by epochs) or ≥ 1"),
        ("finetune:\n  per_device_train_batch_size: 2.5\n", "finetune.per_device_train_batch_size", 2, "expected a whole number"),
        ("finetune:\n  adam_beta2: 1\n", "finetune.adam_beta2", 2, "must be ≥ 0 and < 1"),
        ("finetune:\n  eval_strategy: sometimes\n", "finetune.eval_strategy", 2, "'sometimes' is not one of: no | steps | epoch"),
        ("finetune:\n  eval_strategy: no\n  load_best_model_at_end: false\n  callbacks:\n    early_stopping:\n      patience: 3\n",
         "finetune.callbacks.early_stopping.patience", 6, "early stopping needs evaluations, but eval_strategy is no"),
        ("finetune:\n  learning_rate: .nan\n", "finetune.learning_rate", 2, "expected a finite number, got '.nan' (must be > 0"),
        ("finetune:\n  weight_decay: .inf\n", "finetune.weight_decay", 2, "expected a finite number, got '.inf' (must be"),
        ("finetune:\n  eval_steps: 0\n", "finetune.eval_steps", 2, "must be ≥ 1"),
        ("finetune:\n  lr_scheduler_type: reduce_lr_on_plateau\n", "finetune.lr_scheduler_type", 2, "not one of: linear | cosine | cosine_with_restarts"),
        ("finetune:\n  lr_scheduler_kwargs:\n    num_cycles: 2\n", "finetune.lr_scheduler_kwargs.num_cycles", 3, "not a parameter of lr_scheduler_type linear (it takes none)"),
        ("finetune:\n  lr_scheduler_type: polynomial\n  learning_rate: 1e-4\n  lr_scheduler_kwargs: {lr_end: 0.01}\n", "finetune.lr_scheduler_kwargs.lr_end", 4, "must be below learning_rate"),
        ("finetune:\n  metric_for_best_model: eval_bleu\n", "finetune.metric_for_best_model", 2, "choose one of: eval_loss, eval_accuracy"),
        ("finetune:\n  metric_for_best_model: f1_weighted\n", "finetune.metric_for_best_model", 2, "not a metric of a binary task"),
        ("finetune:\n  eval_steps: 100\n  save_steps: 150\n", "finetune.save_steps", 3, "not a multiple of eval_steps 100"),
        ("finetune:\n  eval_strategy: epoch\n", "finetune.save_strategy", 2, "load_best_model_at_end needs both the same"),
        ("finetune:\n  seed: 1\n  seed: 2\n", "", nil, "a key is written twice in one section: 'seed'; keep one"),
        ("finetune:\n  callbacks:\n    early_stopping:\n      patience: 0\n", "finetune.callbacks.early_stopping.patience", 4, "must be ≥ 1"),
        ("finetune:\n  callbacks:\n    early_stopping:\n      threshold: -0.1\n", "finetune.callbacks.early_stopping.threshold", 4, "must be ≥ 0"),
        ("finetune:\n  greater_is_better: maybe\n", "finetune.greater_is_better", 2, "expected true or false"),
        ("finetune:\n  seed: [1, 2]\n", "finetune.seed", 2, "expected a single value, got a list"),
        ("finetune: 5\n", "finetune", 1, "expected a mapping of keys"),
        ("task:\n  task_type: ranking\n", "task.task_type", 2, "'ranking' is not one of: binary | multiclass | regression | multilabel"),
        ("data:\n  balancing: pos_weight\n", "data.balancing", 2, "pos_weight is for task_type multilabel"),
        ("task: {task_type: regression}\ndata:\n  balancing: weights\n", "data.balancing", 3, "a regression task has none"),
        ("task: {task_type: multilabel}\ndata:\n  balancing: upsample\n", "data.balancing", 3, "balances with pos_weight"),
        ("data:\n  label_columns: [a, b]\n", "data.label_columns", 2, "for task_type regression or multilabel"),
        ("task: {task_type: regression, num_labels: 2}\ndata:\n  label_columns: [a, b, c]\n", "data.label_columns", 3, "3 columns for num_labels 2"),
        ("task: {task_type: multilabel}\nfinetune:\n  metric_for_best_model: eval_mcc\n", "finetune.metric_for_best_model", 3,
         "'eval_mcc' is not a metric of a multilabel task"),
        ("task: {task_type: regression}\nfinetune:\n  metric_for_best_model: eval_macro_f1\n", "finetune.metric_for_best_model", 3,
         "'eval_macro_f1' is not a metric of a regression task"),
        ("task:\n  task_type: binary\n  num_labels: 3\n", "task.num_labels", 3, "must be 2 (use multiclass for more)"),
        ("task:\n  task_type: multiclass\n", "task.num_labels", 2, "required for task_type multiclass"),
        ("task:\n  task_type: multiclass\n  num_labels: 3\n  label_names: [a, b]\n", "task.label_names", 4, "2 names for num_labels 3"),
        ("task:\n  label_names: [a, a]\n", "task.label_names", 2, "must be distinct"),
        ("lora:\n  lora_dropout: 1.5\n", "lora.lora_dropout", 2, "must be ≥ 0 and < 1"),
        ("lora:\n  r: 0\n", "lora.r", 2, "must be 1…4096"),
        ("model:\n  strategy: lora\nlora:\n  target_modules: [x_proj, in_proj]\n", "lora.target_modules", 4, "'x_proj' is not a linear module of BERT"),
        ("model:\n  strategy: lora\nlora:\n  modules_to_save: [pooler, lm_head]\n", "lora.modules_to_save", 4, "'lm_head' is not a module of a BERT classifier"),
        ("model:\n  strategy: adapters\n", "model.strategy", 2, "not one of: full | lora | frozen"),
        ("model:\n  hidden_size: 100\n  num_attention_heads: 3\n", "model.num_attention_heads", 3, "does not divide hidden_size 100"),
        ("model:\n  strategy: lora\n  freeze_layers: 2\n", "model.freeze_layers", 3, "applies to strategy full only"),
        ("model:\n  freeze_layers: 5\n", "model.freeze_layers", 2, "must be 0…4"),
        ("model:\n  dropout: 1\n", "model.dropout", 2, "must be ≥ 0 and < 1"),
        ("data:\n  sources: []\n", "data.sources", 2, "give `demo`, a directory, or a list of files"),
        ("data:\n  sources: [demo, x.csv]\n", "data.sources", 2, "cannot be combined"),
        ("data:\n  split:\n    train: 0.8\n    validation: 0.3\n", "data.split", 3, "must add up to 1"),
        ("data:\n  split:\n    validation: 0\n", "data.split.validation", 3, "must be > 0 and < 1"),
        ("data:\n  balancing: weights\n  class_weights: [1, 2, 3]\n", "data.class_weights", 3, "3 weights for num_labels 2"),
        ("data:\n  class_weights: [1, 2]\n", "data.class_weights", 2, "set balancing: weights"),
        ("data:\n  balancing: weights\n  class_weights: [1, -2]\n", "data.class_weights", 3, "-2 is out of range: must be > 0"),
        ("data:\n  balancing: smote\n", "data.balancing", 2, "not one of: none | downsample | upsample | weights"),
        ("data:\n  tokenizer:\n    k: 8\n", "data.tokenizer.k", 3, "must be 3…6"),
        ("data:\n  tokenizer:\n    vocab: v.txt\n", "data.tokenizer.vocab", 3, "set kind: vocab"),
        ("data:\n  cleaning:\n    adapters:\n      sequences: [AGATCXX]\n", "data.cleaning.adapters.sequences", 4, "not a DNA sequence"),
        ("data:\n  cleaning:\n    adapters:\n      enabled: sometimes\n", "data.cleaning.adapters.enabled", 4, "not one of: auto | true | false"),
        ("data:\n  cleaning:\n    min_length: 50\n    max_length: 20\n", "data.cleaning.max_length", 4, "is below min_length 50"),
        ("data:\n  cleaning:\n    max_n_fraction: 2\n", "data.cleaning.max_n_fraction", 3, "must be between 0 and 1"),
        ("data:\n  ambiguity: keep\n", "data.ambiguity", 2, "not one of: n | drop"),
    ] as [(String, String, Int?, String)])
    func invalidValueIsReported(_ yaml: String, _ path: String, _ line: Int?, _ message: String) throws {
        let issues = errors(yaml).filter { $0.kind == .error }  // warnings come along with errors
        let issue = try #require(issues.first, "no error for \(yaml)")
        #expect(issues.count == 1, "\(issues)")
        #expect(issue.path == path && issue.kind == .error)
        if let line { #expect(issue.line == line, "\(issue)") }
        #expect(issue.message.contains(message), "\(issue.message)")
        #expect(issue.description.hasPrefix("c.yaml:\(line.map(String.init) ?? "")"))
    }

    @Test func everyErrorIsReportedInLineOrder() {
        let issues = errors("model:\n  strategy: x\nfinetune:\n  seed: -1\n  learning_rate: 0\n")
        #expect(issues.map(\.path) == ["model.strategy", "finetune.seed", "finetune.learning_rate"])
        #expect(issues.map(\.line) == [2, 4, 5])
        let text = ConfigError(issues).description
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.hasPrefix("c.yaml:2:13: model.strategy: 'x' is not one of: full | lora | frozen"))
    }

    /// A config with errors still lists its unknown keys (often the cause), after the errors.
    @Test func warningsComeWithTheErrors() {
        let issues = errors("finetune:\n  learning_rat: 1e-4\n  seed: -1\n")
        #expect(issues.map(\.kind) == [.error, .unknownKey])
        #expect(ConfigError(issues).description.split(separator: "\n").last?.contains("c.yaml:2:3: warning: finetune.learning_rat") == true)
    }

    /// LoRA, a frozen encoder or frozen layers on a scratch model are allowed but warned about.
    @Test func adaptersOnAScratchModelAreWarnedAbout() throws {
        for yaml in ["model: {base: scratch, strategy: lora}\n", "model: {base: scratch, strategy: frozen}\n",
                     "model: {base: scratch, freeze_layers: 1}\n"] {
            let loaded = try TrainConfig.parse(yaml: yaml, file: "c.yaml")
            #expect(loaded.warnings.contains { $0.kind == .unusualValue && $0.message.contains("scratch model") }, "\(yaml)")
        }
        #expect(try TrainConfig.parse(yaml: "model: {base: scratch, strategy: full}\n").warnings.isEmpty)
        #expect(try TrainConfig.parse(yaml: "model: {base: models/x, strategy: lora}\n").warnings.isEmpty)
    }

    /// `eval_strategy: no` trains without evaluations, as HF's Trainer does.
    @Test func evalStrategyNoEvaluatesNothingDuringTraining() throws {
        let config = try TrainConfig.parse(yaml: "finetune:\n  eval_strategy: no\n  load_best_model_at_end: false\n  max_steps: 10\n").config
        let plan = TrainingPlan(config: config, trainSamples: 100)
        #expect((1...10).allSatisfy { !plan.evaluates(after: $0) })
        #expect(plan.saves(after: plan.saveEverySteps ?? plan.stepsPerEpoch))
        #expect(try TrainConfig.parse(yaml: config.yaml()).config.finetune.evalStrategy == .no)
    }

    /// `logging_strategy` (HF's key): the loss is logged every `logging_steps`, once an epoch, or —
    /// with `no` — at the last step only, where status.json still follows every `logging_steps`.
    @Test func loggingStrategyDecidesTheLoggingInterval() throws {
        let base = "finetune: {per_device_train_batch_size: 32, num_train_epochs: 2, logging_steps: 5"
        let steps = try TrainConfig.parse(yaml: base + "}\n").config
        #expect(TrainingPlan(config: steps, trainSamples: 2241).loggingSteps == 5)
        let epoch = try TrainConfig.parse(yaml: base + ", logging_strategy: epoch}\n").config
        #expect(epoch.finetune.loggingInterval(stepsPerEpoch: 71) == 71)
        #expect(TrainingPlan(config: epoch, trainSamples: 2241).loggingSteps == 71)
        let none = try TrainConfig.parse(yaml: base + ", logging_strategy: no}\n").config
        #expect(none.finetune.loggingInterval(stepsPerEpoch: 71) == nil)
        #expect(TrainingPlan(config: none, trainSamples: 2241).loggingSteps == 5)
        #expect(try TrainConfig.parse(yaml: epoch.yaml()).config.finetune.loggingStrategy == .epoch)
    }

    /// `dataloader_drop_last` (HF's key): the plan counts only full batches; a kept runt (under a
    /// quarter of a batch) is named so that the run can say so.
    @Test func dropLastAndRuntBatches() throws {
        let keep = try TrainConfig.parse(yaml: "finetune: {per_device_train_batch_size: 32, num_train_epochs: 1}\n").config
        let plan = TrainingPlan(config: keep, trainSamples: 2241)
        #expect(plan.stepsPerEpoch == 71 && plan.runtBatch(trainSamples: 2241, batchSize: 32) == 1)
        #expect(plan.runtBatch(trainSamples: 2248, batchSize: 32) == nil)  // 8 of 32: not a runt
        #expect(plan.runtBatch(trainSamples: 20, batchSize: 32) == nil)    // one partial batch is the epoch
        let drop = try TrainConfig.parse(yaml: "finetune: {per_device_train_batch_size: 32, num_train_epochs: 1, dataloader_drop_last: true}\n").config
        #expect(drop.finetune.dataloaderDropLast)
        let dropping = TrainingPlan(config: drop, trainSamples: 2241)
        #expect(dropping.stepsPerEpoch == 70 && dropping.totalSteps == 70 && dropping.runtBatch(trainSamples: 2241, batchSize: 32) == nil)
        #expect(try TrainConfig.parse(yaml: drop.yaml()).config.finetune.dataloaderDropLast)
    }

    /// The data's classes against the task: the count always, the names when the config gives
    /// them, except that integer labels 0…n−1 are ids that label_names names.
    @Test func taskMismatchWithTheData() throws {
        let binary = try TrainConfig.parse(yaml: "task: {task_type: binary}\n").config.task
        #expect(binary.mismatch(with: ["a", "b"], sources: ["x.csv"]) == nil)
        #expect(binary.mismatch(with: ["a", "b", "c"], sources: ["x.csv"])?.contains("x.csv has 3 classes (a, b, c) but task.num_labels is 2") == true)
        let named = try TrainConfig.parse(yaml: "task: {task_type: binary, label_names: [cat, dog]}\n").config.task
        #expect(named.mismatch(with: ["dog", "cat"], sources: ["x"]) == nil)
        #expect(named.mismatch(with: ["0", "1"], sources: ["x"]) == nil)
        #expect(named.mismatch(with: ["non_promoter", "promoter"], sources: ["demo"])?.contains("task.label_names is [cat, dog]") == true)
        #expect(named.mismatch(with: ["non_promoter", "promoter"], sources: ["demo"], checkNames: false) == nil)
        // A config without label_names writes none, so that a round trip does not invent them.
        let roundTrip = try TrainConfig.parse(yaml: TrainConfig().yaml()).config.task
        #expect(!binary.labelNamesGiven && !roundTrip.labelNamesGiven)
    }

    /// A missing data file is reported against the config's data.sources line.
    @Test func missingSourcesNameTheConfigLine() throws {
        let loaded = try TrainConfig.parse(yaml: "task: {task_type: binary}\ndata:\n  sources: [/nonexistent/x.csv]\n", file: "c.yaml")
        do {
            try loaded.checkSources(file: "c.yaml")
            Issue.record("a missing source passed")
        } catch let error as ConfigError {
            #expect(error.description == "c.yaml:3: data.sources: /nonexistent/x.csv: no such file or folder", "\(error)")
        }
        try TrainConfig.parse(yaml: "data: {sources: demo}\n").checkSources(file: nil)
    }

    @Test func unknownKeysAreWarningsWithTheirLine() throws {
        let loaded = try TrainConfig.parse(yaml: "finetune:\n  learning_rat: 1e-4\n  dataloader_num_workers: 4\nextra: 2\nlora:\n  alpha: 3\n", file: "c.yaml")
        #expect(loaded.warnings.map(\.path) == ["finetune.learning_rat", "finetune.dataloader_num_workers", "extra", "lora.alpha"])
        #expect(loaded.warnings.map(\.line) == [2, 3, 4, 6])
        #expect(loaded.warnings.allSatisfy { $0.kind == .unknownKey })
        #expect(loaded.warnings[0].message.contains("did you mean 'learning_rate'?"))
        #expect(loaded.warnings[0].description == "c.yaml:2:3: warning: finetune.learning_rat: unknown key, ignored (did you mean 'learning_rate'?)")
        #expect(loaded.config.finetune.learningRate == 5e-5)
        let moved = try TrainConfig.parse(yaml: "finetune:\n  max_length: 512\n  early_stopping_patience: 3\n")
        #expect(moved.warnings.map(\.message) == ["unknown key, ignored (dnatune reads this as data.tokenizer.max_length)",
                                                  "unknown key, ignored (dnatune reads this as finetune.callbacks.early_stopping.patience)"])
    }

    @Test(arguments: [
        ("task:\n  threshold: 0.7\n", ["task.threshold"]), ("task:\n  threshold: 0.5\n", []),
        ("finetune:\n  bf16: true\n", ["finetune.bf16"]), ("finetune:\n  bf16: False\n  fp16: false\n", []),
        ("finetune:\n  save_safetensors: false\n", ["finetune.save_safetensors"]),
        ("finetune:\n  report_to: none\n  resume_from_checkpoint:\n", []),
        ("finetune:\n  resume_from_checkpoint: out/checkpoint-500\n", ["finetune.resume_from_checkpoint"]),
        ("lora:\n  bias: all\n  task_type: SEQ_CLS\n", ["lora.bias"]),
        ("model:\n  base: models/dnabert\n  hidden_size: 64\n", ["model.hidden_size"]),
        ("data:\n  tokenizer:\n    kind: single_nucleotide\n    k: 3\n", ["data.tokenizer.k"]),
        ("benchmark:\n  name: x\n", ["benchmark"]),
    ])
    func recognisedButUnusedKeysAreNoted(_ yaml: String, _ paths: [String]) throws {
        let loaded = try TrainConfig.parse(yaml: yaml)
        #expect(loaded.warnings.map(\.path) == paths)
        #expect(loaded.warnings.allSatisfy { $0.kind == .ignoredKey })
    }

    @Test func yamlSyntaxErrorNamesTheLine() {
        let issues = errors("task:\n  task_type: binary\n   num_labels: 2\n  - x\n")
        #expect(issues.count == 1 && issues[0].line != nil && issues[0].message.hasPrefix("invalid YAML"))
        #expect(errors("- a\n- b\n").first?.message.contains("must be a mapping") == true)
    }

    @Test func directionAndMetricSpelling() throws {
        let c = try TrainConfig.parse(yaml: "finetune:\n  metric_for_best_model: AUROC\n").config
        #expect(c.finetune.metricForBestModel == "eval_auroc" && c.finetune.greaterIsBetter)
        let d = try TrainConfig.parse(yaml: "finetune:\n  metric_for_best_model: mcc\n  greater_is_better: false\n").config
        #expect(d.finetune.metricForBestModel == "eval_mcc" && !d.finetune.greaterIsBetter)
        let m = try TrainConfig.parse(yaml: "task: {task_type: multiclass, num_labels: 3}\nfinetune: {metric_for_best_model: f1_macro}\n").config
        #expect(m.finetune.metricForBestModel == "eval_f1_macro" && m.task.labelNames == ["class_0", "class_1", "class_2"])
        #expect(try TrainConfig.parse(yaml: "finetune:\n  evaluation_strategy: epoch\n  save_strategy: epoch\n").config.finetune.evalStrategy == .epoch)
        // The regression and multi-label metrics, with their directions.
        for (type, name, greater) in [("regression", "R2", true), ("regression", "eval_rmse", false), ("regression", "mae", false),
                                      ("regression", "spearman", true), ("multilabel", "macro_f1", true),
                                      ("multilabel", "eval_hamming_loss", false), ("multilabel", "subset_accuracy", true)] {
            let r = try TrainConfig.parse(yaml: "task: {task_type: \(type)}\nfinetune: {metric_for_best_model: \(name)}\n").config
            #expect(r.finetune.metricForBestModel == "eval_" + name.lowercased().replacingOccurrences(of: "eval_", with: ""))
            #expect(r.finetune.greaterIsBetter == greater, "\(name)")
        }
    }

    @Test(arguments: [("", 100, 10), ("finetune: {warmup_ratio: 0.06}", 1000, 60), ("finetune: {warmup_ratio: 0.06}", 7, 1),
                      ("finetune: {warmup_steps: 25}", 1000, 25), ("finetune: {warmup_steps: 0.05}", 1000, 50),
                      ("finetune: {warmup_ratio: 0}", 1000, 0), ("finetune: {warmup_steps: 0, warmup_ratio: 0.5}", 3, 2)])
    func warmupStepsAsHF(_ yaml: String, _ total: Int, _ expected: Int) throws {
        #expect(try TrainConfig.parse(yaml: yaml).config.finetune.warmupSteps(totalSteps: total) == expected)
    }

    @Test func warmupRatioTwiceIsAnError() {
        #expect(errors("finetune: {warmup_steps: 0.1, warmup_ratio: 0.1}").map(\.path) == ["finetune.warmup_steps"])
        #expect(errors("finetune: {warmup_steps: -3}").first?.message.contains("must be a step count ≥ 0") == true)
    }

    @Test func overridesApplyBeforeValidation() throws {
        let loaded = try TrainConfig.load(file: Self.fixture("dnallm_lora_finetune.yaml"), overrides: [
            "finetune.learning_rate=1e-4", "finetune.callbacks.early_stopping.patience=5",
            "lora.target_modules=[query, key, value]", "model.strategy=lora", "data.tokenizer.k=4",
            "task.label_names=[a, b]", "finetune.save_total_limit=null", "finetune.greater_is_better = true",
        ])
        let c = loaded.config
        #expect(c.finetune.learningRate == 1e-4 && c.finetune.earlyStopping.patience == 5)
        #expect(c.lora.targetModules == ["query", "key", "value"] && c.model.strategy == .lora)
        #expect(c.data.tokenizer.k == 4 && c.task.labelNames == ["a", "b"] && c.finetune.saveTotalLimit == nil)
        #expect(c.finetune.greaterIsBetter)
        #expect(loaded.lines["finetune.learning_rate"] == 26)   // the key stays where the file has it
        let fresh = try TrainConfig.parse(yaml: "", overrides: ["finetune.callbacks.early_stopping.threshold=0.01"])
        #expect(fresh.config.finetune.earlyStopping.threshold == 0.01)
    }

    @Test(arguments: [
        ("finetune.learning_rate=-3", "finetune.learning_rate", "(from --set finetune.learning_rate=-3)"),
        ("finetune.learnin_rate=1e-4", "finetune.learnin_rate", "unknown key (did you mean 'learning_rate'?)"),
        ("nonsense.key=1", "nonsense", "unknown key"),
        ("finetune.callbacks.early_stopping.patiance=3", "finetune.callbacks.early_stopping.patiance", "unknown key"),
        ("finetune.learning_rate", "", "expected dotted.path=value"),
        ("finetune..seed=1", "finetune..seed", "empty part"),
        ("finetune.seed.x=1", "finetune.seed.x", "finetune.seed is a single value, not a section"),
        ("finetune.seed={a: 1}", "finetune.seed", "not a mapping"),
    ])
    func badOverridesAreErrors(_ set: String, _ path: String, _ message: String) throws {
        let issues = errors("finetune:\n  seed: 1\n", overrides: [set])
        let issue = try #require(issues.first, "no error for --set \(set)")
        #expect(issue.path == path, "\(issue)")
        #expect(issue.description.contains(message), "\(issue)")
    }

    /// A bad `--set` value is not blamed on the config file's line 1 (`promoter.yaml:1:1`).
    @Test func aBadSetValueNamesTheSetNotTheFile() throws {
        do {
            _ = try TrainConfig.parse(yaml: "finetune:\n  seed: 1\n", file: "promoter.yaml",
                                      overrides: ["finetune.learning_rate=-3", "finetune.callbacks.early_stopping.patience=-1"])
            Issue.record("no error")
        } catch let error as ConfigError {
            #expect(error.issues.count == 2)
            for issue in error.issues {
                #expect(issue.file == nil && issue.line == nil, "\(issue)")
                #expect(!issue.description.contains("promoter.yaml") && issue.description.contains("(from --set finetune."), "\(issue)")
            }
        }
        // A value from the file keeps its file and line.
        #expect(errors("finetune:\n  seed: 1\n  learning_rate: -3\n", overrides: ["finetune.seed=2"]).first?.line == 3)
    }

    static func customised() -> TrainConfig {
        var c = TrainConfig()
        c.task.taskType = .multiclass; c.task.numLabels = 3; c.task.labelNames = ["donor", "acceptor", "neither: other é"]
        c.finetune.lrSchedulerType = .polynomial; c.finetune.lrSchedulerKwargs.power = 2; c.finetune.lrSchedulerKwargs.lrEnd = 1e-7
        c.finetune.learningRate = 3.7e-5; c.finetune.numTrainEpochs = 2.5; c.finetune.saveTotalLimit = nil
        c.finetune.metricForBestModel = "eval_f1_weighted"; c.finetune.greaterIsBetter = true
        c.finetune.earlyStopping = .init(patience: 4, threshold: 1e-4); c.finetune.evalStrategy = .epoch
        c.finetune.saveStrategy = .epoch; c.finetune.loggingStrategy = .epoch; c.finetune.warmupSteps = 30
        c.finetune.dataloaderDropLast = true
        c.lora.targetModules = ["query", "key", "value", "attention.output.dense"]; c.lora.useRslora = true; c.lora.loraAlpha = 8.5
        c.lora.modulesToSave = ["pooler"]
        c.data.sources = ["a.fastq.gz", "yes", "no", "1e-5", "path with spaces/b.csv"]
        c.data.balancing = .weights; c.data.classWeights = [1, 2.5, 0.25]; c.data.ambiguity = .drop
        c.data.cleaning.adapters.enabled = .on; c.data.cleaning.quality.enabled = .off; c.data.cleaning.quality.minMean = nil
        c.data.cleaning.maxNFraction = nil; c.data.cleaning.minLength = 30; c.data.cleaning.maxLength = 300
        c.data.split = .init(); c.data.split.train = 0.7; c.data.split.validation = 0.15; c.data.split.test = 0.15
        c.data.reverseComplementAugmentation = true; c.data.averageStrands = true; c.data.cleaning.keepTestSplit = true
        c.data.tokenizer.kind = .vocab; c.data.tokenizer.vocab = "models/x/vocab.txt"; c.data.tokenizer.maxLength = 256
        c.model.base = "models/dnabert-6"; c.model.strategy = .lora; c.model.dropout = 0.2
        return c
    }

    @Test(arguments: ["default", "dnallm", "customised", "cosine_with_restarts"])
    func writtenYAMLReadsBackEqual(_ which: String) throws {
        var config: TrainConfig
        switch which {
        case "dnallm": config = try TrainConfig.load(file: Self.fixture("dnallm_lora_finetune.yaml")).config
        case "customised": config = Self.customised()
        case "cosine_with_restarts":
            config = TrainConfig(); config.finetune.lrSchedulerType = .cosineWithRestarts
            config.finetune.lrSchedulerKwargs.numCycles = 3
        default: config = TrainConfig()
        }
        let text = config.yaml()
        let back = try TrainConfig.parse(yaml: text)
        #expect(back.config == config, "\(text)")
        #expect(back.warnings.isEmpty, "\(back.warnings)")
        #expect(back.config.yaml() == text)
    }

    @Test func writtenYAMLIsDNALLMShaped() {
        let text = Self.customised().yaml()
        for line in ["task:", "  task_type: \"multiclass\"", "  label_names: [\"donor\", \"acceptor\", \"neither: other é\"]", "finetune:", "  learning_rate: 3.7e-05",
                     "  lr_scheduler_kwargs:\n    power: 2\n    lr_end: 1.0e-07", "  callbacks:", "    early_stopping:",
                     "      patience: 4", "  save_total_limit: null", "lora:", "  use_rslora: true",
                     "  sources: [\"a.fastq.gz\", \"yes\", \"no\", \"1e-5\", \"path with spaces/b.csv\"]"] {
            #expect(text.contains(line + "\n"), "missing \(line) in\n\(text)")
        }
        #expect(TrainConfig().yaml().contains("  adam_epsilon: 1.0e-08\n"))
    }

    /// The reference Python (scripts/python-env's environment: $DNATUNE_PYENV, the repository's
    /// .venv, or this project's shared /work/refenv), when one exists.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["DNATUNE_PYENV"], packageRoot.appendingPathComponent(".venv").path,
                          "/work/refenv"].compactMap { $0 }.map { $0 + "/bin/python" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// PyYAML (what DNALLM reads configs with) gets the same values back from the written YAML.
    @Test(.enabled(if: python != nil, "needs the reference Python environment (scripts/python-env)"))
    func pyYAMLReadsTheWrittenConfig() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-config-\(getpid()).yaml").path
        try Self.customised().yaml().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Self.python))
        p.arguments = ["-c", "import yaml,sys; c=yaml.safe_load(open(sys.argv[1])); f=c['finetune']; "
                       + "print(repr(f['learning_rate']), repr(f['lr_scheduler_kwargs']['lr_end']), repr(f['num_train_epochs']), "
                       + "repr(c['data']['sources'][1]), repr(f['callbacks']['early_stopping']['threshold']))", path]
        let pipe = Pipe(); p.standardOutput = pipe
        try p.run(); p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(out == "3.7e-05 1e-07 2.5 'yes' 0.0001\n")
    }
}

/// The regression and multi-label task sections: their defaults, the keys that apply to one
/// task type only, and the round trip of the written config.
@Suite struct TaskTypeConfigTests {
    @Test func regressionAndMultiLabelDefaults() throws {
        let r = try TrainConfig.parse(yaml: "task: {task_type: regression}\n").config
        #expect(r.task.kind == .regression && r.task.numLabels == 1 && r.task.labelNames == ["label"])
        #expect(r.task.loss == .mse && r.task.standardize)
        let two = try TrainConfig.parse(yaml: "task: {task_type: regression, num_labels: 2}\ndata: {label_columns: [x, y]}\n").config
        #expect(two.task.numLabels == 2 && two.data.labelColumns == ["x", "y"])
        let m = try TrainConfig.parse(yaml: "task: {task_type: multilabel}\ndata: {balancing: pos_weight}\n").config
        // Without num_labels or label_names, the labels come from the data.
        #expect(m.task.kind == .multiLabel && m.task.numLabels == 0 && m.data.balancing == .posWeight)
        #expect(m.task.mismatch(with: ["A", "B"], sources: ["x.csv"]) == nil)
        let named = try TrainConfig.parse(yaml: "task: {task_type: multilabel, label_names: [A, B, C]}\n").config
        #expect(named.task.numLabels == 3)
        #expect(named.task.mismatch(with: ["A", "B"], sources: ["x.csv"])?.contains("has 2 labels (A, B) but task.num_labels is 3") == true)
    }

    /// A key of one task type set away from its default warns for another; the written config
    /// (every key, at its default where it does not apply) reads back without a warning.
    @Test func keysOfAnotherTaskTypeWarn() throws {
        let loaded = try TrainConfig.parse(yaml: "task: {task_type: binary, loss: huber, tune_thresholds: true}\n")
        #expect(loaded.warnings.map(\.path).sorted() == ["task.loss", "task.tune_thresholds"])
        #expect(loaded.warnings.allSatisfy { $0.message.contains("ignored for binary") })
        for yaml in ["task: {task_type: regression, loss: huber, huber_delta: 0.5, standardize: false}\ndata: {target_tolerance: 0.2}\n",
                     "task: {task_type: multilabel, num_labels: 2, threshold: 0.3, tune_thresholds: true}\ndata: {label_columns: [a, b], balancing: pos_weight}\n"] {
            let config = try TrainConfig.parse(yaml: yaml).config
            let again = try TrainConfig.parse(yaml: config.yaml())
            #expect(again.config == config)
            #expect(again.warnings.isEmpty, "\(again.warnings)")
        }
    }
}
