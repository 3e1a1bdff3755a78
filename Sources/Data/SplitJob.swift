import Foundation

/// `dnatune data split` as a library call: read a file (or a pre-split directory), clean and
/// deduplicate it, split it stratified (unless already split), balance the training part,
/// check for leakage, and write `train.csv`, `dev.csv`, `test.csv` (`sequence,label`, labels
/// by name) and `manifest.json`, each atomically.
public enum SplitJob {
    /// Runs the job; returns the manifest it wrote.
    /// - Parameter clean: apply the format's default cleaning (`CleaningOptions.defaults`);
    ///   when false, only exact duplicates and label conflicts are removed, since duplicates must
    ///   go before splitting. The manifest reports what ran either way.
    public static func run(path: String, outputDirectory: String, options: PreparationOptions,
                           clean: Bool = true, readerOptions: ReaderOptions = ReaderOptions()) throws -> SplitManifest {
        let layout = try DatasetLayout.resolve([path])
        let sources = try CleanedSources.load([path], readerOptions: readerOptions) { format in
            clean ? CleaningOptions.defaults(for: format) : CleaningOptions(deduplicate: true)
        }
        let cleaningReports = sources.cleaning, warnings = sources.warnings
        let prepared = try sources.prepare(options: options)

        var files: [String: String] = [:], counts: [String: [String: Int]] = [:]
        try AtomicFile.createDirectory(atPath: outputDirectory)
        for (name, data) in prepared.namedParts {
            let fileName = "\(name).csv"
            try AtomicFile.write(csv(data), to: (outputDirectory as NSString).appendingPathComponent(fileName))
            files[name] = fileName
            counts[name] = Dictionary(uniqueKeysWithValues: zip(data.labelNames, data.classCounts))
        }
        let manifest = SplitManifest(
            source: path, preSplit: layout.isPreSplit, seed: options.seed, ratios: layout.isPreSplit ? nil : options.ratios,
            balance: options.balance, reverseComplementAugmentation: options.reverseComplementAugmentation,
            labels: prepared.labelNames,
            classWeights: Dictionary(uniqueKeysWithValues: zip(prepared.labelNames, prepared.classWeights)),
            counts: counts, stages: prepared.report.stages, leakage: prepared.leakage, files: files,
            cleaning: cleaningReports, warnings: warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var json = Array(try encoder.encode(manifest)); json.append(0x0A)
        try AtomicFile.write(json, to: (outputDirectory as NSString).appendingPathComponent("manifest.json"))
        return manifest
    }

    /// `sequence,label` CSV text with label names (quoted when they hold `,`, `"` or a line break).
    public static func csv(_ data: LabeledSequences) -> [UInt8] {
        let names = data.labelNames.map { name -> [UInt8] in
            guard name.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return Array(name.utf8) }
            return Array("\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"".utf8)
        }
        var out = Array("sequence,label\n".utf8)
        out.reserveCapacity(out.count + data.sequences.reduce(0) { $0 + $1.count + 12 })
        for (s, label) in zip(data.sequences, data.labels) {
            out += s; out.append(0x2C); out += names[label]; out.append(0x0A)
        }
        return out
    }
}
