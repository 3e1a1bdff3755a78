import Data

extension TrainConfig {
    /// The kinds of task dnatune trains (DNALLM's `task_type` values).
    public enum TaskType: String, Sendable, CaseIterable, Codable {
        case binary, multiclass, regression, multilabel

        /// What the data's labels are for this task type.
        public var kind: TaskKind {
            switch self {
            case .binary, .multiclass: return .classification
            case .regression: return .regression
            case .multilabel: return .multiLabel
            }
        }
    }

    /// The loss of a regression head.
    public enum RegressionLoss: String, Sendable, CaseIterable, Codable {
        /// Mean squared error (transformers' loss for `problem_type: regression`).
        case mse
        /// Huber loss with `huber_delta`: robust to outlying targets.
        case huber
    }

    /// DNALLM's `task` section.
    public struct Task: Sendable, Equatable {
        /// `task_type`: binary (2 classes, positive class 1) or multiclass (3 or more).
        public var taskType: TaskType = .binary
        /// `num_labels`: 2 for binary, ≥ 3 for multiclass.
        public var numLabels = 2
        /// `label_names`, one per class in label-id order. Defaults as DNALLM's: `negative`,
        /// `positive` for binary; `class_0`, `class_1`, … for multiclass.
        public var labelNames = ["negative", "positive"] { didSet { labelNamesGiven = true } }
        /// Whether `label_names` was given (in the config, or set): then the data's labels must be
        /// these names, and the written config holds them; false for the defaults.
        public var labelNamesGiven = false
        /// Regression: the loss.
        public var loss = RegressionLoss.mse
        /// Regression with `loss: huber`: where the loss turns from quadratic to linear (in
        /// standardised units when `standardize` is on).
        public var huberDelta = 1.0
        /// Regression: train on standardised targets (training split's mean and standard
        /// deviation, saved with the model and undone for every prediction and metric).
        public var standardize = true
        /// Multi-label: the probability at or above which a label is predicted.
        public var threshold = 0.5
        /// Multi-label: choose each label's threshold on the validation split (maximising its
        /// F1) for the test metrics and predictions, instead of `threshold`.
        public var tuneThresholds = false

        public init() {}

        /// What the data's labels are: classes, regression targets or label sets.
        public var kind: TaskKind { taskType.kind }

        /// Why the data's class labels `labels` (from `sources`) do not fit this task, or nil when
        /// they do: another number of classes than `num_labels`, or other names than
        /// `label_names` when the config gives them (and `checkNames`) — unless the labels are the
        /// ids 0…n−1, which `label_names` names.
        public func mismatch(with labels: [String], sources: [String], checkNames: Bool = true) -> String? {
            if kind != .classification {
                // Multi-label without num_labels or label_names: the labels the data names.
                if kind == .multiLabel && numLabels == 0 { return nil }
                let what = kind == .regression ? "targets" : "labels"
                let data = "\(sources.joined(separator: ", ")) has \(labels.count) \(what) (\(labels.joined(separator: ", ")))"
                if labels.count != numLabels {
                    return "\(data) but task.num_labels is \(numLabels) (task_type \(taskType.rawValue)); set it to the data's \(what)"
                }
                if checkNames, labelNamesGiven, labels != labelNames {
                    return "\(data) but task.label_names is [\(labelNames.joined(separator: ", "))]; name them in the data's order, or leave label_names out"
                }
                return nil
            }
            let data = "\(sources.joined(separator: ", ")) has \(labels.count) classes (\(labels.joined(separator: ", ")))"
            if labels.count != numLabels {
                return "\(data) but task.num_labels is \(numLabels) (task_type \(taskType.rawValue)); set the task to the data's classes"
            }
            // Integer labels 0…n−1 (GUE's, DNALLM's) are ids: label_names names them, in order.
            let ids = Set(labels) == Set((0..<labels.count).map(String.init))
            if checkNames, labelNamesGiven, !ids, Set(labels) != Set(labelNames) {
                return "\(data) but task.label_names is [\(labelNames.joined(separator: ", "))]; name the data's labels, or leave label_names out"
            }
            return nil
        }

        /// The class names for data whose classes are `labels`: `label_names` where the labels
        /// are the ids 0…n−1 (GUE's, DNALLM's) and the config names them otherwise; nil where
        /// the data's own names stand.
        public func names(forIDs labels: [String]) -> [String]? {
            guard kind == .classification, labelNamesGiven, labelNames.count == labels.count, labelNames != labels,
                  labels == (0..<labels.count).map(String.init) else { return nil }
            return labelNames
        }

        /// The class id of `label`, a label of a file read for a model whose classes are `names`:
        /// its position among them, else, where `label_names` named integer labels (see
        /// `names(forIDs:)`), the integer itself.
        public func classID(of label: String, names: [String]) -> Int? {
            if let id = names.firstIndex(of: label) { return id }
            guard kind == .classification, labelNamesGiven, names == labelNames, !names.contains(where: { Int($0) != nil }),
                  let id = Int(label), names.indices.contains(id), String(id) == label else { return nil }
            return id
        }

        /// This task set to the data's classes: binary or multiclass, their count and names.
        public mutating func adopt(labels: [String]) {
            if kind == .classification { taskType = labels.count == 2 ? .binary : .multiclass }
            numLabels = labels.count
            labelNames = labels
            labelNamesGiven = true
        }

