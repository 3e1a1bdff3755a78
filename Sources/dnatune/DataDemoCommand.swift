import ArgumentParser
import Data
import Foundation

/// `dnatune data demo OUTDIR`
struct DataDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write the built-in synthetic promoter dataset (FASTQ, labels as @id|label) to a directory.")

    @Argument(help: "The output directory (demo.fastq and README.txt are written there).")
    var outdir: String

    @Option(help: "2 (promoter / non-promoter) or 3 (promoter / enhancer / background).")
    var classes: Int = 2

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = DemoDataset.defaultSeed

    @Option(help: "Number of reads.")
    var count: Int = DemoDataset.defaultCount

    func run() throws {
        guard classes == 2 || classes == 3 else { throw ValidationError("--classes must be 2 or 3") }
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
        try reportingDataErrors {
            let url = try DemoDataset.write(to: URL(fileURLWithPath: outdir), classes: classes, seed: seed, count: count)
            print("wrote \(url.path) (\(count) reads, \(classes) classes, seed \(seed))")
        }
    }
}
