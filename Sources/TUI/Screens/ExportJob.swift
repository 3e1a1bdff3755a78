import Foundation
import Synchronization
import Training

/// A run's config exported for Hugging Face's Trainer (`ExportProject`) on a background
/// thread, so the dashboard stays responsive while its data is prepared; `drain()` takes the
/// outcome.
public final class ExportJob: Sendable {
    /// The run exported (its name) and the folder written.
    public let name: String
    public let folder: String
    private let outcome = Mutex<Result<ExportProject.Summary, RunError>?>(nil)

    public init(config: TrainConfig, name: String, folder: String, catalog: ModelCatalog, events: DashboardEvents) {
        self.name = name
        self.folder = folder
        let thread = Thread { [self] in
            let result: Result<ExportProject.Summary, RunError>
            do {
                result = .success(try ExportProject.write(config: config, name: name, to: URL(fileURLWithPath: folder), catalog: catalog))
            } catch {
                result = .failure(error as? RunError ?? RunError(String(describing: error)))
            }
            self.outcome.withLock { $0 = result }
            events.bump()
        }
        thread.name = "dnatune-export"
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// The outcome once the export has ended.
    public var result: Result<ExportProject.Summary, RunError>? { outcome.withLock { $0 } }
}
