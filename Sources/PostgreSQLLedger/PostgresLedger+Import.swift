public import DisclosureCore
import PostgresSupport

/// Moving a department's SQLite ledger into the shared one (`gongshi ledger migrate --to URL`):
/// every table's rows, in one transaction, counted on both sides.
///
/// The ids the shared ledger already uses are kept: the department's run, publication,
/// withdrawal, problem and record ids (and its batches' order) are shifted past the largest ones
/// there, so nothing of another department is touched and every reference still points at its own
/// row. A key that is already there (the same batch, the same publication of a record) stops the
/// whole move: nothing is written.
extension PostgresLedger {
    /// One table to move: its columns in the shared ledger and how each is read from the SQLite
    /// ledger (as text; numbers converted by PostgreSQL).
    public struct TransferTable: Sendable {
        public let name: String
        public let columns: [Column]
        /// The SQLite ledger's order of the rows (the order they were written).
        public let order: String

        public struct Column: Sendable {
            public let name: String
            /// The expression that reads it from the SQLite ledger.
            public let source: String
            let type: String
            /// Which id it is, or refers to (shifted past the shared ledger's largest), if any.
            let shift: String?
        }
    }

    /// The SQLite ledger's expression for a text it keeps by its number in `text_value` (v13).
    static func text(of column: String) -> String {
        "(SELECT text_value.text FROM text_value WHERE text_value.id = \(column))"
    }

    static func column(_ name: String, _ type: String = "text", source: String? = nil, shift: String? = nil) -> TransferTable.Column {
        TransferTable.Column(name: name, source: source ?? name, type: type, shift: shift)
    }

