import Testing
@testable import Training

/// `finetune.learning_rate`: any positive finite value loads; above 1 with a warning.
@Suite struct LearningRateValidationTests {
    @Test(arguments: [1e-7, 5e-4, 1.0])
    func usualRatesLoadWithoutWarning(rate: Double) throws {
        let loaded = try TrainConfig.parse(yaml: "finetune:\n  learning_rate: \(rate)\n")
        #expect(loaded.config.finetune.learningRate == rate)
        #expect(!loaded.warnings.contains { $0.path == "finetune.learning_rate" })
    }

    @Test(arguments: [1.5, 1e9])
    func hugeRatesLoadWithAWarningOnTheirLine(rate: Double) throws {
        let loaded = try TrainConfig.parse(yaml: "task: {task_type: binary}\nfinetune:\n  learning_rate: \(rate)\n", file: "c.yaml")
        #expect(loaded.config.finetune.learningRate == rate)
        let warning = try #require(loaded.warnings.first { $0.path == "finetune.learning_rate" })
        #expect(warning.kind == .unusualValue && warning.line == 3)
        #expect(warning.description.contains("likely diverge"))
    }

    @Test(arguments: ["0", "-1", ".inf", ".nan"])
    func nonPositiveOrNonFiniteRatesAreErrors(text: String) {
        #expect {
            _ = try TrainConfig.parse(yaml: "finetune:\n  learning_rate: \(text)\n")
        } throws: { String(describing: $0).contains("finetune.learning_rate") }
    }
}
