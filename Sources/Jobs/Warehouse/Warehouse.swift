import Foundation

/// A table to load: the contract's name and columns, and its rows as text (nil: SQL NULL), in order.
struct WarehouseTable: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        let name: String
        let type: ColumnType
    }

    enum ColumnType: String, Sendable {
        /// `YYYY-MM`, codes, names.
        case text
        case integer
        /// Money, to the cent.
        case money
        /// Fractions (growth, share), to 10 decimals.
        case fraction
    }

    let name: String
    let columns: [Column]
    let rows: [[String?]]
}

/// Where Power BI reads the analysis: every load replaces the previous analysis whole, in one transaction, so
/// that a reader sees one complete run and a failed load leaves the last one intact.
protocol Warehouse: Sendable {
    /// What to call it in logs and lineage (`sqlite:///…`, `sqlserver://host:port/db`).
    var namespace: String { get }
    func replace(_ tables: [WarehouseTable], run: String) throws
}
