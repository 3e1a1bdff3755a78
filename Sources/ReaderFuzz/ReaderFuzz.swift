import Data
import Foundation

/// A coverage-guided fuzz target for dnatune's readers (libFuzzer), and the replayer of its
/// corpus. The first byte of an input picks the file type (FASTA, FASTQ, CSV, TSV, text, each
/// plain or gzip-named); the rest is the file. Every input must end in records or a `DataError`
/// naming the file: anything else (another error, a crash, a hang) is a finding.
///
///     scripts/fuzz-readers 60          # build with -sanitize=fuzzer and fuzz for 60 s
///     swift run reader-fuzz FILE...    # replay inputs (a crash reproducer, the seed corpus)
enum ReaderFuzz {
    static let names = ["in.fasta", "in.fastq", "in.csv", "in.tsv", "in.txt", "in.fa.gz", "in.fq.gz", "in.csv.gz"]
    static let directory = NSTemporaryDirectory() + "/dnatune-fuzz-\(getpid())"

    /// Runs one input; returns "records" or "error", and stops the process on anything else.
    static func run(_ bytes: UnsafeRawBufferPointer) -> String {
        guard let selector = bytes.first else { return "error" }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + names[Int(selector) % names.count]
        guard FileManager.default.createFile(atPath: path, contents: Foundation.Data(bytes.dropFirst())) else {
            fatalError("cannot write \(path)")
        }
        do {
            let options = ReaderOptions(phredDetectionRecords: 3, maxLineBytes: 1 << 16)
            let records = try SequenceReader.readAll(path: path, options: options)
            for r in records {
                precondition(r.sequence.allSatisfy { "ACGTN".utf8.contains($0) }, "a sequence holds a byte outside ACGTN")
                if let q = r.quality { precondition(q.count == r.sequence.count, "quality and sequence differ in length") }
            }
            let pipeline = try CleaningPipeline(options: CleaningOptions(
                adapters: CleaningOptions.defaultAdapters, qualityCutoff: 20, maxNFraction: 0.5, minLength: 2,
                deduplicate: true, reverseComplementDuplicates: true))
            _ = try pipeline.clean(records)
            var census = LabelCensus()
            _ = try FileStats.compute(path: path, options: options, census: &census)
            return "records"
        } catch let error as DataError {
            precondition(error.file == path, "a DataError names \(error.file ?? "no file"), not \(path)")
            return "error"
        } catch {
            fatalError("not a DataError: \(error)")
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = ReaderFuzz.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver (in the runtime `-sanitize=fuzzer` links).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The executable's entry point as SwiftPM links it (`main` is an alias of `<module>_main`):
/// hands the command line to libFuzzer's driver.
@_cdecl("reader_fuzz_main")
public func readerFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc, arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
#else
@main
enum ReaderFuzzReplay {
    /// Replays every file given (a folder: every file in it) through the fuzz target.
    static func main() {
        var files: [String] = []
        for arg in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: arg, isDirectory: &isDirectory), isDirectory.boolValue {
                files += ((try? FileManager.default.contentsOfDirectory(atPath: arg)) ?? []).sorted().map { arg + "/" + $0 }
            } else {
                files.append(arg)
            }
        }
        for file in files {
            let bytes = FileManager.default.contents(atPath: file) ?? Foundation.Data()
            let outcome = bytes.withUnsafeBytes { ReaderFuzz.run($0) }
            print("\(file): \(outcome)")
        }
        try? FileManager.default.removeItem(atPath: ReaderFuzz.directory)
    }
}
#endif
