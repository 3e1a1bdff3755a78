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
            truncated to the run's maximum length; nothing is filtered out. Streams: a few thousand sequences are read, \
            classified and written at a time, so any number fits in memory; prints the throughput at the end. Writes the CSV to --out (renamed into place when complete), \
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
            let labelNames = trained.labelNames
            let kind = trained.config.task.kind
            // Classes predicted (classification), labels predicted (multi-label), or the sum of
            // each target's predictions (regression).
            var counts = [Int](repeating: 0, count: labelNames.count)
            var sums = [Double](repeating: 0, count: labelNames.count)
            let start = Date()
            // Streamed: one chunk of sequences in memory at a time, written as it is classified.
            let sink: Sink = try out.map { try .file(FileSink(path: $0)) } ?? .standardOutput
            let total: Int
            do {
                sink.write(Predictions.csvHeader(labelNames, kind: kind))
                let thresholds = trained.thresholds
                total = try trained.predict(path: file) { chunk in
                    let k = labelNames.count
                    for i in 0..<chunk.count {
                        switch kind {
                        case .classification: counts[chunk.predictedClass(i)] += 1
                        case .regression: for c in 0..<k { sums[c] += Double(chunk.probabilities[i * k + c]) }
                        case .multiLabel: for c in 0..<k where chunk.probabilities[i * k + c] >= thresholds[c] { counts[c] += 1 }
                        }
                    }
                    sink.write(chunk.csvRows)
                }
                try sink.finish()
            } catch {
                sink.abandon()
                throw error
            }
            let seconds = Date().timeIntervalSince(start)
            let rate = String(format: "%.0f sequences/s", Double(total) / max(seconds, 1e-9))
            let summary: String
            switch kind {
            case .classification: summary = "predicted: " + zip(labelNames, counts).map { "\($0) \($1)" }.joined(separator: ", ")
            case .multiLabel: summary = "labels predicted: " + zip(labelNames, counts).map { "\($0) \($1)" }.joined(separator: ", ")
            case .regression:
                summary = "mean prediction: " + zip(labelNames, sums).map { "\($0) " + String(format: "%.4g", $1 / Double(max(total, 1))) }
                    .joined(separator: ", ")
            }
            if let out {
                print("wrote \(total) predictions to \(out) (\(summary)) in \(String(format: "%.1f", seconds)) s, \(rate)")
            } else {
                printError("predicted \(total) sequences (\(summary)) in \(String(format: "%.1f", seconds)) s, \(rate)")
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
    }

    /// Where the CSV goes: standard output, or a file written beside its final name and
    /// renamed into place at the end (a failed run leaves no partial file under that name).
    enum Sink {
        case standardOutput
        case file(FileSink)

        func write(_ text: String) {
            switch self {
            case .standardOutput: StandardOutput.write(text)
            case .file(let f): f.write(text)
            }
        }

        func finish() throws { if case .file(let f) = self { try f.finish() } }
        func abandon() { if case .file(let f) = self { f.abandon() } }
    }

    final class FileSink {
        let path: String, partial: String
        let handle: FileHandle
        var error: Error?

        init(path: String) throws {
            self.path = path
            partial = path + ".partial-\(getpid())"
            guard FileManager.default.createFile(atPath: partial, contents: nil) else {
                throw RunError("cannot create \(partial): \(String(cString: strerror(errno)))")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        }

        func write(_ text: String) {
            guard error == nil else { return }
            do { try handle.write(contentsOf: Foundation.Data(text.utf8)) } catch { self.error = error }
        }

        func finish() throws {
            try handle.synchronize()
            try handle.close()
            if let error { throw RunError("cannot write \(path): \(error.localizedDescription)") }
            guard rename(partial, path) == 0 else { throw RunError("cannot write \(path): \(String(cString: strerror(errno)))") }
        }

        func abandon() {
            try? handle.close()
            unlink(partial)
        }
    }
}
