extension TrainConfig {
    /// The kinds of task dnatune trains (DNALLM's `task_type` values for classification).
    public enum TaskType: String, Sendable, CaseIterable, Codable {
        case binary, multiclass
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

        public init() {}

        /// Why the data's class labels `labels` (from `sources`) do not fit this task, or nil when
        /// they do: another number of classes than `num_labels`, or other names than
        /// `label_names` when the config gives them (and `checkNames`) — unless the labels are the
        /// ids 0…n−1, which `label_names` names.
        public func mismatch(with labels: [String], sources: [String], checkNames: Bool = true) -> String? {
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

        /// This task set to the data's classes: binary or multiclass, their count and names.
        public mutating func adopt(labels: [String]) {
            taskType = labels.count == 2 ? .binary : .multiclass
            numLabels = labels.count
            labelNames = labels
            labelNamesGiven = true
        }

        /// The section's keys: type, allowed values and help, declared once.
        static let keys: [SectionKey<Task>] = [
            .choice("task_type", \.taskType, "binary (2 classes, positive class 1) or multiclass (3 or more)"),
            .byHand("num_labels", .integer(.between(2, 10_000)), "classes: 2 for binary, ≥ 3 for multiclass (required there)") {
                .integer($0.numLabels)
            },
            .byHand("label_names", .texts, nullable: true,
                    "one name per class in label-id order; given, the data's labels must be these names (or the ids 0…n−1)") {
                $0.labelNamesGiven ? .texts($0.labelNames) : .null
            },
        ]

        static func read(_ s: ConfigSection) -> Task {
            var t = Task()
            keys.read(s, into: &t)
            let explicitCount = s.optionalInt("num_labels", keys["num_labels"].range!.check)
            t.numLabels = explicitCount ?? (t.taskType == .binary ? 2 : 0)
            let line = s.raw("num_labels")
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
            s.finish(known: keys.names() + ["threshold"])
            return t
        }
    }
}
