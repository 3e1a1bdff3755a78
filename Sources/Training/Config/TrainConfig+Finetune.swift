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

        /// The section's keys, read by hand: which apply depends on `lr_scheduler_type`.
        static let keys: [SectionKey<SchedulerOptions>] = [
            .byHand("num_cycles", .number(.positive), nullable: true,
                    "cosine: cosine periods (default 0.5, a half cosine); cosine_with_restarts: restarts, a whole number (default 1)") {
                $0.numCycles.map(ConfigValue.number) ?? .null
            },
            .byHand("power", .number(.positive), nullable: true, "polynomial: the power of the decay (default 1)") {
                $0.power.map(ConfigValue.number) ?? .null
            },
            .byHand("lr_end", .number(.nonNegative), nullable: true, "polynomial: the final learning rate (default 1e-7)") {
                $0.lrEnd.map(ConfigValue.number) ?? .null
            },
            .byHand("timescale", .integer(.atLeast(1)), nullable: true, "inverse_sqrt: the timescale in steps (default: the warmup steps, or 10000)") {
                $0.timescale.map(ConfigValue.integer) ?? .null
            },
        ]

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

        static let keys: [SectionKey<EarlyStoppingOptions>] = [
            .integer("patience", \.patience, ConfigRange(1, .infinity, whole: true, requirement: "must be ≥ 1 (null disables early stopping)"),
                     "evaluations without improvement before training stops; null disables early stopping"),
            .number("threshold", \.threshold, .nonNegative, "how much the metric must improve to count as an improvement"),
        ]
    }

    /// DNALLM's `finetune` section: HF `TrainingArguments` names and DNALLM's defaults.
    public struct Finetune: Sendable, Equatable {
        /// Where run directories are created (`<output_dir>/<timestamp>-<name>/`).
        public var outputDir = "runs"
        /// Epochs to train; fractional values stop part-way through the last epoch (HF).
        public var numTrainEpochs = 3.0
        /// When > 0, the total number of optimizer steps, overriding `num_train_epochs`; -1 = off.
        public var maxSteps = -1
        /// Minutes of the run's time (its baseline, task-adaptive pretraining and training; not
        /// pauses) after which training stops at the next optimizer step, evaluates and tests the
        /// best checkpoint as at a normal end; nil: no limit.
        public var maxMinutes: Double?
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
        /// An exported Trainer project's `checkpoint-N` folders kept besides the best (HF's
        /// `save_total_limit`; nil keeps all). dnatune's own runs keep `checkpoints/best` and
        /// `checkpoints/last` only.
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
        /// Classification: the final predictions average the network's and the k-mer
        /// baseline's probabilities, the network's weight chosen on the validation split by the
        /// one-standard-error rule (`BaselineBlend`); test metrics, predictions.csv and
        /// `dnatune predict` are the blend's.
        public var blendBaseline = false
        /// The decay of an exponential moving average of the trained weights (`WeightAverage`):
        /// validation, the best checkpoint, the test and predictions use the average, training
        /// continues from the live weights; nil: no average.
        public var emaDecay: Double?
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

        /// How often the training loss is logged, in optimizer steps: every `logging_steps`
        /// (`logging_strategy: steps`), once an epoch (`epoch`), or nil for `no` (the run's
        /// last step only).
        public func loggingInterval(stepsPerEpoch: Int) -> Int? {
            switch loggingStrategy {
            case .steps: return max(1, loggingSteps)
            case .epoch: return max(1, stepsPerEpoch)
            case .no: return nil
            }
        }

        /// The section's keys: type, allowed values and help, declared once.
        static let keys: [SectionKey<Finetune>] = [
            .text("output_dir", \.outputDir, "where run directories are created (<output_dir>/<timestamp>-<name>/), relative to where the command runs"),
            .number("num_train_epochs", \.numTrainEpochs, ConfigRange(0, 100_000, lowerOpen: true, requirement: "must be > 0 (at most 100000)"),
                    "epochs to train; a fraction stops part-way through the last epoch"),
            .integer("max_steps", \.maxSteps,
                     ConfigRange(-1, .infinity, whole: true, except: 0, label: "-1 or ≥ 1", requirement: "must be -1 (train by epochs) or ≥ 1"),
                     "total optimizer steps, overriding num_train_epochs; -1 trains by epochs"),
            .number("max_minutes", \.maxMinutes, ConfigRange(0, .infinity, lowerOpen: true, requirement: "must be > 0 (or null: no limit)"),
                    "stop training once the run has taken this many minutes (baseline and task-adaptive pretraining included, pauses not), evaluate, and test the best checkpoint as at the end; null: no limit"),
            .integer("per_device_train_batch_size", \.perDeviceTrainBatchSize, .between(1, 65_536), "sequences per training micro-batch"),
            .integer("per_device_eval_batch_size", \.perDeviceEvalBatchSize, .between(1, 65_536), "sequences per evaluation batch"),
            .integer("gradient_accumulation_steps", \.gradientAccumulationSteps, .between(1, 65_536),
                     "micro-batches per optimizer step (effective batch = batch size × this)"),
            .rate("learning_rate", \.learningRate,
                  ConfigRange(0, .infinity, lowerOpen: true, requirement: "must be > 0 (typically 1e-5 … 1e-3)"),
                  "peak learning rate of AdamW, reached after warmup (above 1 loads with a warning)"),
            .number("weight_decay", \.weightDecay, .unit, "AdamW's decoupled weight decay (not on biases and LayerNorm)"),
            .number("adam_beta1", \.adamBeta1, .probability, "AdamW's first-moment decay"),
            .number("adam_beta2", \.adamBeta2, .probability, "AdamW's second-moment decay"),
            .number("adam_epsilon", \.adamEpsilon, ConfigRange(0, 1e-2, lowerOpen: true, requirement: "must be > 0 and ≤ 0.01"),
                    "AdamW's denominator term"),
            .number("max_grad_norm", \.maxGradNorm, .nonNegative, "clip gradients to this global norm; 0 disables clipping"),
            .choice("lr_scheduler_type", \.lrSchedulerType, "learning-rate schedule after warmup (Hugging Face's names)"),
            .number("warmup_ratio", \.warmupRatio, .unit, "fraction of the steps spent warming up from 0"),
            .byHand("warmup_steps", .integer(ConfigRange(0, .infinity, whole: true, requirement: "must be a step count ≥ 0 (or a ratio < 1)")),
                    "warmup in steps; > 0 takes precedence over warmup_ratio (a value < 1 is read as a ratio, as transformers 5 writes it)") {
                .integer($0.warmupSteps)
            },
            .choice("logging_strategy", \.loggingStrategy, "when the training loss is logged: every logging_steps, every epoch, or no (the last step only)"),
            .integer("logging_steps", \.loggingSteps, .atLeast(1), "log the training loss every this many steps"),
            .byHand("eval_strategy", .choice(Interval.allCases.map(\.rawValue)),
                    "when the validation split is evaluated (also read as evaluation_strategy)") { .text($0.evalStrategy.rawValue) },
            .integer("eval_steps", \.evalSteps, .atLeast(1), "evaluate every this many steps"),
            .choice("save_strategy", \.saveStrategy, "when checkpoints are saved (best: only when the metric improves)"),
            .integer("save_steps", \.saveSteps, .atLeast(1), "save every this many steps; a multiple of eval_steps for load_best_model_at_end"),
            .integer("save_total_limit", \.saveTotalLimit, .atLeast(1),
                     "an exported Trainer project's checkpoint-N folders kept besides the best (null keeps all); dnatune itself keeps checkpoints/best and checkpoints/last"),
            .byHand("metric_for_best_model", .text,
                    "the validation metric that picks the best checkpoint and drives early stopping (eval_loss, eval_mcc, eval_auroc, …)") {
                .text($0.metricForBestModel)
            },
            .byHand("greater_is_better", .bool, "whether a larger metric is better; by default false only for names ending in loss") {
                .bool($0.greaterIsBetter)
            },
            .bool("load_best_model_at_end", \.loadBestModelAtEnd, "test with the best checkpoint rather than the last"),
            .integer("seed", \.seed, ConfigRange(0, Double(UInt32.max), whole: true, requirement: "must be 0…4294967295"),
                     "seed of initialisation, shuffling and dropout"),
            .bool("dataloader_drop_last", \.dataloaderDropLast, "leave out each epoch's last, partial training batch"),
            .bool("blend_baseline", \.blendBaseline,
                  "classification: predict with the network's and the k-mer baseline's probabilities averaged, the weight chosen on the validation split (0.5 unless validation clearly prefers another)"),
            .number("ema_decay", \.emaDecay, ConfigRange(0, 1, lowerOpen: true, upperOpen: true, requirement: "must be > 0 and < 1, e.g. 0.999 (or null: off)"),
                    "keep an exponential moving average of the trained weights with this decay (0.999: about the last 1000 steps) and evaluate, checkpoint as best and test the average; null: off"),
        ]

        static func read(_ s: ConfigSection, task: Task) -> Finetune {
            var f = Finetune()
            if s.has("evaluation_strategy") && !s.has("eval_strategy") {
                // HF's old name, still found in older DNALLM configs.
                f.evalStrategy = s.choice("evaluation_strategy", f.evalStrategy)
            }
            f.evalStrategy = s.choice("eval_strategy", f.evalStrategy)
            keys.read(s, into: &f)
            // Above 1 is allowed (a deliberate divergence test, an LR range probe) but flagged.
            if f.learningRate > 1 {
                s.reader.report(.unusualValue, "finetune.learning_rate", s.raw("learning_rate"),
                                "\(f.learningRate) is unusually high (typically 1e-5 … 1e-3): training will likely diverge")
            }
            f.lrSchedulerKwargs = readSchedulerOptions(s.section("lr_scheduler_kwargs"), type: f.lrSchedulerType)
            if let (text, n) = s.scalarString("warmup_steps"), let v = Double(text), v > 0, v < 1 {
                // transformers 5 writes a warmup ratio as a fraction in warmup_steps.
                if s.has("warmup_ratio") {
                    s.reader.error("finetune.warmup_steps", n, "\(text) is a ratio (< 1) while warmup_ratio is also given; keep one")
                } else {
                    f.warmupRatio = v
                }
            } else {
                f.warmupSteps = s.int("warmup_steps", f.warmupSteps, keys["warmup_steps"].range!.check)
            }
            if f.blendBaseline && task.kind != .classification {
                s.reader.error("finetune.blend_baseline", s.raw("blend_baseline"),
                               "the k-mer baseline is fitted for classification only; this is a \(task.taskType.rawValue) task")
            }
            let metricNode = s.raw("metric_for_best_model")
            if let name = s.optionalString("metric_for_best_model") {
                let allowed = MetricName.all(kind: task.kind, numClasses: task.numLabels)
                if let c = MetricName.canonical(name), allowed.contains(c) {
                    f.metricForBestModel = "eval_" + c
                } else {
                    s.reader.error("finetune.metric_for_best_model", metricNode,
                                   "'\(name)' is not a metric of a \(task.taskType.rawValue) task; choose one of: "
                                       + allowed.map { "eval_" + $0 }.joined(separator: ", "))
                }
            }
            f.greaterIsBetter = s.optionalBool("greater_is_better") ?? MetricName.greaterIsBetter(f.metricForBestModel)
            let es = s.section("callbacks").section("early_stopping")
            EarlyStoppingOptions.keys.read(es, into: &f.earlyStopping)
            es.finish(known: EarlyStoppingOptions.keys.names())
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

        /// The section's key names, with `callbacks` (the early-stopping section).
        static let knownKeys = keys.names() + ["lr_scheduler_kwargs", "callbacks"]

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
            let keys = SchedulerOptions.keys
            if only("num_cycles") {
                o.numCycles = type == .cosineWithRestarts
                    ? s.optionalInt("num_cycles", ConfigRange.atLeast(1).check).map(Double.init)
                    : s.optionalDouble("num_cycles", keys["num_cycles"].range!.check)
            }
            if only("power") { o.power = s.optionalDouble("power", keys["power"].range!.check) }
            if only("lr_end") { o.lrEnd = s.optionalDouble("lr_end", keys["lr_end"].range!.check) }
            if only("timescale") { o.timescale = s.optionalInt("timescale", keys["timescale"].range!.check) }
            s.finish(known: keys.names())
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