    /// The tables, parents before children.
    public static let transferTables: [TransferTable] = [
        TransferTable(
            name: "run",
            columns: [
                column("id", "bigint", shift: "run"), column("command"), column("today"), column("started_at"), column("finished_at"),
                column("exit_code", "integer"), column("pipeline"), column("department"),
            ], order: "id"),
        TransferTable(
            name: "source_file",
            columns: [
                column("sha256"), column("size", "bigint"), column("place"), column("first_run", "bigint", shift: "run"),
                column("last_run", "bigint", shift: "run"), column("settled_run", "bigint", shift: "run"), column("records", "integer"),
                column("valid", "integer"), column("invalid", "integer"), column("skipped", "integer"), column("incomplete", "integer"),
                column("failed", "integer"), column("unidentifiable", "integer"), column("read_again_on"),
            ], order: "rowid"),
        TransferTable(
            name: "record",
            columns: [
                // The SQLite ledger stores its versions in key order (v9); the order they were
                // recorded in is (first_run, seq), numbered here from 1.
                column("id", "bigint", source: "row_number() OVER (ORDER BY first_run, seq)", shift: "record"),
                // The SQLite ledger keeps hashes as bytes, and texts that repeat by their number in
                // `text_value` (v13; kinds, portals and feeds v15).
                column("kind", source: PostgresLedger.text(of: "record.kind_id")),
                column("record_key"), column("content_sha256", source: "lower(hex(content_sha256))"), column("decision_date"),
                column("source_sha256", source: PostgresLedger.text(of: "record.source")),
                column("source_row", "integer"), column("first_run", "bigint", shift: "run"),
                // The severity by its code (SQLiteLedger's `SeverityCode`) and the regime by its number (v17).
                column("severity", source: "CASE record.severity_code WHEN 1 THEN '轻微' WHEN 2 THEN '一般' WHEN 3 THEN '严重' END"),
                column("severity_reason", source: PostgresLedger.text(of: "record.severity_reason")),
                column("regime", source: PostgresLedger.text(of: "record.regime_id")), column("repair_from"), column("expires_on"),
            ], order: "first_run, seq"),
        TransferTable(
            name: "batch",
            columns: [
                column("id"), column("seq", "bigint", source: "rowid", shift: "batch"), column("portal"), column("feed"), column("kind"),
                column("operation"), column("file_name"), column("outbox_path"), column("payload_sha256"), column("records", "integer"),
                column("status"), column("attempts", "integer"), column("created_run", "bigint", shift: "run"), column("created_on"),
                column("delivered_at"), column("confirmed_on"), column("receipt"), column("receipt_sha256"), column("last_error"),
            ], order: "rowid"),
        TransferTable(
            name: "batch_failure",
            columns: [
                column("batch_id"), column("attempt", "integer"), column("file_name"), column("outbox_path"), column("created_on"),
                column("reason"),
            ], order: "batch_id, attempt"),
        TransferTable(
            name: "publication",
            columns: [
                column("id", "bigint", shift: "publication"), column("portal", source: PostgresLedger.text(of: "publication.portal_id")),
                column("feed", source: PostgresLedger.text(of: "publication.feed_id")),
                column("kind", source: PostgresLedger.text(of: "publication.kind_id")), column("record_key"),
                column("content_sha256", source: "lower(hex(content_sha256))"),
                column("previous_sha256", source: "nullif(lower(hex(previous_sha256)), '')"),
                // The operation and status by their codes (v18: SQLiteLedger's `PublicationCode`).
                column("operation", source: "CASE operation_code WHEN 1 THEN 'publish' WHEN 2 THEN 'correct' WHEN 3 THEN 'republish' END"),
                column("republish_on"), column("corrects_batch"),
                // The batch by its number (v16).
                column("batch_id", source: "(SELECT batch.id FROM batch WHERE batch.no = publication.batch_no)"),
                column("position", "integer"),
                column(
                    "status",
                    source: "CASE status_code WHEN 1 THEN 'pending' WHEN 2 THEN 'published' WHEN 3 THEN 'rejected' WHEN 4 THEN 'failed' WHEN 5 THEN 'withdrawn' END"),
                column("reason"), column("decision_date"), column("due_on"),
                column("published_on"), column("subject_code"), column("subject_name"), column("schema_version", "integer"),
                column("profile_version", "integer"), column("decision_number"), column("person_key"),
                column("record_sha256", source: "nullif(lower(hex(record_sha256)), '')"),
            ], order: "id"),
        TransferTable(
            name: "withdrawal",
            columns: [
                column("id", "bigint", shift: "withdrawal"), column("publication_id", "bigint", shift: "publication"), column("reason"),
                column("basis"), column("requested_on"), column("batch_id"), column("status"),
            ], order: "id"),
        TransferTable(
            name: "problem",
            columns: [
                column("id", "bigint", shift: "problem"), column("sha256"), column("place"), column("\"row\"", "integer", source: "row"),
                column("line", "integer"), column("field"), column("type"), column("severity"), column("value"), column("message"),
            ], order: "id"),
        TransferTable(
            name: "decision",
            columns: [
                column("kind", source: PostgresLedger.text(of: "decision.kind_id")), column("number"), column("decision_date"),
                column("pipeline"), column("first_run", "bigint", shift: "run"),
                column("received_on"), column("valid_at_first", "integer"), column("valid", "integer"),
                column("file", source: PostgresLedger.text(of: "decision.file")), column("\"row\"", "integer", source: "row"), column("revoked_on"),
            ], order: "kind_id, number"),
        TransferTable(
            name: "decision_portal",
            columns: [
                column("kind", source: PostgresLedger.text(of: "decision_portal.kind_id")), column("number"),
                column("portal", source: PostgresLedger.text(of: "decision_portal.portal_id")), column("due_on"), column("exclusion"),
                column("withdraw_due_on"),
            ], order: "kind_id, number, portal_id"),
        TransferTable(
            name: "portal_period",
            columns: [
                column("kind", source: PostgresLedger.text(of: "portal_period.kind_id")), column("record_key"),
                column("portal", source: PostgresLedger.text(of: "portal_period.portal_id")), column("severity"), column("severity_reason"),
                column("regime"), column("months", "integer"), column("counted_from"), column("repair_months", "integer"),
            ], order: "kind_id, record_key, portal_id"),
    ]

