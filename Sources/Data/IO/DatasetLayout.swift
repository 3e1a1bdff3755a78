import Foundation

/// Which part of a pre-split dataset a file is.
public enum DatasetSplit: String, Sendable, Codable, CaseIterable {
    case train, validation, test
}

/// The files of a dataset: one or more plain files, or a directory holding `train.*`,
/// `dev.*` or `val.*` (or `valid.*`), and `test.*` (the layout of GUE), which is a pre-split
/// dataset.
public struct DatasetLayout: Sendable, Equatable {
    /// One file and, for a pre-split dataset, its split.
    public struct File: Sendable, Equatable {
        public var path: String
        public var split: DatasetSplit?
        public init(path: String, split: DatasetSplit? = nil) { self.path = path; self.split = split }
    }

    /// The files, in reading order (train, validation, test for pre-split data).
    public var files: [File]

    /// True when the files carry train/validation/test roles.
    public var isPreSplit: Bool { files.contains { $0.split != nil } }

    public init(files: [File]) { self.files = files }

    /// Resolves paths: a file stays a file; a directory must be a pre-split dataset.
    /// - Throws: `DataError` for a missing path or a directory without train and test files.
    public static func resolve(_ paths: [String]) throws -> DatasetLayout {
        var files: [File] = []
        for path in paths {
            if InputSpool.isStream(path) { files.append(File(path: path)); continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DataError(file: path, "no such file or directory")
            }
            if isDirectory.boolValue { files += try preSplit(directory: path).files } else { files.append(File(path: path)) }
        }
        return DatasetLayout(files: files)
    }

    /// The pre-split files of a directory.
    /// - Throws: `DataError` when train or test is missing, or a split has several files.
    public static func preSplit(directory: String) throws -> DatasetLayout {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            // Foundation's own text names no path a user could act on.
            let reason = (error as NSError).code == NSFileReadNoPermissionError ? "permission denied" : error.localizedDescription
            throw DataError(file: directory, "cannot list the folder: \(reason)")
        }
        var found: [DatasetSplit: String] = [:]
        for name in names where !name.hasPrefix(".") {
            let stem = String(name.prefix { $0 != "." }).lowercased()
            let split: DatasetSplit? = switch stem {
            case "train": .train
            case "dev", "val", "valid", "validation": .validation
            case "test": .test
            default: nil
            }
            guard let split, SequenceFormat.fromExtension(of: name) != nil else { continue }
            let path = (directory as NSString).appendingPathComponent(name)
            if let other = found[split] {
                throw DataError(file: directory, "two files for the \(split.rawValue) split: \(other) and \(path)")
            }
            found[split] = path
        }
        guard found[.train] != nil, found[.test] != nil else {
            throw DataError(file: directory,
                            "not a pre-split dataset: a directory needs train.* and test.* files (and dev.* or val.*)")
        }
        return DatasetLayout(files: DatasetSplit.allCases.compactMap { s in found[s].map { File(path: $0, split: s) } })
    }
}
