import Foundation
import Testing
@testable import Training

/// The config's one declaration of its keys (`ConfigSchema`): the reader reads exactly the
/// declared keys, with the declared types, ranges and defaults, and docs/config.md is it.
@Suite struct ConfigSchemaTests {
    /// The issues of an empty config with `overrides`, or [] when it loads.
    func issues(_ overrides: [String]) -> [ConfigIssue] {
        do { _ = try TrainConfig.parse(yaml: "", overrides: overrides); return [] } catch let e as ConfigError {
            return e.issues
        } catch { return [ConfigIssue(.error, path: "?", "\(error)")] }
    }

    /// Overrides a key needs before its own value is read at all (a schedule's parameters).
    static let prerequisites = [
        "finetune.lr_scheduler_kwargs.num_cycles": ["finetune.lr_scheduler_type=cosine"],
        "finetune.lr_scheduler_kwargs.power": ["finetune.lr_scheduler_type=polynomial"],
        "finetune.lr_scheduler_kwargs.lr_end": ["finetune.lr_scheduler_type=polynomial"],
        "finetune.lr_scheduler_kwargs.timescale": ["finetune.lr_scheduler_type=inverse_sqrt"],
        "data.class_weights": ["data.balancing=weights"],
    ]

    @Test func pathsAreUniqueAndEveryKeyHasHelp() {
        let paths = ConfigSchema.keys.map(\.path)
        #expect(Set(paths).count == paths.count)
        #expect(paths.count > 70)
        for key in ConfigSchema.keys {
            #expect(key.help.count >= 15, "\(key.path): '\(key.help)'")
            #expect(ConfigSchema.key(key.path)?.path == key.path)
        }
        #expect(ConfigSchema.key("finetune.no_such_key") == nil)
    }

    /// Every key the resolved config (a run's config.yaml) writes is declared, and the reader
    /// reads every declared key from it: nothing is read that the declaration does not list.
    @Test func theWrittenConfigHoldsExactlyTheDeclaredKeys() throws {
        var config = TrainConfig()
        config.task.labelNames = ["negative", "positive"]
        let lines = try TrainConfig.parse(yaml: config.yaml()).lines
        let sections: Set<String> = ["task", "finetune", "finetune.lr_scheduler_kwargs", "finetune.callbacks",
                                     "finetune.callbacks.early_stopping", "lora", "data", "data.cleaning", "data.cleaning.adapters",
                                     "data.cleaning.quality", "data.split", "data.augmentation", "data.tokenizer", "model"]
        let read = Set(lines.keys).subtracting(sections)
        // A schedule's parameters are written only when set (which apply depends on the schedule).
        let declared = Set(ConfigSchema.keys.map(\.path).filter { !$0.hasPrefix("finetune.lr_scheduler_kwargs.") })
        #expect(read == declared, "read, not declared: \(read.subtracting(declared)); declared, not read: \(declared.subtracting(read))")
    }

    /// Each key's default, set with `--set` in the text `config keys` shows, reads back to the
    /// default config: the declared type, default and the reader agree.
    @Test(arguments: ConfigSchema.keys.map(\.path))
    func theDeclaredDefaultReadsBack(_ path: String) throws {
        let key = ConfigSchema.declared(path)
        let loaded = try TrainConfig.parse(yaml: "", overrides: (Self.prerequisites[path] ?? []) + ["\(path)=\(key.defaultValue.yaml)"])
        #expect(key.value(loaded.config) == key.defaultValue)
        if Self.prerequisites[path] == nil { #expect(loaded.config == TrainConfig()) }
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    /// Values just outside a numeric key's declared range are refused by the reader in the
    /// declared words, and its bounds (where allowed) are not refused as out of range.
    @Test(arguments: ConfigSchema.keys.filter { $0.range != nil }.map(\.path))
    func theReaderChecksTheDeclaredRange(_ path: String) {
        let key = ConfigSchema.declared(path)
        let r = key.range!
        let step = r.whole ? 1.0 : max(1e-3, (min(r.upper, r.lower + 1) - r.lower) / 4)
        func text(_ v: Double) -> String {
            let scalar = r.whole ? String(Int(v)) : String(v)
            if case .numbers = key.kind { return "[\(scalar)]" }
            return scalar
        }
        func refusal(_ v: Double) -> String? {
            issues((Self.prerequisites[path] ?? []) + ["\(path)=\(text(v))"])
                .first { $0.path == path && $0.message.contains("out of range") }?.message
        }
        var outside = [r.lowerOpen ? r.lower : r.lower - step] + (r.except.map { [$0] } ?? [])
        if r.upper.isFinite { outside.append(r.upperOpen ? r.upper : r.upper + step) }
        for v in outside {
            let message = refusal(v)
            #expect(message?.contains(r.requirement) == true, "\(path)=\(text(v)): \(message ?? "accepted")")
        }
        for v in [r.lower, r.upper] where v.isFinite && r.contains(v) {
            #expect(refusal(v) == nil, "\(path)=\(text(v)) refused")
        }
    }

    /// A word outside a choice key's declared words is refused with exactly those words.
    @Test(arguments: ConfigSchema.keys.filter {
        switch $0.kind { case .choice, .toggle: true; default: false }
    }.map(\.path))
    func theReaderOffersTheDeclaredWords(_ path: String) {
        let key = ConfigSchema.declared(path)
        let message = issues(["\(path)=bogus"]).first { $0.path == path }?.message
        #expect(message?.hasPrefix("'bogus' is not one of: \(key.kind.text())") == true, "\(message ?? "accepted")")
    }

    /// docs/config.md is the declaration's Markdown (regenerate with
    /// `dnatune config keys --markdown > docs/config.md`).
    @Test func theReferenceInDocsIsCurrent() throws {
        let file = TrainConfigTests.packageRoot.appendingPathComponent("docs/config.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == ConfigSchema.markdown(), "docs/config.md is stale: run `dnatune config keys --markdown > docs/config.md`")
        for key in ConfigSchema.keys { #expect(text.contains("`\(key.path.split(separator: ".").last!)`")) }
    }

    @Test func theTableShowsTypeDefaultAndHelp() {
        let table = ConfigSchema.table(prefix: "lora.r")
        #expect(table == "lora.r  integer 1 … 4096, default 8\n    the rank of the LoRA update")
        #expect(ConfigSchema.table(prefix: "finetune.max_steps").hasPrefix("finetune.max_steps  integer -1 or ≥ 1, default -1"))
        #expect(ConfigSchema.table(prefix: "nothing").isEmpty)
    }
}
