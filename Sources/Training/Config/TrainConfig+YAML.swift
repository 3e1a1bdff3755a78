import Yams

extension TrainConfig {
    /// The config as YAML with every value written out (defaults included; the scratch size and
    /// k only where they apply), in DNALLM's section and key names: the resolved `config.yaml` of a run directory. `parse(yaml:)` reads it back
    /// to an equal config with no warnings; strings are double-quoted so other YAML readers
    /// (PyYAML for DNALLM) read them as strings too.
    public func yaml() -> String {
        let t = task, f = finetune, l = lora, d = data, m = model
        var kwargs: [(String, Node)] = []
        if let v = f.lrSchedulerKwargs.numCycles {
            kwargs.append(("num_cycles", f.lrSchedulerType == .cosineWithRestarts ? int(Int(v)) : number(v)))
        }
        if let v = f.lrSchedulerKwargs.power { kwargs.append(("power", number(v))) }
        if let v = f.lrSchedulerKwargs.lrEnd { kwargs.append(("lr_end", number(v))) }
        if let v = f.lrSchedulerKwargs.timescale { kwargs.append(("timescale", int(v))) }
        let c = d.cleaning
        let root = map([
            ("task", map([
                ("task_type", string(t.taskType.rawValue)),
            ] + (t.numLabels > 0 ? [("num_labels", int(t.numLabels))] : []) + (t.labelNamesGiven ? [("label_names", list(t.labelNames.map(string)))] : []) + [
                ("loss", string(t.loss.rawValue)), ("huber_delta", number(t.huberDelta)), ("standardize", bool(t.standardize)),
                ("threshold", number(t.threshold)), ("tune_thresholds", bool(t.tuneThresholds)),
            ])),
            ("finetune", map([
                ("output_dir", string(f.outputDir)), ("num_train_epochs", number(f.numTrainEpochs)),
                ("max_steps", int(f.maxSteps)), ("max_minutes", f.maxMinutes.map(number) ?? null),
                ("per_device_train_batch_size", int(f.perDeviceTrainBatchSize)),
                ("per_device_eval_batch_size", int(f.perDeviceEvalBatchSize)),
                ("gradient_accumulation_steps", int(f.gradientAccumulationSteps)),
                ("learning_rate", number(f.learningRate)), ("weight_decay", number(f.weightDecay)),
                ("adam_beta1", number(f.adamBeta1)), ("adam_beta2", number(f.adamBeta2)),
                ("adam_epsilon", number(f.adamEpsilon)), ("max_grad_norm", number(f.maxGradNorm)),
                ("lr_scheduler_type", string(f.lrSchedulerType.rawValue)), ("lr_scheduler_kwargs", map(kwargs)),
                ("warmup_ratio", number(f.warmupRatio)), ("warmup_steps", int(f.warmupSteps)),
                ("logging_strategy", string(f.loggingStrategy.rawValue)), ("logging_steps", int(f.loggingSteps)),
                ("eval_strategy", string(f.evalStrategy.rawValue)), ("eval_steps", int(f.evalSteps)),
                ("save_strategy", string(f.saveStrategy.rawValue)), ("save_steps", int(f.saveSteps)),
                ("save_total_limit", f.saveTotalLimit.map(int) ?? null),
                ("metric_for_best_model", string(f.metricForBestModel)), ("greater_is_better", bool(f.greaterIsBetter)),
                ("load_best_model_at_end", bool(f.loadBestModelAtEnd)), ("seed", int(f.seed)),
                ("dataloader_drop_last", bool(f.dataloaderDropLast)), ("blend_baseline", bool(f.blendBaseline)),
                ("ema_decay", f.emaDecay.map(number) ?? null),
                ("callbacks", map([("early_stopping", map([
                    ("patience", f.earlyStopping.patience.map(int) ?? null),
                    ("threshold", number(f.earlyStopping.threshold)),
                ]))])),
            ])),
            ("lora", map([
                ("r", int(l.r)), ("lora_alpha", number(l.loraAlpha)), ("lora_dropout", number(l.loraDropout)),
                ("target_modules", list(l.targetModules.map(string))), ("use_rslora", bool(l.useRslora)),
                ("modules_to_save", list(l.modulesToSave.map(string))),
            ])),
            ("data", map([
                ("sources", list(d.sources.map(string))), ("text_column", string(d.textColumn)),
                ("label_column", string(d.labelColumn)), ("label_columns", d.labelColumns.map { list($0.map(string)) } ?? null),
                ("label_delimiter", string(d.labelDelimiter)), ("target_tolerance", number(d.targetTolerance)),
                ("ambiguity", string(d.ambiguity.rawValue)),
                ("cleaning", map([
                    ("adapters", map([
                        ("enabled", toggle(c.adapters.enabled)), ("sequences", list(c.adapters.sequences.map(string))),
                        ("max_error_rate", number(c.adapters.maxErrorRate)), ("min_overlap", int(c.adapters.minOverlap)),
                        ("action", string(c.adapters.action.rawValue)),
                    ])),
                    ("quality", map([
                        ("enabled", toggle(c.quality.enabled)), ("trim_cutoff", c.quality.trimCutoff.map(int) ?? null),
                        ("min_mean", c.quality.minMean.map(number) ?? null),
                    ])),
                    ("max_n_fraction", c.maxNFraction.map(number) ?? null),
                    ("min_length", c.minLength.map(int) ?? null), ("max_length", c.maxLength.map(int) ?? null),
                    ("deduplicate", bool(c.deduplicate)),
                    ("reverse_complement_duplicates", bool(c.reverseComplementDuplicates)),
                    ("keep_test_split", bool(c.keepTestSplit)),
                ])),
                ("split", map([
                    ("train", number(d.split.train)), ("validation", number(d.split.validation)),
                    ("test", number(d.split.test)), ("seed", int(d.split.seed)),
                ])),
                ("balancing", string(d.balancing.rawValue)),
                ("class_weights", d.classWeights.map { list($0.map(number)) } ?? null),
                ("augmentation", map([("reverse_complement", bool(d.reverseComplementAugmentation)),
                                      ("average_strands", bool(d.averageStrands))])),
                ("tokenizer", map([("kind", string(d.tokenizer.kind.rawValue))]
                    + (d.tokenizer.usesK ? [("k", int(d.tokenizer.k))] : [])
                    + [("vocab", d.tokenizer.vocab.map(string) ?? null), ("max_length", int(d.tokenizer.maxLength))])),
            ])),
            ("model", map([("base", string(m.base))]
                + (m.isScratch ? [("hidden_size", int(m.hiddenSize)), ("num_hidden_layers", int(m.numHiddenLayers)),
                                  ("num_attention_heads", int(m.numAttentionHeads)),
                                  ("intermediate_size", int(m.intermediateSize))] : [])
                + [("strategy", string(m.strategy.rawValue)), ("freeze_layers", int(m.freezeLayers)),
                   ("dropout", m.dropout.map(number) ?? null), ("adaptive_steps", int(m.adaptiveSteps)),
                   ("adaptive_learning_rate", number(m.adaptiveLearningRate))])),
        ])
        // Serialising a tree of plain scalars, lists and mappings cannot fail.
        return (try? Yams.serialize(node: root, indent: 2, width: -1, allowUnicode: true)) ?? ""
    }
}

