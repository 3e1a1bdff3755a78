import Foundation
import Testing
@testable import Training

/// Freeze-N and a frozen backbone for every family: the tensors above the frozen part get the
/// reference's gradients (the same as in full fine-tuning: freezing changes nothing above it),
/// the frozen ones none at all. Fixtures: dnabert2_reference, esm_reference.
@Suite struct FamilyStrategyTests {
    static let cases: [(String, String)] = [("dnabert2_reference", "classification"), ("esm_reference", "v1"), ("esm_reference", "v2")]

    static func config(_ folder: String, _ name: String) -> BertConfig {
        folder == "dnabert2_reference" ? DNABERT2ReferenceTests.config : ESMReferenceTests.config(version: name == "v1" ? 1 : 2)
    }

    @Test(arguments: cases)
    func freezingTheFirstLayerKeepsTheGradientsAboveIt(folder: String, name: String) throws {
        try check(folder: folder, name: name, strategy: .freezeFirstLayers(1))
    }

    @Test(arguments: cases)
    func aFrozenBackboneTrainsOnlyTheHead(folder: String, name: String) throws {
        try check(folder: folder, name: name, strategy: .frozenBackbone)
    }

    func check(folder: String, name: String, strategy: TrainingStrategy) throws {
        let fx = try FixtureTensors.reference(name, folder: folder)
        let model = try BertModel(config: Self.config(folder, name), head: .classification, strategy: strategy)
        let reference = BertReferenceTests()
        try reference.load(fx, into: model)
        _ = try reference.run(fx, model: model, weights: true)
        model.backward()
        var trained = 0, frozen = 0
        // As BertReferenceTests: a tenth of the tensor's largest gradient or a thousandth of the
        // model's, so that gradients that are zero in exact arithmetic (the key bias) compare at noise.
        let globalScale = fx.names.filter { $0.hasPrefix("g64/") }.map { fx.floats($0).map(abs).max()! }.max()!
        for (view, trains) in zip(model.parameters.views, model.trainable) {
            let got = model.gradients[view.name]!
            if trains {
                let expected = fx.floats("g64/" + view.name)
                let scale = max(expected.map(abs).max()! * 0.1, globalScale * 1e-3)
                let worst = reference.worstRelative(got, expected, scale: scale)
                #expect(worst <= 1e-4, "\(view.name): worst relative error \(worst)")
                trained += 1
            } else {
                #expect(got.allSatisfy { $0 == 0 }, "\(view.name) is frozen but has a gradient")
                frozen += 1
            }
        }
        #expect(trained > 0 && frozen > 0)
        if case .freezeFirstLayers = strategy {
            // Embeddings and layer 0 frozen, layer 1 trains.
            #expect(model.parameters.views.contains { $0.name.contains("layer.1.") && model.trainable[model.parameters.views.firstIndex(of: $0)!] })
            #expect(!zip(model.parameters.views, model.trainable).contains { $0.0.name.contains("layer.0.") && $0.1 })
        }
    }
}
