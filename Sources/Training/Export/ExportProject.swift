import Data
import Foundation

/// `dnatune export`: an experiment as a self-contained project for Hugging Face's Trainer on
/// GPUs (one, `accelerate launch` on several, `torchrun --nnodes` on several machines):
///
/// - `data/train.csv`, `dev.csv`, `test.csv`: exactly the rows dnatune trains, evaluates and
///   tests on — cleaned, split, balanced and augmented — with their labels and dnatune's token
///   ids (`input_ids`, and `input_ids_rc` for the reverse strand when predictions average both);
///   `data/manifest.json` as in a run directory;
/// - `model/`: the initial weights (a scratch model's seeded initialisation, or the pre-trained
///   base with its new head), `config.json` and the vocabulary; `train.py` builds every family
///   dnatune trains (BERT through transformers; DNABERT-2 as a PyTorch module under the published
///   names; the Nucleotide Transformer through transformers' ESM, with SwiGLU for v2), so the
///   project needs no remote code;
/// - `config.yaml`: the run's settings in DNALLM's sections, pointing at `data/` and `model/`
///   (cleaning, balancing and augmentation already applied), which dnatune also trains as is;
/// - `train.py` (`transformers.Trainer`, PEFT for LoRA, class-weighted loss, early stopping, the
///   same metrics, the test split once; dnatune's `metrics.jsonl` and `status.json` from rank 0),
///   `export.json` (the plan: steps, pad id, class weights), `requirements.txt`, `README.md`.
public enum ExportProject {
    /// What an export wrote.
    public struct Summary: Sendable {
        public var directory: URL
        public var rows: (train: Int, validation: Int, test: Int)
        public var totalSteps: Int
        public var stepsPerEpoch: Int
        /// What the config asks for that the exported `train.py` does not do, one line each.
        public var notCarried: [String] = []
    }

    /// The config's options the exported `train.py` does not apply (it fine-tunes and tests the
    /// network as Hugging Face's Trainer does), as lines for the user.
    public static func notCarried(_ config: TrainConfig) -> [String] {
        var lines: [String] = []
        if config.model.adaptiveSteps > 0 {
            lines.append("model.adaptive_steps (\(config.model.adaptiveSteps) task-adaptive masked-LM steps): train.py fine-tunes the base as it is, without them")
        }
        if let minutes = config.finetune.maxMinutes {
            lines.append("finetune.max_minutes (\(ConfigValue.numberText(minutes))): train.py trains its steps in full, without a time limit")
        }
        if let decay = config.finetune.emaDecay {
            lines.append("finetune.ema_decay (\(ConfigValue.numberText(decay))): train.py evaluates and saves the trained weights themselves, without a moving average")
        }
        if config.finetune.blendBaseline {
            lines.append("finetune.blend_baseline: train.py's test metrics and predictions are the network's alone, without the k-mer baseline")
        }
        return lines
    }

    /// The pinned Python packages `train.py` was checked with.
    static let requirements = """
        torch==2.13.0
        transformers==5.25.0
        accelerate==1.16.0
        peft==0.21.2
        scikit-learn==1.9.1
        numpy==2.4.6
        PyYAML==6.0.4
        safetensors==0.8.0
        tensorboard==2.21.0

        """

