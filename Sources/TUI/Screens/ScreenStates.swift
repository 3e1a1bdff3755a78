import Training

/// The Data screen's own state: its cursor, which part has the arrows, how far the report
/// panels are scrolled, and a path being typed.
public struct DataScreenState: Sendable {
    /// The chosen row of the dataset list.
    public var cursor = 0
    /// True while the options form has the keys (instead of the dataset list).
    public var editingOptions = false
    /// Which part the arrows move: the dataset list or a report panel.
    public var focus: DataFocus = .datasets
    /// Rows the Class balance and Cleaning panels are scrolled from their tops.
    public var balanceScroll = 0, cleaningScroll = 0
    /// A dataset path being typed (Tab completes).
    public var pathInput: TextInput?
    public init() {}
}

/// The Model screen's own state: a config path being typed and what to do with it.
public struct ModelScreenState: Sendable {
    /// Where the typed path goes.
    public enum FileAction: Equatable, Sendable { case load, save, export }
    /// A config path being typed, and what to do with it.
    public var fileInput: (input: TextInput, action: FileAction)?
    /// The file that saving would replace, once the user was asked (Enter again confirms).
    public var overwriteAsked: String?
    public init() {}
}

/// The Train screen's own state: the event log's scrolling, the charts' cursor, zoom, scale
/// and smoothing, and a learning rate being typed.
public struct TrainScreenState: Sendable {
    /// Rows the event log is scrolled back from its newest line (0 follows it).
    public var eventsScroll = 0
    /// Whether the event log fills the screen instead of the charts.
    public var eventsExpanded = false
    /// The training loss's smoothing (TensorBoard's 0.6 by default).
    public var smoothing = Smoothing.defaultWeight
    /// A log-scale loss axis.
    public var logY = false
    /// The fraction of the steps shown (zoom: the newest end, or around the cursor).
    public var zoom = 1.0
    /// The cursor's step; nil without a cursor.
    public var cursor: Int?
    /// The new learning rate being typed.
    public var lrInput: TextInput?
    public init() {}
}

/// The Runs screen's own state: the table's selection and sort, the marked runs, what the
/// screen shows, the filter, and what is being typed or asked.
public struct RunsScreenState: Sendable {
    /// What the screen shows.
    public enum Mode: Equatable, Sendable { case table, overlay, diff, sweeps, compare }
    /// A line being typed: the filter, a new name or a note for the selected run, the folder
    /// to export it to, or a Hugging Face Trainer output folder to add.
    public enum Prompt: Equatable, Sendable { case filter, rename, note, export, addFolder }
    public var table = TableState()
    /// Runs marked for the overlay, the diff and the side-by-side view, by name, in marking order.
    public var marked: [String] = []
    public var mode = Mode.table
    /// The learning rate for a clone of the selected run, being typed.
    public var cloneInput: TextInput?
    /// The table shows the runs that match this (`/`): words in the name, note, ...
    public var filter = ""
    /// A filter, name or note being typed.
    public var prompt: (kind: Prompt, input: TextInput)?
    /// The run whose deletion was asked for (`x`), waiting for `y`.
    public var deleteAsked: String?
    public init() {}
}

/// The Evaluate screen's own state: the class of the curves, the threshold slider and
/// whether confusion matrices show row percentages.
public struct EvaluateScreenState: Sendable {
    public var classIndex = 1
    public var threshold = 0.5
    public var normalized = false
    public init() {}
}
