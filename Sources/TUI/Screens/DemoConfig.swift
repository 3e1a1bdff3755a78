import Training

/// The config the dashboard opens with when none is given: `examples/demo.yaml` — the built-in
/// demo dataset and a small BERT trained from scratch (a test keeps the two identical).
public enum DemoConfig {
    /// The YAML text of `examples/demo.yaml`.
    public static let yaml = """
    # dnatune on the built-in demo dataset: promoter-like motifs in background sequence, about
    # 1 positive to 6 negatives, delivered as FASTQ with duplicates, adapters and poor reads.
    # A small BERT trained from scratch; meant to beat chance clearly within two minutes on 2 cores.
    #   dnatune train examples/demo.yaml
    task:
      task_type: binary
      num_labels: 2
      label_names: [non_promoter, promoter]

    finetune:
      output_dir: runs
      num_train_epochs: 4
      per_device_train_batch_size: 32
      per_device_eval_batch_size: 64
      learning_rate: 1e-3
      weight_decay: 0.01
      warmup_ratio: 0.1
      lr_scheduler_type: cosine
      logging_steps: 10
      eval_strategy: steps
      eval_steps: 50
      save_strategy: steps
      save_steps: 50
      save_total_limit: 2
      metric_for_best_model: eval_mcc
      load_best_model_at_end: true
      seed: 42
      dataloader_drop_last: true   # 2,241 / 32 leaves a last batch of 1 sequence
      callbacks:
        early_stopping:
          patience: 5
          threshold: 0.0

    data:
      sources: demo
      cleaning:
        adapters: {enabled: auto}
        quality: {enabled: auto, trim_cutoff: 20, min_mean: 20}
        max_n_fraction: 0.1
        deduplicate: true
      split: {train: 0.8, validation: 0.1, test: 0.1, seed: 42}
      balancing: weights            # class-weighted loss against the 1:6 imbalance
      tokenizer: {kind: kmer, k: 3, max_length: 128}

    model:
      base: scratch
      hidden_size: 64
      num_hidden_layers: 2
      num_attention_heads: 4
      intermediate_size: 256
      strategy: full
    """

    /// The parsed demo config.
    public static func load() -> TrainConfig {
        // The text is fixed and tested; parsing it cannot fail.
        (try? TrainConfig.parse(yaml: yaml, file: "examples/demo.yaml").config) ?? TrainConfig()
    }
}