    /// Exports `config` (paths relative to the working directory) into `directory`, which must
    /// not exist or be empty.
    ///
    /// - Throws: `RunError` naming what stops the export: a non-empty folder, a task type
    ///   `train.py` does not train yet, or any data or model error of a run.
    @discardableResult
    public static func write(config original: TrainConfig, name: String, to directory: URL,
                             catalog: ModelCatalog = .standard(), progress: (String) -> Void = { _ in }) throws -> Summary {
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty {
            throw RunError("\(directory.path) is not empty; export into a new folder")
        }
        let config = try TrainingSession.resolvingBase(original, catalog: catalog)
        progress("preparing the data")
        guard config.task.kind == .classification else {
            throw RunError("exporting a \(config.task.taskType.rawValue) task is not supported yet: the exported train.py trains "
                           + "classifiers (binary or multiclass); train it here with `dnatune train`")
        }
        let data = try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
        if let mismatch = config.task.mismatch(with: data.labelNames, sources: config.data.sources) { throw RunError(mismatch) }
        let (model, _) = try TrainingSession.makeModel(config: config, data: data, catalog: catalog)

        try fm.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try fm.createDirectory(at: directory.appendingPathComponent("model"), withIntermediateDirectories: true)
        progress("writing data/")
        let both = config.data.averageStrands
        try writeSplit(data.dataset.train, data.encodedTrain, reverse: nil, to: directory.appendingPathComponent("data/train.csv"))
        try writeSplit(data.dataset.validation, data.encodedValidation.forwardStrand,
                       reverse: both ? data.encodedValidation.reverseStrand : nil, to: directory.appendingPathComponent("data/dev.csv"))
        if data.dataset.test.count > 0 {
            try writeSplit(data.dataset.test, data.encodedTest.forwardStrand,
                           reverse: both ? data.encodedTest.reverseStrand : nil, to: directory.appendingPathComponent("data/test.csv"))
        }
        try TrainingSession.writeManifest(data: data, config: config, model: model, to: directory.appendingPathComponent("data/manifest.json"))

        progress("writing model/")
        let modelDir = directory.appendingPathComponent("model").path
        try SafeTensorsWriter.write(model.parameters.tensorViews(), metadata: ["format": "pt"], to: modelDir + "/model.safetensors")
        try model.config.write(to: modelDir + "/config.json", labelNames: data.labelNames)
        let tokenizerFiles = TrainingSession.tokenizerFiles(config: config, tokenizer: data.tokenizer)
        if tokenizerFiles.isEmpty {
            try data.tokenizer.vocabulary.write(to: URL(fileURLWithPath: modelDir + "/vocab.txt"))
        }
        for file in tokenizerFiles {
            try fm.copyItem(atPath: file, toPath: modelDir + "/" + (file as NSString).lastPathComponent)
        }

        let weights = config.data.balancing == .weights ? data.dataset.classWeights : nil
        let plan = TrainingPlan(config: config, trainSamples: data.encodedTrain.count)
        let exported = exportedConfig(config, labelNames: data.labelNames, classWeights: weights)
        try AtomicFile.write(text: exported.yaml(), to: directory.appendingPathComponent("config.yaml").path)
        var info: [String: Any] = ["run_name": name, "total_steps": plan.totalSteps, "steps_per_epoch": plan.stepsPerEpoch,
                                   "pad_id": Int(data.tokenizer.padID), "label_names": data.labelNames,
                                   "rows": ["train": data.encodedTrain.count, "dev": data.dataset.validation.count, "test": data.dataset.test.count]]
        if let weights { info["class_weights"] = weights }
        try AtomicFile.write(text: JSONLine.encode(info) + "\n", to: directory.appendingPathComponent("export.json").path)
        try AtomicFile.write(text: trainScript, to: directory.appendingPathComponent("train.py").path)
        try AtomicFile.write(text: requirements, to: directory.appendingPathComponent("requirements.txt").path)
        try AtomicFile.write(text: readme(name: name, config: exported, family: model.config.family, plan: plan, rows: data.encodedTrain.count,
                                          base: config.model.isScratch ? nil : config.model.base),
                             to: directory.appendingPathComponent("README.md").path)
        return Summary(directory: directory, rows: (data.encodedTrain.count, data.dataset.validation.count, data.dataset.test.count),
                       totalSteps: plan.totalSteps, stepsPerEpoch: plan.stepsPerEpoch, notCarried: notCarried(config))
    }

    /// The config as the exported project holds it: the data and model folders beside it,
    /// every data step already applied (so re-reading `data/` gives the same rows), the class
    /// weights written out, the classes named.
    static func exportedConfig(_ config: TrainConfig, labelNames: [String], classWeights: [Double]?) -> TrainConfig {
        var c = config
        c.task.adopt(labels: labelNames)
        c.data.sources = ["data"]
        c.data.cleaning = TrainConfig.CleaningOptions()
        c.data.cleaning.adapters.enabled = .off
        c.data.cleaning.quality.enabled = .off
        c.data.cleaning.maxNFraction = nil
        c.data.cleaning.deduplicate = false
        c.data.reverseComplementAugmentation = false
        c.data.balancing = classWeights == nil ? .none : .weights
        c.data.classWeights = classWeights
        c.model.base = "model"
        if c.data.tokenizer.kind == .vocab { c.data.tokenizer.vocab = nil }
        c.finetune.outputDir = "runs"
        return c
    }

