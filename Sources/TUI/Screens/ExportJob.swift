import Foundation
import Training

/// A run's config exported for Hugging Face's Trainer (`ExportProject`) in the background, so
/// the dashboard stays responsive while its data is prepared; `drain()` takes the outcome.
public struct ExportJob: Sendable {
    /// The run exported (its name) and the folder written.
    public let name: String
    public let folder: String
    private let job: BackgroundJob<Result<ExportProject.Summary, RunError>>

    public init(config: TrainConfig, name: String, folder: String, catalog: ModelCatalog, events: DashboardEvents) {
        self.name = name
        self.folder = folder
        job = BackgroundJob(name: "dnatune-export", events: events) {
            do {
                return .success(try ExportProject.write(config: config, name: name, to: URL(fileURLWithPath: folder), catalog: catalog))
            } catch {
                return .failure(error as? RunError ?? RunError(String(describing: error)))
            }
        }
    }

    /// The outcome once the export has ended.
    public var result: Result<ExportProject.Summary, RunError>? { job.result }
}
