import Foundation
import Training

/// Reads, cleans, splits and tokenizes the dashboard's data on a thread of its own, so that
/// the dashboard answers keys while a large file loads; the elapsed time is bumped to the
/// screen a few times a second, and the result is taken by `DashboardState.drain()`.
public final class DataLoadJob: Sendable {
    /// How the load ended.
    public enum Outcome: Sendable {
        case loaded(PreparedData, LengthDistribution?, LengthDistribution?)
        case failed(String)
    }

    /// The sources being loaded, as the config names them.
    public let sources: [String]
    private let started: Double
    private let job: BackgroundJob<(outcome: Outcome, seconds: Double)>

    /// Starts preparing `config.data` (with the base model's tokenizer when the config names one).
    public init(config: TrainConfig, catalog: ModelCatalog, events: DashboardEvents) {
        sources = config.data.sources
        let start = Self.now()
        started = start
        let job = BackgroundJob<(outcome: Outcome, seconds: Double)>(name: "dnatune-data", events: events) {
            let outcome: Outcome
            do {
                let resolved = try TrainingSession.resolvingBase(config, catalog: catalog)
                let prepared = try PreparedData.prepare(resolved.data, seed: config.finetune.seed, task: resolved.task)
                outcome = .loaded(prepared, LengthDistribution(prepared.dataset),
                                  LengthDistribution(tokensOf: prepared.dataset, tokenizer: prepared.tokenizer))
            } catch {
                outcome = .failed(String(describing: error))
            }
            return (outcome, Self.now() - start)
        }
        self.job = job
        // The elapsed time on the screen moves while the load runs.
        let ticker = Thread {
            while job.result == nil {
                Thread.sleep(forTimeInterval: 0.25)
                events.bump()
            }
        }
        ticker.name = "dnatune-data-ticker"
        ticker.start()
    }

    /// The outcome and how long the load took; nil while it runs.
    public var result: (outcome: Outcome, seconds: Double)? { job.result }

    /// Seconds since the load started.
    public var elapsed: Double { Self.now() - started }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