    /// The identities whose next values must move past what was copied.
    static let identities: [(shift: String, table: String, column: String)] = [
        ("run", "run", "id"), ("record", "record", "id"), ("batch", "batch", "seq"), ("publication", "publication", "id"),
        ("withdrawal", "withdrawal", "id"), ("problem", "problem", "id"),
    ]

    /// Copies every table from `source` (which hands over a table's rows in its order, each row its
    /// columns as text, to the body) in one transaction. Refuses a shared ledger that already has
    /// runs unless `join` (a department joining the county's ledger).
    ///
    /// - Returns: rows copied per table, each checked against the rows now there under the shifted ids.
    public func importLedger(
        join: Bool, source: (TransferTable, ([String?]) throws -> Void) throws -> Void
    ) throws(LedgerError) -> [(table: String, rows: Int)] {
        try write { link in
            // One move at a time, and no run meanwhile: the whole ledger's lock, for this transaction.
            try link.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [.text(PostgresRunLock.ledgerKey)])
            let runs = try link.one("SELECT count(*) FROM run")?.int(0) ?? 0
            if runs > 0 && !join {
                throw LedgerError.database("共用台账 \(location) 已有 \(runs) 次运行的记录：并入已在使用的台账须加 --join")
            }
            var shifts: [String: Int] = [:]
            for identity in Self.identities {
                shifts[identity.shift] = try link.one("SELECT coalesce(max(\(identity.column)), 0) FROM \(identity.table)")?.int(0) ?? 0
            }
            var copied: [(table: String, rows: Int)] = []
            for table in Self.transferTables {
                let before = try link.one("SELECT count(*) FROM \(table.name)")?.int(0) ?? 0
                var rows: [[String?]] = []
                var count = 0
                let flush = {
                    guard !rows.isEmpty else { return }
                    do {
                        count += try Self.insert(rows, into: table, shifts: shifts, link)
                    } catch where PostgresErrorText.state(error) == "23505" {
                        // A key already there: this ledger, or part of it, was moved in before.
                        throw LedgerError.database(
                            "共用台账的表 \(table.name) 中已有要迁入的记录（\(PostgresErrorText.describe(error))）：这个台账已经迁入过，不能再迁入一次；整个迁移已撤销，共用台账没有改变")
                    }
                    rows.removeAll(keepingCapacity: true)
                }
                try source(table) { row in
                    rows.append(row)
                    if rows.count == 2000 { try flush() }
                }
                try flush()
                let after = try link.one("SELECT count(*) FROM \(table.name)")?.int(0) ?? 0
                guard after - before == count else {
                    throw LedgerError.database("表 \(table.name)：读出 \(count) 行，写入后只多了 \(after - before) 行")
                }
                copied.append((table.name, count))
            }
            for identity in Self.identities {
                try link.execute(
                    "SELECT setval(pg_get_serial_sequence('\(identity.table)', '\(identity.column)'), greatest((SELECT max(\(identity.column)) FROM \(identity.table)), 1))")
            }
            return copied
        }
    }

    static func insert(_ rows: [[String?]], into table: TransferTable, shifts: [String: Int], _ link: Link) throws -> Int {
        var values: [Value] = []
        var expressions: [String] = []
        for (index, column) in table.columns.enumerated() {
            values.append(.column(rows.map { $0[index] }))
            let cast = "c\(index)::\(column.type)"
            expressions.append(column.shift.map { "\(cast) + \(shifts[$0] ?? 0)" } ?? cast)
        }
        let arrays = values.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", ")
        let names = table.columns.indices.map { "c\($0)" }.joined(separator: ", ")
        return try link.execute(
            """
            INSERT INTO \(table.name) (\(table.columns.map(\.name).joined(separator: ", ")))
            OVERRIDING SYSTEM VALUE
            SELECT \(expressions.joined(separator: ", ")) FROM unnest(\(arrays)) WITH ORDINALITY AS u(\(names), ord) ORDER BY ord
            """, values)
    }
}
