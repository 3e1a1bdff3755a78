extension TrainConfig {
    /// When to log or evaluate: HF's `IntervalStrategy` (`no`: never during training).
    public enum Interval: String, Sendable, CaseIterable, Codable { case no, steps, epoch }

    /// When to save checkpoints: HF's `SaveStrategy`.
    public enum SaveStrategy: String, Sendable, CaseIterable, Codable { case no, steps, epoch, best }

    /// Extra parameters of a schedule (HF's `lr_scheduler_kwargs`); nil means HF's default.
    public struct SchedulerOptions: Sendable, Equatable {
        /// `num_cycles`: cosine (default 0.5, half a cosine) and cosine_with_restarts (default 1).
        public var numCycles: Double?
        /// `power` of polynomial decay (default 1).
        public var power: Double?
        /// `lr_end` of polynomial decay (default 1e-7).
        public var lrEnd: Double?
        /// `timescale` of inverse_sqrt (default: the warmup steps, or 10 000).
        public var timescale: Int?
        public init() {}

        /// The keys each schedule accepts.
        static func allowed(_ type: LRSchedulerType) -> [String] {
            switch type {
            case .cosine, .cosineWithRestarts: ["num_cycles"]
            case .polynomial: ["power", "lr_end"]
            case .inverseSqrt: ["timescale"]
            case .linear, .constant, .constantWithWarmup: []
            }
        }
    }

    /// `finetune.callbacks.early_stopping`, where DNALLM puts HF's EarlyStoppingCallback arguments.
    public struct EarlyStoppingOptions: Sendable, Equatable {
        /// Evaluations without improvement before stopping; nil (DNALLM's default) disables it.
        public var patience: Int?
        /// How much the metric must improve to count (HF's `early_stopping_threshold`).
        public var threshold = 0.0
        public init(patience: Int? = nil, threshold: Double = 0) { self.patience = patience; self.threshold = threshold }
    }

    /// DNALLM's `finetune` section: HF `TrainingArguments` names and DNALLM's defaults.
    public struct Finetune: Sendable, Equatable {
        /// Where run directories are created (`<output_dir>/<timestamp>-<name>/`).
        public var outputDir = "runs"
        /// Epochs to train; fractional values stop part-way through the last epoch (HF).
        public var numTrainEpochs = 3.0
        /// When > 0, the total number of optimizer steps, overriding `num_train_epochs`; -1 = off.
        public var maxSteps = -1
        public var perDeviceTrainBatchSize = 8
        public var perDeviceEvalBatchSize = 16
        public var gradientAccumulationSteps = 1
        public var learningRate = 5e-5
        public var weightDecay = 0.01
        public var adamBeta1 = 0.9
        public var adamBeta2 = 0.999
        public var adamEpsilon = 1e-8
        /// Gradient clipping by global norm; 0 disables clipping (HF).
        public var maxGradNorm = 1.0
        public var lrSchedulerType = LRSchedulerType.linear
        public var lrSchedulerKwargs = SchedulerOptions()
        /// Warmup as a fraction of the total steps; `warmup_steps` > 0 takes precedence (HF).
        public var warmupRatio = 0.1
        public var warmupSteps = 0
        public var loggingStrategy = Interval.steps
        public var loggingSteps = 100
        public var evalStrategy = Interval.steps
        public var evalSteps = 100
        public var saveStrategy = SaveStrategy.steps
        public var saveSteps = 500
        /// Checkpoints kept besides the best; nil keeps all.
        public var saveTotalLimit: Int? = 20
        /// The validation metric that picks the best checkpoint, logged name (`eval_loss`, `eval_mcc`, …).
        public var metricForBestModel = "eval_loss"
        /// Resolved at load: the written value, else HF's rule (false only for names ending in `loss`).
        public var greaterIsBetter = false
        public var loadBestModelAtEnd = true
        /// HF's `dataloader_drop_last`: leave out each epoch's last, partial training batch
        /// (a batch of one sequence makes a noisy step). Off by default, as in HF.
        public var dataloaderDropLast = false
        public var seed = 42
        public var earlyStopping = EarlyStoppingOptions()

        public init() {}

        /// AdamW's settings from this section (`adam_beta1`, `adam_beta2`, `adam_epsilon`, `weight_decay`).
        public var adamW: AdamWHyperparameters {
            AdamWHyperparameters(beta1: adamBeta1, beta2: adamBeta2, epsilon: adamEpsilon, weightDecay: weightDecay)
        }

        /// Warmup steps for a run of `totalSteps` optimizer steps: `warmup_steps` when > 0, else
        /// ⌈total × warmup_ratio⌉ (HF's `get_warmup_steps`).
        public func warmupSteps(totalSteps: Int) -> Int {
            warmupSteps > 0 ? warmupSteps : Int((Double(totalSteps) * warmupRatio).rounded(.up))
        }

        static func read(_ s: ConfigSection, task: Task) -> Finetune {
            var f = Finetune()
            f.outputDir = s.string("output_dir", f.outputDir)
            f.numTrainEpochs = s.double("num_train_epochs", f.numTrainEpochs, ConfigRanges.epochs.check)
            f.maxSteps = s.int("max_steps", f.maxSteps) { $0 == -1 || $0 >= 1 ? nil : "must be -1 (train by epochs) or ≥ 1" }
            f.perDeviceTrainBatchSize = s.int("per_device_train_batch_size", f.perDeviceTrainBatchSize, ConfigRanges.batchSize.check)
            f.perDeviceEvalBatchSize = s.int("per_device_eval_batch_size", f.perDeviceEvalBatchSize, ConfigRanges.batchSize.check)
            f.gradientAccumulationSteps = s.int("gradient_accumulation_steps", f.gradientAccumulationSteps, ConfigRanges.batchSize.check)
            f.learningRate = s.double("learning_rate", f.learningRate, ConfigRanges.learningRate.check)
            // Above 1 is allowed (a deliberate divergence test, an LR range probe) but flagged.
            if f.learningRate > 1 {
                s.reader.report(.unusualValue, "finetune.learning_rate", s.raw("learning_rate"),
                                "\(f.learningRate) is unusually high (typically 1e-5 … 1e-3): training will likely diverge")
            }
            f.weightDecay = s.double("weight_decay", f.weightDecay, ConfigRange.unit.check)
            f.adamBeta1 = s.double("adam_beta1", f.adamBeta1, ConfigRange.probability.check)
            f.adamBeta2 = s.double("adam_beta2", f.adamBeta2, ConfigRange.probability.check)
            f.adamEpsilon = s.double("adam_epsilon", f.adamEpsilon) { $0 > 0 && $0 <= 1e-2 ? nil : "must be > 0 and ≤ 0.01" }
            f.maxGradNorm = s.double("max_grad_norm", f.maxGradNorm, ConfigRange.nonNegative.check)
            f.lrSchedulerType = s.choice("lr_scheduler_type", f.lrSchedulerType)
            f.lrSchedulerKwargs = readSchedulerOptions(s.section("lr_scheduler_kwargs"), type: f.lrSchedulerType)
            f.warmupRatio = s.double("warmup_ratio", f.warmupRatio, ConfigRange.unit.check)
            if let (text, n) = s.scalarString("warmup_steps"), let v = Double(text), v > 0, v < 1 {
                // transformers 5 writes a warmup ratio as a fraction in warmup_steps.
                if s.has("warmup_ratio") {
                    s.reader.error("finetune.warmup_steps", n, "\(text) is a ratio (< 1) while warmup_ratio is also given; keep one")
                } else {
                    f.warmupRatio = v
                }
            } else {
                f.warmupSteps = s.int("warmup_steps", f.warmupSteps) { $0 >= 0 ? nil : "must be a step count ≥ 0 (or a ratio < 1)" }
            }
            f.loggingStrategy = s.choice("logging_strategy", f.loggingStrategy)
            f.loggingSteps = s.int("logging_steps", f.loggingSteps, ConfigRanges.steps.check)
            if s.has("evaluation_strategy") && !s.has("eval_strategy") {
                // HF's old name, still found in older DNALLM configs.
                f.evalStrategy = s.choice("evaluation_strategy", f.evalStrategy)
            }
            f.evalStrategy = s.choice("eval_strategy", f.evalStrategy)
            f.evalSteps = s.int("eval_steps", f.evalSteps, ConfigRanges.steps.check)
            f.saveStrategy = s.choice("save_strategy", f.saveStrategy)
            f.saveSteps = s.int("save_steps", f.saveSteps, ConfigRanges.steps.check)
            f.saveTotalLimit = s.has("save_total_limit") ? s.optionalInt("save_total_limit", ConfigRange.atLeast(1).check) : f.saveTotalLimit
            let metricNode = s.raw("metric_for_best_model")
            if let name = s.optionalString("metric_for_best_model") {
                let allowed = MetricName.all(numClasses: task.numLabels)
                if let c = MetricName.canonical(name), allowed.contains(c) {
                    f.metricForBestModel = "eval_" + c
                } else {
                    s.reader.error("finetune.metric_for_best_model", metricNode,
                                   "'\(name)' is not a metric of a \(task.taskType.rawValue) task; choose one of: "
                                       + allowed.map { "eval_" + $0 }.joined(separator: ", "))
                }
            }
            f.greaterIsBetter = s.optionalBool("greater_is_better") ?? MetricName.greaterIsBetter(f.metricForBestModel)
            f.loadBestModelAtEnd = s.bool("load_best_model_at_end", f.loadBestModelAtEnd)
            f.dataloaderDropLast = s.bool("dataloader_drop_last", f.dataloaderDropLast)
            f.seed = s.int("seed", f.seed, ConfigRanges.seed.check)
            let es = s.section("callbacks").section("early_stopping")
            f.earlyStopping.patience = es.optionalInt("patience", ConfigRanges.patience.check)
            f.earlyStopping.threshold = es.double("threshold", 0, ConfigRange.nonNegative.check)
            es.finish(known: ["patience", "threshold"])
            s.section("callbacks").finish(known: ["early_stopping"])

            // Keys of DNALLM / HF that dnatune recognises but does not use.
            s.ignored("save_safetensors") { $0.scalar?.string.lowercased() == "false" ? "dnatune always writes safetensors" : nil }
            for key in ["bf16", "fp16"] {
                s.ignored(key) { ["true", "yes", "on"].contains($0.scalar?.string.lowercased() ?? "") ? "dnatune trains in float32 on the CPU; \(key) ignored" : nil }
            }
            s.ignored("report_to") { n in
                n.scalar?.string.lowercased() == "none" ? nil : "dnatune records every event in the run's metrics.jsonl; report_to ignored"
            }
            s.ignored("resume_from_checkpoint") { _ in "use `dnatune train --resume RUN`; resume_from_checkpoint ignored" }
            for key in ["hyperparameter_search", "use_qlora", "quantization_config"] {
                s.ignored(key) { _ in "not supported by dnatune; ignored" }
            }
            s.finish(known: knownKeys)
            validate(f, s)
            return f
        }

        static let knownKeys = [
            "output_dir", "num_train_epochs", "max_steps", "per_device_train_batch_size", "per_device_eval_batch_size",
            "gradient_accumulation_steps", "learning_rate", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon",
            "max_grad_norm", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_ratio", "warmup_steps",
            "logging_strategy", "logging_steps", "eval_strategy", "eval_steps", "save_strategy", "save_steps",
            "save_total_limit", "metric_for_best_model", "greater_is_better", "load_best_model_at_end", "seed",
            "dataloader_drop_last", "callbacks",
        ]

        static func readSchedulerOptions(_ s: ConfigSection, type: LRSchedulerType) -> SchedulerOptions {
            var o = SchedulerOptions()
            let allowed = SchedulerOptions.allowed(type)
            let only = { (key: String) -> Bool in
                guard s.has(key) else { return false }
                if allowed.contains(key) { return true }
                s.reader.error(s.childPath(key), s.raw(key),
                               "not a parameter of lr_scheduler_type \(type.rawValue)"
                                   + (allowed.isEmpty ? " (it takes none)" : "; it takes: \(allowed.joined(separator: ", "))"))
                return false
            }
            if only("num_cycles") {
                o.numCycles = type == .cosineWithRestarts
                    ? s.optionalInt("num_cycles", ConfigRange.atLeast(1).check).map(Double.init)
                    : s.optionalDouble("num_cycles", ConfigRange.positive.check)
            }
            if only("power") { o.power = s.optionalDouble("power", ConfigRange.positive.check) }
            if only("lr_end") { o.lrEnd = s.optionalDouble("lr_end", ConfigRange.nonNegative.check) }
            if only("timescale") { o.timescale = s.optionalInt("timescale", ConfigRange.atLeast(1).check) }
            s.finish(known: ["num_cycles", "power", "lr_end", "timescale"])
            return o
        }

        static func validate(_ f: Finetune, _ s: ConfigSection) {
            if f.evalStrategy == .no {
                // HF: early stopping and a best checkpoint need evaluations.
                if f.earlyStopping.patience != nil {
                    s.reader.error("finetune.callbacks.early_stopping.patience", s.section("callbacks").section("early_stopping").raw("patience"),
                                   "early stopping needs evaluations, but eval_strategy is no")
                }
                if f.saveStrategy == .best {
                    s.reader.error("finetune.save_strategy", s.raw("save_strategy"), "best needs evaluations, but eval_strategy is no")
                }
            }
            // A value already reported as invalid stands in as its default: no cross-check on it.
            if s.reader.hasError(at: "finetune.eval_steps") || s.reader.hasError(at: "finetune.save_steps") { return }
            if let lrEnd = f.lrSchedulerKwargs.lrEnd, lrEnd >= f.learningRate {
                s.reader.error("finetune.lr_scheduler_kwargs.lr_end", s.section("lr_scheduler_kwargs").raw("lr_end"),
                               "\(lrEnd) must be below learning_rate \(f.learningRate)")
            }
            if f.saveStrategy != .no && f.saveStrategy != .best && f.loadBestModelAtEnd {
                // HF requires save and eval strategies to match (and save_steps a multiple of eval_steps).
                let same = (f.saveStrategy == .steps && f.evalStrategy == .steps) || (f.saveStrategy == .epoch && f.evalStrategy == .epoch)
                if !same {
                    s.reader.error("finetune.save_strategy", s.raw("save_strategy") ?? s.raw("eval_strategy"),
                                   "\(f.saveStrategy.rawValue) with eval_strategy \(f.evalStrategy.rawValue): load_best_model_at_end needs both the same (or save_strategy best)")
                } else if f.saveStrategy == .steps && f.saveSteps % f.evalSteps != 0 {
                    s.reader.error("finetune.save_steps", s.raw("save_steps"),
                                   "\(f.saveSteps) is not a multiple of eval_steps \(f.evalSteps), which load_best_model_at_end needs (HF)")
                }
            }
        }
    }
}