    /// One split as CSV: `sequence,label,input_ids[,input_ids_rc]`.
    static func writeSplit(_ rows: LabeledSequences, _ encoded: EncodedDataset, reverse: EncodedDataset?, to url: URL) throws {
        precondition(rows.count == encoded.count, "\(rows.count) rows, \(encoded.count) encoded")
        var text = "sequence,label,input_ids" + (reverse == nil ? "" : ",input_ids_rc") + "\n"
        for i in 0..<rows.count {
            let label = rows.labelNames[rows.labels[i]]
            text += String(decoding: rows.sequences[i], as: UTF8.self) + "," + Trainer.csvField(label) + "," + encoded.ids(of: i).map(String.init).joined(separator: " ")
            if let reverse { text += "," + reverse.ids(of: i).map(String.init).joined(separator: " ") }
            text += "\n"
        }
        try AtomicFile.write(text: text, to: url.path)
    }

    /// The exported project's README; `base` is the pre-trained base `model/` was made from (nil
    /// for a model from scratch).
    static func readme(name: String, config: TrainConfig, family: ModelFamily, plan: TrainingPlan, rows: Int, base: String? = nil) -> String {
        let strategy = config.model.strategy.rawValue
        let origin = base.map { "`model/` holds the initial weights: the pre-trained base `\($0)` with a new classification head" }
            ?? "`model/` holds the initial weights: a model from scratch, as dnatune's seed initialises it"
        // What dnatune does that train.py does not: the config keeps it, so the two runs differ there.
        let skipped = notCarried(config)
        let same = skipped.isEmpty ? "`dnatune train config.yaml` trains the same run on a CPU"
            : "`dnatune train config.yaml` trains it on a CPU with what train.py leaves out, listed below"
        let differences = skipped.isEmpty ? "" : "\n\nWhat `train.py` does not do, though `config.yaml` asks for it (dnatune does):\n\n"
            + skipped.map { "- " + $0 }.joined(separator: "\n")
        return """
            # \(name): exported by dnatune

            The experiment dnatune would train, as a project for Hugging Face's Trainer: \(rows) training rows,
            \(plan.totalSteps) optimizer steps (\(plan.stepsPerEpoch) per epoch on one process), strategy \(strategy),
            model family \(family.displayName): `train.py` builds it itself under the published parameter names (no
            remote code to download, so compute nodes without internet run it too).
            `data/` holds exactly the rows dnatune uses (with its token ids); \(origin);
            `config.yaml` the settings (DNALLM's sections; \(same)).\(differences)

            ## Set up

                python -m venv .venv && . .venv/bin/activate
                pip install -r requirements.txt

            ## Train

                python train.py                                      # one GPU (or the CPU)
                accelerate launch train.py                           # every GPU of this machine
                torchrun --nproc_per_node 4 train.py                 # the same with torchrun
                torchrun --nnodes 2 --node_rank 0 --master_addr HOST --master_port 29500 --nproc_per_node 4 train.py
                                                                     # two machines (node_rank 1 on the other)

            `per_device_train_batch_size` is per process: on N GPUs an epoch has about 1/N of the steps, as with
            any Trainer run. `python train.py --max-steps 20` is a short check.

            ## Watch and evaluate with dnatune

            The run directory (`runs/\(name)`, or `--out DIR`) gets dnatune's `metrics.jsonl` and `status.json`
            (from the process of rank 0), TensorBoard files, `test_metrics.json`, `predictions.csv` and the best
            model as `checkpoints/best` (a Hugging Face model folder; LoRA merged into it):

                dnatune watch runs/\(name)          # live curves and early stopping, from any terminal, over SSH
                dnatune eval runs/\(name)           # the test split, scored by dnatune
                dnatune predict runs/\(name) FILE   # class probabilities for a sequence file
                tensorboard --logdir runs

            """
    }
}
