import ArgumentParser
import Data
import Foundation
import Training

/// `dnatune predict RUN FILE [--out predictions.csv] [--checkpoint best|last]`
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict the class of every sequence in a file with a run's checkpoint.",
        discussion: """
            Works on unlabelled files (FASTA, FASTQ, CSV/TSV with a sequence column, plain text; gzip/xz too). \
            Every record gets a row, in file order: id, one probability column per class (prob_<class>), and \
            the predicted label (the most probable class). Ids are the FASTA/FASTQ record names, `row N` for \
            table rows and `line N` for plain text (N: the line in the file). Sequences are normalised as for training and \
            truncated to the run's maximum length; nothing is filtered out. Writes the CSV to --out (atomically), \
            or to standard output without it.
            """)

    @Argument(help: ArgumentHelp("The run directory (runs/<timestamp>-<name>).", valueName: "run"))
    var runPath: String

    @Argument(help: "The sequences to classify.")
    var file: String

    @Option(help: "Where to write the CSV (default: standard output).")
    var out: String?

    @OptionGroup var checkpointOption: CheckpointOption

    func run() throws {
        do {
            let trained = try checkpointOption.open(runPath)
            let predictions = try trained.predict(path: file)
            if let out {
                try AtomicFile.write(text: predictions.csv, to: out)
                var counts = [Int](repeating: 0, count: predictions.labelNames.count)
                for i in 0..<predictions.count { counts[predictions.predictedClass(i)] += 1 }
                let summary = zip(predictions.labelNames, counts).map { "\($0) \($1)" }.joined(separator: ", ")
                print("wrote \(predictions.count) predictions to \(out) (predicted: \(summary))")
            } else {
                FileHandle.standardOutput.write(Foundation.Data(predictions.csv.utf8))
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
    }
}
