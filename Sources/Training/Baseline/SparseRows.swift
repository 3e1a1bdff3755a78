/// A sparse matrix in compressed-row form (CSR): row `i` holds the columns
/// `columns[rowStart[i]..<rowStart[i + 1]]` with the matching `values`. The baseline's feature
/// matrices (k-mer TF-IDF, one-hot bases) are built row by row and read row by row.
public struct SparseRows: Sendable, Equatable {
    /// Where each row starts in `columns` / `values`; one more entry than rows.
    public private(set) var rowStart: [Int] = [0]
    public private(set) var columns: [Int32] = []
    public private(set) var values: [Float] = []
    /// The number of columns (features).
    public let columnCount: Int

    public init(columnCount: Int) { self.columnCount = columnCount }

    /// The number of rows.
    public var count: Int { rowStart.count - 1 }
    /// The number of stored entries.
    public var nonzeros: Int { columns.count }

    /// Appends a row; `columns` must lie in `0..<columnCount`.
    public mutating func append<C: Collection, V: Collection>(columns newColumns: C, values newValues: V)
        where C.Element == Int32, V.Element == Float {
        precondition(newColumns.count == newValues.count)
        columns.append(contentsOf: newColumns)
        values.append(contentsOf: newValues)
        rowStart.append(columns.count)
    }

    /// Row `i` as (column, value) pairs.
    public func row(_ i: Int) -> [(column: Int, value: Float)] {
        (rowStart[i]..<rowStart[i + 1]).map { (Int(columns[$0]), values[$0]) }
    }
}
