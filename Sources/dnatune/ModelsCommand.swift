import ArgumentParser
import Foundation
import Training

/// `dnatune models`: the base models found by name (what `model.base` may say).
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the base models found by name.",
        discussion: """
            Searches models/ in the working directory, models/ of the package dnatune was built in, and \
            $DNATUNE_MODELS (default ~/.local/share/dnatune/models) for model folders (config.json beside \
            the weights) and lists each with its family (BERT, DNABERT-2, Nucleotide Transformer), size, \
            parameter count, tokenizer and weight file; folders it cannot use are listed under "not usable" \
            with the reason. A config's model.base may name any of them; with data.tokenizer.kind vocab and \
            no vocab path, the model's own tokenizer is used (a BPE tokenizer.json, else vocab.txt).
            """)

    func run() throws {
        let catalog = ModelCatalog.standard()
        let models = catalog.list()
        print("searched: " + catalog.directories.map(\.path).joined(separator: ", "))
        if models.isEmpty { print("no base models found") }
        let width = models.map(\.name.count).max() ?? 0
        let indent = String(repeating: " ", count: width) + "  "
        for m in models {
            print(m.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + m.summary)
            print(indent + "tokenizer " + m.tokenizer)
            print(indent + m.path + "/" + m.weightsFile)
        }
        let unusable = catalog.unusable()
        if !unusable.isEmpty {
            print("")
            print("not usable:")
            for u in unusable { print("  " + u.reason) }
        }
    }
}