private func map(_ pairs: [(String, Node)]) -> Node {
    Node.mapping(Node.Mapping(pairs.map { (Node($0.0), $0.1) }, .implicit, pairs.isEmpty ? .flow : .block))
}

private func list(_ items: [Node]) -> Node {
    Node.sequence(Node.Sequence(items, .implicit, items.count <= 8 ? .flow : .block))
}

private func string(_ s: String) -> Node { Node.scalar(Node.Scalar(s, .implicit, .doubleQuoted)) }
private func int(_ v: Int) -> Node { Node.scalar(Node.Scalar(String(v), .implicit, .plain)) }
private func bool(_ v: Bool) -> Node { Node.scalar(Node.Scalar(v ? "true" : "false", .implicit, .plain)) }
private var null: Node { Node.scalar(Node.Scalar("null", .implicit, .plain)) }
private func toggle(_ t: TrainConfig.Toggle) -> Node {
    Node.scalar(Node.Scalar(t == .auto ? "auto" : (t == .on ? "true" : "false"), .implicit, .plain))
}

/// A number that every YAML reader parses as a float and that reads back to the same Double:
/// Swift's shortest round-trip text, with a `.0` added before an exponent (YAML 1.1 floats need
/// a dot, so PyYAML reads `2e-05` as a string but `2.0e-05` as a float).
private func number(_ v: Double) -> Node {
    var text = "\(v)"
    if v.rounded() == v && abs(v) < 1e15 { text = String(Int(v)) }
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), !text[..<e].contains(".") {
        text.insert(contentsOf: ".0", at: e)
    }
    return Node.scalar(Node.Scalar(text, .implicit, .plain))
}