        /// The section's keys: type, allowed values and help, declared once.
        static let keys: [SectionKey<Task>] = [
            .choice("task_type", \.taskType,
                    "binary (2 classes, positive class 1), multiclass (3 or more), regression (numeric targets) or multilabel (any set of labels per sequence)"),
            .byHand("num_labels", .integer(.between(1, 10_000)),
                    "classes: 2 for binary, ≥ 3 for multiclass (required there); regression: targets (1, or one per data.label_columns); multilabel: labels") {
                .integer($0.numLabels)
            },
            .byHand("label_names", .texts, nullable: true,
                    "one name per class in label-id order (regression: per target, multilabel: per label); given, the data's labels must be these names, or the ids 0…n−1, which they then name (the model's classes, predictions, reports; a labelled file for `eval` may give either)") {
                $0.labelNamesGiven ? .texts($0.labelNames) : .null
            },
            .choice("loss", \.loss, "regression: mean squared error, or Huber (robust to outliers)"),
            .number("huber_delta", \.huberDelta, .positive, "regression with loss huber: where the loss turns linear"),
            .bool("standardize", \.standardize,
                  "regression: train on standardised targets (the training split's mean and scale, saved with the model and undone for predictions)"),
            .number("threshold", \.threshold, ConfigRange(0, 1, lowerOpen: true, upperOpen: true, requirement: "must be > 0 and < 1"),
                    "multilabel: the probability at or above which a label is predicted"),
            .bool("tune_thresholds", \.tuneThresholds,
                  "multilabel: choose each label's threshold on the validation split (best F1) for test metrics and predictions"),
        ]

        /// Warns about a task-specific key set away from its default for another task type
        /// (the written config holds every key, at its default where it does not apply).
        func warnUnused(_ s: ConfigSection) {
            let defaults = Task()
            var unused: [(String, Bool, String)] = [
                ("loss", loss != defaults.loss, "regression"), ("huber_delta", huberDelta != defaults.huberDelta, "regression"),
                ("standardize", standardize != defaults.standardize, "regression"),
                ("tune_thresholds", tuneThresholds != defaults.tuneThresholds, "multilabel"),
            ]
            // A classification task's threshold has its own note (`read`).
            if kind == .regression { unused.append(("threshold", threshold != defaults.threshold, "multilabel")) }
            for (key, changed, type) in unused where changed && taskType.rawValue != type {
                s.reader.report(.ignoredKey, s.childPath(key), s.raw(key), "\(key) applies to task_type \(type); ignored for \(taskType.rawValue)")
            }
        }

        static func read(_ s: ConfigSection) -> Task {
            var t = Task()
            keys.read(s, into: &t)
            let explicitCount = s.optionalInt("num_labels", keys["num_labels"].range!.check)
            t.numLabels = explicitCount ?? (t.taskType == .binary ? 2 : t.taskType == .regression ? 1 : 0)
            let line = s.raw("num_labels")
            if t.kind != .classification {
                if let names = s.strings("label_names") {
                    if explicitCount != nil && names.count != t.numLabels {
                        s.reader.error("task.label_names", s.raw("label_names"),
                                       "\(names.count) names for num_labels \(t.numLabels): give one name per \(t.kind == .regression ? "target" : "label")")
                    } else if Set(names).count != names.count {
                        s.reader.error("task.label_names", s.raw("label_names"), "names must be distinct")
                    }
                    t.labelNames = names
                    t.numLabels = names.count
                    t.labelNamesGiven = true
                } else {
                    t.labelNames = t.kind == .regression ? (0..<max(0, t.numLabels)).map { t.numLabels == 1 ? "label" : "target_\($0)" } : []
                    t.labelNamesGiven = false
                }
                t.warnUnused(s)
                s.finish(known: keys.names())
                return t
            }
            t.warnUnused(s)
            if t.taskType == .binary && t.numLabels != 2 {
                s.reader.error("task.num_labels", line, "\(t.numLabels) with task_type binary: must be 2 (use multiclass for more)")
            }
            if t.taskType == .multiclass && t.numLabels < 3 {
                s.reader.error("task.num_labels", line ?? s.node,
                               explicitCount == nil ? "required for task_type multiclass (3 or more)"
                                   : "\(t.numLabels) with task_type multiclass: must be ≥ 3 (use binary for 2)")
            }
            if let names = s.strings("label_names") {
                if names.count != t.numLabels {
                    s.reader.error("task.label_names", s.raw("label_names"),
                                   "\(names.count) names for num_labels \(t.numLabels): give one name per class")
                } else if Set(names).count != names.count {
                    s.reader.error("task.label_names", s.raw("label_names"), "names must be distinct")
                }
                t.labelNames = names
                t.labelNamesGiven = true
            } else {
                t.labelNames = t.taskType == .binary ? ["negative", "positive"]
                    : (0..<max(0, t.numLabels)).map { "class_\($0)" }
                t.labelNamesGiven = false
            }
            s.ignored("threshold") { n in
                n.scalar.flatMap { Double($0.string) } == 0.5 ? nil
                    : "dnatune predicts the class of highest probability (as DNALLM's metrics do); threshold ignored"
            }
            s.finish(known: keys.names())
            return t
        }
    }
}
