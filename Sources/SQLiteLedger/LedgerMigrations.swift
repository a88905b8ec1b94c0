import Foundation
internal import GRDB

/// The ledger's schema, as named migrations that only ever move forward: a shipped migration is
/// never edited; a change is a new migration appended at the end. Constraints live in SQL
/// (NOT NULL, CHECK, UNIQUE, foreign keys), so a bug in the Swift code cannot store a state the
/// protocol does not know.
enum LedgerMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-30 v1 ledger") { db in
            // One row per command that wrote to the ledger.
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY,
                    command TEXT NOT NULL,
                    today TEXT NOT NULL CHECK (today GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    exit_code INTEGER
                );
                """)
            // Every source file seen, by content: the same bytes under another name are the same file.
            try db.execute(sql: """
                CREATE TABLE source_file (
                    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                    size INTEGER NOT NULL CHECK (size >= 0),
                    place TEXT NOT NULL,
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    last_run INTEGER NOT NULL REFERENCES run(id),
                    PRIMARY KEY (sha256, place)
                );
                """)
            // Every version of every valid record: its key and the hash of all its values.
            try db.execute(sql: """
                CREATE TABLE record (
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
                    decision_date TEXT,
                    source_sha256 TEXT NOT NULL,
                    source_row INTEGER NOT NULL CHECK (source_row >= 2),
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    PRIMARY KEY (kind, record_key, content_sha256)
                );
                """)
            // One feed file: pending until the portal has it (published) or refused it (failed).
            try db.execute(sql: """
                CREATE TABLE batch (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    operation TEXT NOT NULL CHECK (operation IN ('publish', 'correct', 'withdraw')),
                    file_name TEXT NOT NULL,
                    outbox_path TEXT NOT NULL,
                    payload_sha256 TEXT NOT NULL CHECK (length(payload_sha256) = 64),
                    records INTEGER NOT NULL CHECK (records > 0),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
                    created_run INTEGER NOT NULL REFERENCES run(id),
                    created_on TEXT NOT NULL,
                    delivered_at TEXT,
                    confirmed_on TEXT,
                    receipt TEXT,
                    receipt_sha256 TEXT,
                    last_error TEXT,
                    CHECK (status <> 'published' OR confirmed_on IS NOT NULL)
                );
                """)
            // One record's publication (or correction) on one portal feed.
            try db.execute(sql: """
                CREATE TABLE publication (
                    id INTEGER PRIMARY KEY,
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
                    previous_sha256 TEXT,
                    operation TEXT NOT NULL CHECK (operation IN ('publish', 'correct')),
                    batch_id TEXT NOT NULL REFERENCES batch(id),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'failed', 'withdrawn')),
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    UNIQUE (portal, feed, record_key, content_sha256, operation),
                    CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
                    CHECK (status <> 'published' OR published_on IS NOT NULL)
                );
                CREATE INDEX publication_by_key ON publication(record_key);
                CREATE INDEX publication_by_subject ON publication(subject_code) WHERE subject_code IS NOT NULL;
                CREATE INDEX publication_by_batch ON publication(batch_id);
                """)
            // A record taken down from a portal (信用修复, an ended publication period, a revoked decision).
            try db.execute(sql: """
                CREATE TABLE withdrawal (
                    id INTEGER PRIMARY KEY,
                    publication_id INTEGER NOT NULL REFERENCES publication(id),
                    reason TEXT NOT NULL CHECK (reason <> ''),
                    basis TEXT,
                    requested_on TEXT NOT NULL,
                    batch_id TEXT REFERENCES batch(id),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
                    UNIQUE (publication_id)
                );
                """)
        }
        // Portals that answer per record (the portal API): a record can be rejected, with the
        // portal's reason; a record's position in its batch's payload links it to its receipt.
        // SQLite cannot change a CHECK constraint in place, so the table is rebuilt (GRDB runs
        // migrations with foreign-key checks deferred to the end).
        migrator.registerMigration("2026-11-30 v2 per-record receipts") { db in
            try db.execute(sql: """
                CREATE TABLE publication_v2 (
                    id INTEGER PRIMARY KEY,
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
                    previous_sha256 TEXT,
                    operation TEXT NOT NULL CHECK (operation IN ('publish', 'correct')),
                    batch_id TEXT NOT NULL REFERENCES batch(id),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'failed', 'withdrawn')),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    UNIQUE (portal, feed, record_key, content_sha256, operation),
                    CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
                    CHECK (status <> 'published' OR published_on IS NOT NULL),
                    CHECK (status <> 'rejected' OR reason IS NOT NULL)
                );
                INSERT INTO publication_v2 (id, portal, feed, kind, record_key, content_sha256, previous_sha256, operation,
                    batch_id, position, status, decision_date, due_on, published_on, subject_code, subject_name,
                    schema_version, profile_version)
                SELECT id, portal, feed, kind, record_key, content_sha256, previous_sha256, operation, batch_id,
                    (SELECT count(*) FROM publication q WHERE q.batch_id = p.batch_id AND q.id <= p.id),
                    status, decision_date, due_on, published_on, subject_code, subject_name, schema_version, profile_version
                FROM publication p;
                DROP TABLE publication;
                ALTER TABLE publication_v2 RENAME TO publication;
                CREATE INDEX publication_by_key ON publication(record_key);
                CREATE INDEX publication_by_subject ON publication(subject_code) WHERE subject_code IS NOT NULL;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_id, position);
                """)
        }
        // The nightly run skips a source file only once everything in it was planned and
        // recorded: a run that stops half-way leaves the file unsettled, and the next reads it again.
        migrator.registerMigration("2026-11-30 v3 settled source files") { db in
            try db.execute(sql: "ALTER TABLE source_file ADD COLUMN settled_run INTEGER REFERENCES run(id)")
        }
        // `run --republish`: a record sent again unchanged, on purpose. One republication per
        // record, content and day; publish and correct stay unique per content (republish_on is ''
        // for them, never NULL, so the UNIQUE constraint still holds).
        migrator.registerMigration("2026-11-30 v4 republish") { db in
            try db.execute(sql: """
                CREATE TABLE batch_v4 (
                    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    operation TEXT NOT NULL CHECK (operation IN ('publish', 'correct', 'republish', 'withdraw')),
                    file_name TEXT NOT NULL,
                    outbox_path TEXT NOT NULL,
                    payload_sha256 TEXT NOT NULL CHECK (length(payload_sha256) = 64),
                    records INTEGER NOT NULL CHECK (records > 0),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'failed')),
                    attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
                    created_run INTEGER NOT NULL REFERENCES run(id),
                    created_on TEXT NOT NULL,
                    delivered_at TEXT,
                    confirmed_on TEXT,
                    receipt TEXT,
                    receipt_sha256 TEXT,
                    last_error TEXT,
                    CHECK (status <> 'published' OR confirmed_on IS NOT NULL)
                );
                INSERT INTO batch_v4 SELECT id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records,
                    status, attempts, created_run, created_on, delivered_at, confirmed_on, receipt, receipt_sha256, last_error
                FROM batch;
                DROP TABLE batch;
                ALTER TABLE batch_v4 RENAME TO batch;
                CREATE TABLE publication_v4 (
                    id INTEGER PRIMARY KEY,
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
                    previous_sha256 TEXT,
                    operation TEXT NOT NULL CHECK (operation IN ('publish', 'correct', 'republish')),
                    republish_on TEXT NOT NULL DEFAULT '' CHECK ((operation = 'republish') = (republish_on <> '')),
                    batch_id TEXT NOT NULL REFERENCES batch(id),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'failed', 'withdrawn')),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    UNIQUE (portal, feed, record_key, content_sha256, operation, republish_on),
                    CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
                    CHECK (status <> 'published' OR published_on IS NOT NULL),
                    CHECK (status <> 'rejected' OR reason IS NOT NULL)
                );
                INSERT INTO publication_v4 (id, portal, feed, kind, record_key, content_sha256, previous_sha256, operation,
                    batch_id, position, status, reason, decision_date, due_on, published_on, subject_code, subject_name,
                    schema_version, profile_version)
                SELECT id, portal, feed, kind, record_key, content_sha256, previous_sha256, operation, batch_id, position,
                    status, reason, decision_date, due_on, published_on, subject_code, subject_name, schema_version, profile_version
                FROM publication;
                DROP TABLE publication;
                ALTER TABLE publication_v4 RENAME TO publication;
                CREATE INDEX publication_by_key ON publication(record_key);
                CREATE INDEX publication_by_subject ON publication(subject_code) WHERE subject_code IS NOT NULL;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_id, position);
                """)
        }
        // Reports and the end of publication (issue 8): which pipeline and department a run
        // served; what each source file held (counts for 合规率 and 完整率, and its problems,
        // located, masked as the validation report masks them); each record version's
        // publication period (severity, regime, 信用修复 from, publication ends on); and a
        // withdrawal that failed can be asked for again (its row goes back to pending).
        migrator.registerMigration("2026-11-30 v5 reports and publication periods") { db in
            try db.execute(sql: """
                ALTER TABLE run ADD COLUMN pipeline TEXT;
                ALTER TABLE run ADD COLUMN department TEXT;
                ALTER TABLE source_file ADD COLUMN records INTEGER CHECK (records >= 0);
                ALTER TABLE source_file ADD COLUMN valid INTEGER CHECK (valid >= 0);
                ALTER TABLE source_file ADD COLUMN invalid INTEGER CHECK (invalid >= 0);
                ALTER TABLE source_file ADD COLUMN skipped INTEGER CHECK (skipped >= 0);
                ALTER TABLE source_file ADD COLUMN incomplete INTEGER CHECK (incomplete >= 0);
                ALTER TABLE source_file ADD COLUMN failed INTEGER CHECK (failed IN (0, 1));
                CREATE TABLE problem (
                    id INTEGER PRIMARY KEY,
                    sha256 TEXT NOT NULL,
                    place TEXT NOT NULL,
                    row INTEGER,
                    line INTEGER,
                    field TEXT,
                    type TEXT NOT NULL CHECK (type <> ''),
                    severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
                    value TEXT,
                    message TEXT NOT NULL,
                    FOREIGN KEY (sha256, place) REFERENCES source_file(sha256, place)
                );
                CREATE INDEX problem_by_file ON problem(sha256, place);
                ALTER TABLE record ADD COLUMN severity TEXT CHECK (severity IN ('轻微', '一般', '严重'));
                ALTER TABLE record ADD COLUMN severity_reason TEXT;
                ALTER TABLE record ADD COLUMN regime TEXT;
                ALTER TABLE record ADD COLUMN repair_from TEXT;
                ALTER TABLE record ADD COLUMN expires_on TEXT;
                CREATE INDEX record_by_key ON record(kind, record_key);
                """)
        }
        // The register of decisions (issue 15): every decision that arrives, valid or not, by kind
        // and number, with its place on each portal of its pipeline (due date, or why it is not to
        // be published there); rows of a file without a decision number, counted per file.
        migrator.registerMigration("2026-12-03 v6 decision register") { db in
            try db.execute(sql: """
                CREATE TABLE decision (
                    kind TEXT NOT NULL,
                    number TEXT NOT NULL CHECK (number <> ''),
                    decision_date TEXT,
                    pipeline TEXT,
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    received_on TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    valid_at_first INTEGER NOT NULL CHECK (valid_at_first IN (0, 1)),
                    valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
                    file TEXT NOT NULL,
                    row INTEGER NOT NULL,
                    revoked_on TEXT,
                    PRIMARY KEY (kind, number)
                );
                CREATE TABLE decision_portal (
                    kind TEXT NOT NULL,
                    number TEXT NOT NULL,
                    portal TEXT NOT NULL,
                    due_on TEXT,
                    exclusion TEXT,
                    withdraw_due_on TEXT,
                    PRIMARY KEY (kind, number, portal),
                    FOREIGN KEY (kind, number) REFERENCES decision(kind, number)
                );
                ALTER TABLE publication ADD COLUMN decision_number TEXT;
                UPDATE publication SET decision_number = CASE WHEN instr(record_key, '|') > 0
                    THEN substr(record_key, 1, instr(record_key, '|') - 1) ELSE record_key END;
                CREATE INDEX publication_by_decision ON publication(kind, portal, decision_number);
                ALTER TABLE source_file ADD COLUMN unidentifiable INTEGER CHECK (unidentifiable >= 0);
                """)
        }
        // Periods per portal (issue 16): a portal with a rule of its own (gsxt, 总局令第45号 第十三条)
        // keeps a record for a number of months from the decision date or from the day it first
        // published it; the end is computed from the ledger's own publication date.
        migrator.registerMigration("2026-12-03 v7 portal periods") { db in
            try db.execute(sql: """
                CREATE TABLE portal_period (
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL,
                    portal TEXT NOT NULL,
                    severity TEXT NOT NULL CHECK (severity IN ('轻微', '一般', '严重')),
                    severity_reason TEXT,
                    regime TEXT,
                    months INTEGER NOT NULL CHECK (months >= 0),
                    counted_from TEXT NOT NULL CHECK (counted_from IN ('decision_date', 'publication_date')),
                    PRIMARY KEY (kind, record_key, portal)
                );
                """)
        }
        // A smaller, faster register (issue 18): the decision tables are stored in their key's
        // order (WITHOUT ROWID: one B-tree each instead of a table and its key index, so a run
        // inserts once and the reckoning reads once per row), and `record_by_key` goes — the
        // record's primary key (kind, record_key, content_sha256) already starts with its columns.
        migrator.registerMigration("2026-12-03 v8 compact register") { db in
            try db.execute(sql: """
                DROP INDEX record_by_key;
                CREATE TABLE decision_v8 (
                    kind TEXT NOT NULL,
                    number TEXT NOT NULL CHECK (number <> ''),
                    decision_date TEXT,
                    pipeline TEXT,
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    received_on TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    valid_at_first INTEGER NOT NULL CHECK (valid_at_first IN (0, 1)),
                    valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
                    file TEXT NOT NULL,
                    row INTEGER NOT NULL,
                    revoked_on TEXT,
                    PRIMARY KEY (kind, number)
                ) WITHOUT ROWID;
                INSERT INTO decision_v8 (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row, revoked_on)
                SELECT kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row, revoked_on FROM decision;
                CREATE TABLE decision_portal_v8 (
                    kind TEXT NOT NULL,
                    number TEXT NOT NULL,
                    portal TEXT NOT NULL,
                    due_on TEXT,
                    exclusion TEXT,
                    withdraw_due_on TEXT,
                    PRIMARY KEY (kind, number, portal),
                    FOREIGN KEY (kind, number) REFERENCES decision(kind, number)
                ) WITHOUT ROWID;
                INSERT INTO decision_portal_v8 (kind, number, portal, due_on, exclusion, withdraw_due_on)
                SELECT kind, number, portal, due_on, exclusion, withdraw_due_on FROM decision_portal;
                DROP TABLE decision_portal;
                DROP TABLE decision;
                ALTER TABLE decision_v8 RENAME TO decision;
                ALTER TABLE decision_portal_v8 RENAME TO decision_portal;
                """)
        }
        // A leaner ledger (issue 18), 326 → 272 MiB for 200,000 records:
        // - One index fewer on the largest table: `publication_by_key` (record_key) served only the
        //   first day a record was published on a portal, which `publication_by_decision` (kind,
        //   portal, decision_number) finds as well — a record's key starts with its decision's
        //   number. The history of a decision (`ledger show`) never used it (its prefix test reads
        //   the table). 18 MiB, and one B-tree less for every publication.
        // - The record versions stored in their key's order (WITHOUT ROWID: one B-tree instead of a
        //   table and its key index, which held every key twice). The rowid also told which of two
        //   versions first seen by the same run came later; `seq` now does (the old rowid for the
        //   versions already here; the order a run read them in for new ones). 36 MiB.
        migrator.registerMigration("2026-12-04 v9 leaner ledger") { db in
            try db.execute(sql: """
                DROP INDEX publication_by_key;
                CREATE TABLE record_v9 (
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 TEXT NOT NULL CHECK (length(content_sha256) = 64),
                    decision_date TEXT,
                    source_sha256 TEXT NOT NULL,
                    source_row INTEGER NOT NULL CHECK (source_row >= 2),
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    severity TEXT CHECK (severity IN ('轻微', '一般', '严重')),
                    severity_reason TEXT,
                    regime TEXT,
                    repair_from TEXT,
                    expires_on TEXT,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (kind, record_key, content_sha256)
                ) WITHOUT ROWID;
                INSERT INTO record_v9 (kind, record_key, content_sha256, decision_date, source_sha256, source_row, first_run,
                                       severity, severity_reason, regime, repair_from, expires_on, seq)
                SELECT kind, record_key, content_sha256, decision_date, source_sha256, source_row, first_run,
                       severity, severity_reason, regime, repair_from, expires_on, rowid FROM record;
                DROP TABLE record;
                ALTER TABLE record_v9 RENAME TO record;
                """)
        }
        // A quicker nightly re-run (issue 18), measured on 200,000 publications:
        // - `publication_by_decision` also holds each publication's status and first day on the
        //   portal, so the reckoning sums a decision's publications from the index alone (0.26 →
        //   0.14 s; 18.7 → 18.9 MiB).
        // - `publication_by_batch_status` counts the report's publications per batch and status
        //   without reading the table (0.22 → 0.015 s; 6.2 MiB).
        // - `publication_rejected` (partial: rejected publications only, in id order) counts and
        //   lists the portal's rejections without reading the table (0.05–0.16 s → 0 for each).
        // - `source_file.stat`: the file's identity and times when it was settled (device, inode,
        //   size, modification and change time in nanoseconds), so that a nightly run knows an
        //   unchanged file without reading it through for its SHA-256 (0.25 s for 180 MB).
        migrator.registerMigration("2026-12-04 v10 quicker re-run") { db in
            try db.execute(sql: """
                DROP INDEX publication_by_decision;
                CREATE INDEX publication_by_decision ON publication(kind, portal, decision_number, status, published_on);
                CREATE INDEX publication_by_batch_status ON publication(batch_id, status);
                CREATE INDEX publication_rejected ON publication(id) WHERE status = 'rejected';
                ALTER TABLE source_file ADD COLUMN stat TEXT;
                """)
        }
        // A pending batch's outbox file known unchanged by its stat, as a settled source file is:
        // the nightly run no longer hashes every pending file again.
        migrator.registerMigration("2026-12-04 v11 outbox stat") { db in
            try db.execute(sql: "ALTER TABLE batch ADD COLUMN outbox_stat TEXT")
        }
        // The publications by subject (信用核查) in a table of their own, filled in code order once
        // at the end of each run (`finishRun`), instead of an index filled publication by
        // publication. Subject codes come in no order, so each insert into `publication_by_subject`
        // landed on a page of its own; at a million records that index no longer fits the
        // writer's cache, and it was more than half the time of recording the publications
        // (980,000 publications in 196 batch transactions, `sqlite3` shell: 18.3 s with it, 8.9 s
        // without). `subject_mark` is the last publication id the table covers; a lookup also reads
        // the publications after it (a run stopped before its end), so the table only ever speeds
        // a lookup up and never decides what it finds.
        migrator.registerMigration("2026-12-04 v12 subjects filled in order") { db in
            try db.execute(sql: """
                DROP INDEX publication_by_subject;
                CREATE TABLE publication_subject (
                    subject_code TEXT NOT NULL,
                    publication_id INTEGER NOT NULL,
                    PRIMARY KEY (subject_code, publication_id)
                ) WITHOUT ROWID;
                CREATE TABLE subject_mark (publication_id INTEGER NOT NULL);
                INSERT INTO subject_mark VALUES (0);
                """)
            try Ledger.fillSubjects(db)
        }
        // Hashes as their 32 bytes, not 64 hex digits, and texts that repeat row after row stored
        // once (issue 18: ledger bytes per publication).
        // - `record`: the content hash in every row and in its key; the source file's hash and the
        //   severity's reason (one of a handful) are numbers in `text_value`.
        // - `publication`: the content hash and the corrected one, in every row and in the UNIQUE
        //   key's index.
        // - `decision`: the file it was last seen in, a number in `text_value`.
        // The questions still read hashes as lowercase hex (`SHA256Bytes.hex(of:)`) and the texts
        // as texts (`TextValues.text(of:)`). 200,000 records: 286 → 237 MB, with the figures in `docs/architecture.md`.
        // A text's number has no FOREIGN KEY to `text_value`: with one, SQLite kept a statement
        // journal for every decision upserted (its `file` is updated), and the register took 1.8 s
        // instead of 1.05 s for 200,000 decisions; the record versions paid a look-up per number.
        // The numbers are written only by `TextValues`, which reads each from the table in the
        // same transaction, and no `text_value` row is ever deleted.
        migrator.registerMigration("2026-12-05 v13 hashes as bytes, repeated texts once") { db in
            db.add(function: Self.unhex)
            try db.execute(sql: """
                CREATE TABLE text_value (
                    id INTEGER PRIMARY KEY,
                    text TEXT NOT NULL UNIQUE
                );
                INSERT INTO text_value (text)
                SELECT source_sha256 FROM record UNION SELECT severity_reason FROM record WHERE severity_reason IS NOT NULL
                UNION SELECT file FROM decision;
                CREATE TABLE record_v13 (
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    decision_date TEXT,
                    source INTEGER NOT NULL,
                    source_row INTEGER NOT NULL CHECK (source_row >= 2),
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    severity TEXT CHECK (severity IN ('轻微', '一般', '严重')),
                    severity_reason INTEGER,
                    regime TEXT,
                    repair_from TEXT,
                    expires_on TEXT,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (kind, record_key, content_sha256)
                ) WITHOUT ROWID;
                INSERT INTO record_v13 (kind, record_key, content_sha256, decision_date, source, source_row, first_run,
                                        severity, severity_reason, regime, repair_from, expires_on, seq)
                SELECT kind, record_key, gongshi_unhex(content_sha256), decision_date,
                       (SELECT t.id FROM text_value t WHERE t.text = record.source_sha256), source_row, first_run, severity,
                       (SELECT t.id FROM text_value t WHERE t.text = record.severity_reason), regime, repair_from, expires_on, seq
                FROM record ORDER BY kind, record_key, content_sha256;
                DROP TABLE record;
                ALTER TABLE record_v13 RENAME TO record;
                CREATE TABLE decision_v13 (
                    kind TEXT NOT NULL,
                    number TEXT NOT NULL CHECK (number <> ''),
                    decision_date TEXT,
                    pipeline TEXT,
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    received_on TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    valid_at_first INTEGER NOT NULL CHECK (valid_at_first IN (0, 1)),
                    valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
                    file INTEGER NOT NULL,
                    row INTEGER NOT NULL,
                    revoked_on TEXT,
                    PRIMARY KEY (kind, number)
                ) WITHOUT ROWID;
                INSERT INTO decision_v13 (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row, revoked_on)
                SELECT kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid,
                       (SELECT t.id FROM text_value t WHERE t.text = decision.file), row, revoked_on
                FROM decision ORDER BY kind, number;
                DROP TABLE decision;
                ALTER TABLE decision_v13 RENAME TO decision;
                CREATE TABLE publication_v13 (
                    id INTEGER PRIMARY KEY,
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    previous_sha256 BLOB CHECK (previous_sha256 IS NULL OR (typeof(previous_sha256) = 'blob' AND length(previous_sha256) = 32)),
                    operation TEXT NOT NULL CHECK (operation IN ('publish', 'correct', 'republish')),
                    republish_on TEXT NOT NULL DEFAULT '' CHECK ((operation = 'republish') = (republish_on <> '')),
                    batch_id TEXT NOT NULL REFERENCES batch(id),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'failed', 'withdrawn')),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    decision_number TEXT,
                    UNIQUE (portal, feed, record_key, content_sha256, operation, republish_on),
                    CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
                    CHECK (status <> 'published' OR published_on IS NOT NULL),
                    CHECK (status <> 'rejected' OR reason IS NOT NULL)
                );
                INSERT INTO publication_v13 (id, portal, feed, kind, record_key, content_sha256, previous_sha256, operation,
                    republish_on, batch_id, position, status, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number)
                SELECT id, portal, feed, kind, record_key, gongshi_unhex(content_sha256), gongshi_unhex(previous_sha256), operation,
                    republish_on, batch_id, position, status, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number
                FROM publication ORDER BY id;
                DROP TABLE publication;
                ALTER TABLE publication_v13 RENAME TO publication;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_id, position);
                CREATE INDEX publication_by_decision ON publication(kind, portal, decision_number, status, published_on);
                CREATE INDEX publication_by_batch_status ON publication(batch_id, status);
                CREATE INDEX publication_rejected ON publication(id) WHERE status = 'rejected';
                """)
        }
        // A CHECK that lists three or more values (`status IN ('pending', …)`) written as comparisons
        // (`status = 'pending' OR …`). SQLite (Debian's 3.40) evaluates such a list by building it as
        // a temporary b-tree every time the CHECK is evaluated: for every row inserted into `record`
        // and `publication` and every publication whose status changes, one to two b-trees opened,
        // filled and closed, each with a page buffer from malloc (`perf probe` on glibc's
        // malloc_consolidate during a first run of 200,000 records: about 203,000 calls, nine in ten
        // from here). The two forms accept the same values (a NULL passes both), so no stored row
        // changes and no table is rebuilt; only the tables' text is rewritten, as SQLite documents
        // for constraint changes that leave the stored content as it is
        // (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes").
        migrator.registerMigration("2026-12-05 v14 CHECK lists as comparisons") { db in
            try CheckLists.rewrite(db)
        }
        // The names every row of the four large tables repeats (a kind, a portal, a feed: a handful
        // each) stored once in `text_value` and referred to by number (issue 18: ledger bytes per
        // publication). `administrative-penalty` and `creditchina-henan-zhengzhou` were written
        // in the publication's row, its UNIQUE key's index and `publication_by_decision`, in every
        // record version, decision and decision × portal row: about 230 of the 1,185 bytes a
        // record of a 200,000-record first run. The columns are renamed (`kind` → `kind_id`), so
        // that SQL still naming a text column fails rather than matching nothing. `batch` (a row
        // a file) keeps its texts. The questions read the names as texts (`TextValues.text(of:)`)
        // and order by them where a list is ordered by portal or feed.
        migrator.registerMigration("2026-12-05 v15 kinds, portals and feeds by number") { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO text_value (text)
                SELECT kind FROM decision UNION SELECT portal FROM decision_portal UNION SELECT kind FROM record
                UNION SELECT portal FROM publication UNION SELECT feed FROM publication UNION SELECT kind FROM publication
                UNION SELECT kind FROM portal_period UNION SELECT portal FROM portal_period;
                CREATE TABLE record_v15 (
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    decision_date TEXT,
                    source INTEGER NOT NULL,
                    source_row INTEGER NOT NULL CHECK (source_row >= 2),
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    severity TEXT CHECK (severity = '轻微' OR severity = '一般' OR severity = '严重'),
                    severity_reason INTEGER,
                    regime TEXT,
                    repair_from TEXT,
                    expires_on TEXT,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (kind_id, record_key, content_sha256)
                ) WITHOUT ROWID;
                INSERT INTO record_v15 (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run,
                                        severity, severity_reason, regime, repair_from, expires_on, seq)
                SELECT (SELECT t.id FROM text_value t WHERE t.text = record.kind) AS kind_id, record_key, content_sha256, decision_date,
                       source, source_row, first_run, severity, severity_reason, regime, repair_from, expires_on, seq
                FROM record ORDER BY kind_id, record_key, content_sha256;
                DROP TABLE record;
                ALTER TABLE record_v15 RENAME TO record;
                CREATE TABLE decision_v15 (
                    kind_id INTEGER NOT NULL,
                    number TEXT NOT NULL CHECK (number <> ''),
                    decision_date TEXT,
                    pipeline TEXT,
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    received_on TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    valid_at_first INTEGER NOT NULL CHECK (valid_at_first IN (0, 1)),
                    valid INTEGER NOT NULL CHECK (valid IN (0, 1)),
                    file INTEGER NOT NULL,
                    row INTEGER NOT NULL,
                    revoked_on TEXT,
                    PRIMARY KEY (kind_id, number)
                ) WITHOUT ROWID;
                INSERT INTO decision_v15 (kind_id, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row,
                                          revoked_on)
                SELECT (SELECT t.id FROM text_value t WHERE t.text = decision.kind) AS kind_id, number, decision_date, pipeline, first_run,
                       received_on, valid_at_first, valid, file, row, revoked_on
                FROM decision ORDER BY kind_id, number;
                CREATE TABLE decision_portal_v15 (
                    kind_id INTEGER NOT NULL,
                    number TEXT NOT NULL,
                    portal_id INTEGER NOT NULL,
                    due_on TEXT,
                    exclusion TEXT,
                    withdraw_due_on TEXT,
                    PRIMARY KEY (kind_id, number, portal_id),
                    FOREIGN KEY (kind_id, number) REFERENCES decision_v15(kind_id, number)
                ) WITHOUT ROWID;
                INSERT INTO decision_portal_v15 (kind_id, number, portal_id, due_on, exclusion, withdraw_due_on)
                SELECT (SELECT t.id FROM text_value t WHERE t.text = dp.kind) AS kind_id, number,
                       (SELECT t.id FROM text_value t WHERE t.text = dp.portal) AS portal_id, due_on, exclusion, withdraw_due_on
                FROM decision_portal dp ORDER BY kind_id, number, portal_id;
                DROP TABLE decision_portal;
                DROP TABLE decision;
                ALTER TABLE decision_v15 RENAME TO decision;
                ALTER TABLE decision_portal_v15 RENAME TO decision_portal;
                CREATE TABLE portal_period_v15 (
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL,
                    portal_id INTEGER NOT NULL,
                    severity TEXT NOT NULL CHECK (severity = '轻微' OR severity = '一般' OR severity = '严重'),
                    severity_reason TEXT,
                    regime TEXT,
                    months INTEGER NOT NULL CHECK (months >= 0),
                    counted_from TEXT NOT NULL CHECK (counted_from IN ('decision_date', 'publication_date')),
                    PRIMARY KEY (kind_id, record_key, portal_id)
                );
                INSERT INTO portal_period_v15 (kind_id, record_key, portal_id, severity, severity_reason, regime, months, counted_from)
                SELECT (SELECT t.id FROM text_value t WHERE t.text = pp.kind), record_key,
                       (SELECT t.id FROM text_value t WHERE t.text = pp.portal), severity, severity_reason, regime, months, counted_from
                FROM portal_period pp ORDER BY rowid;
                DROP TABLE portal_period;
                ALTER TABLE portal_period_v15 RENAME TO portal_period;
                CREATE TABLE publication_v15 (
                    id INTEGER PRIMARY KEY,
                    portal_id INTEGER NOT NULL,
                    feed_id INTEGER NOT NULL,
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    previous_sha256 BLOB CHECK (previous_sha256 IS NULL OR (typeof(previous_sha256) = 'blob' AND length(previous_sha256) = 32)),
                    operation TEXT NOT NULL CHECK (operation = 'publish' OR operation = 'correct' OR operation = 'republish'),
                    republish_on TEXT NOT NULL DEFAULT '' CHECK ((operation = 'republish') = (republish_on <> '')),
                    batch_id TEXT NOT NULL REFERENCES batch(id),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status TEXT NOT NULL CHECK (status = 'pending' OR status = 'published' OR status = 'rejected' OR status = 'failed' OR status = 'withdrawn'),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    decision_number TEXT,
                    UNIQUE (portal_id, feed_id, record_key, content_sha256, operation, republish_on),
                    CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
                    CHECK (status <> 'published' OR published_on IS NOT NULL),
                    CHECK (status <> 'rejected' OR reason IS NOT NULL)
                );
                INSERT INTO publication_v15 (id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation,
                    republish_on, batch_id, position, status, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number)
                SELECT id, (SELECT t.id FROM text_value t WHERE t.text = p.portal), (SELECT t.id FROM text_value t WHERE t.text = p.feed),
                    (SELECT t.id FROM text_value t WHERE t.text = p.kind), record_key, content_sha256, previous_sha256, operation,
                    republish_on, batch_id, position, status, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number
                FROM publication p ORDER BY id;
                DROP TABLE publication;
                ALTER TABLE publication_v15 RENAME TO publication;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_id, position);
                CREATE INDEX publication_by_decision ON publication(kind_id, portal_id, decision_number, status, published_on);
                CREATE INDEX publication_by_batch_status ON publication(batch_id, status);
                CREATE INDEX publication_rejected ON publication(id) WHERE status = 'rejected';
                """)
        }
        // v16: a publication names its batch by the batch's number, not by its 16-character id,
        // in the table and in `publication_by_batch` and `publication_by_batch_status` (17 bytes a
        // row three times, about 45 bytes a publication). `batch` gets its number as an explicit
        // `INTEGER PRIMARY KEY` (its implicit rowid, which these numbers were, may be renumbered
        // by `VACUUM`); its id stays unique, which the withdrawals refer to. The column is
        // renamed, so that SQL still naming `batch_id` on a publication fails instead of
        // comparing a number with a text.
        migrator.registerMigration("2026-12-06 v16 a publication's batch by number") { db in
            try db.execute(sql: """
                CREATE TABLE batch_v16 (
                    no INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE CHECK (length(id) = 16),
                    portal TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    operation TEXT NOT NULL CHECK (operation = 'publish' OR operation = 'correct' OR operation = 'republish' OR operation = 'withdraw'),
                    file_name TEXT NOT NULL,
                    outbox_path TEXT NOT NULL,
                    payload_sha256 TEXT NOT NULL CHECK (length(payload_sha256) = 64),
                    records INTEGER NOT NULL CHECK (records > 0),
                    status TEXT NOT NULL CHECK (status = 'pending' OR status = 'published' OR status = 'failed'),
                    attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
                    created_run INTEGER NOT NULL REFERENCES run(id),
                    created_on TEXT NOT NULL,
                    delivered_at TEXT,
                    confirmed_on TEXT,
                    receipt TEXT,
                    receipt_sha256 TEXT,
                    last_error TEXT,
                    outbox_stat TEXT,
                    CHECK (status <> 'published' OR confirmed_on IS NOT NULL)
                );
                INSERT INTO batch_v16 (no, id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                       attempts, created_run, created_on, delivered_at, confirmed_on, receipt, receipt_sha256, last_error,
                                       outbox_stat)
                SELECT rowid, id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status, attempts,
                       created_run, created_on, delivered_at, confirmed_on, receipt, receipt_sha256, last_error, outbox_stat
                FROM batch ORDER BY rowid;
                CREATE TABLE publication_v16 (
                    id INTEGER PRIMARY KEY,
                    portal_id INTEGER NOT NULL,
                    feed_id INTEGER NOT NULL,
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    previous_sha256 BLOB CHECK (previous_sha256 IS NULL OR (typeof(previous_sha256) = 'blob' AND length(previous_sha256) = 32)),
                    operation TEXT NOT NULL CHECK (operation = 'publish' OR operation = 'correct' OR operation = 'republish'),
                    republish_on TEXT NOT NULL DEFAULT '' CHECK ((operation = 'republish') = (republish_on <> '')),
                    batch_no INTEGER NOT NULL REFERENCES batch_v16(no),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status TEXT NOT NULL CHECK (status = 'pending' OR status = 'published' OR status = 'rejected' OR status = 'failed' OR status = 'withdrawn'),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    decision_number TEXT,
                    UNIQUE (portal_id, feed_id, record_key, content_sha256, operation, republish_on),
                    CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
                    CHECK (status <> 'published' OR published_on IS NOT NULL),
                    CHECK (status <> 'rejected' OR reason IS NOT NULL)
                );
                INSERT INTO publication_v16 (id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation,
                    republish_on, batch_no, position, status, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number)
                SELECT p.id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, p.operation, republish_on,
                    (SELECT b.no FROM batch_v16 b WHERE b.id = p.batch_id), position, p.status, reason, decision_date, due_on,
                    published_on, subject_code, subject_name, schema_version, profile_version, decision_number
                FROM publication p ORDER BY p.id;
                DROP TABLE publication;
                DROP TABLE batch;
                ALTER TABLE batch_v16 RENAME TO batch;
                ALTER TABLE publication_v16 RENAME TO publication;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_no, position);
                CREATE INDEX publication_by_decision ON publication(kind_id, portal_id, decision_number, status, published_on);
                CREATE INDEX publication_by_batch_status ON publication(batch_no, status);
                CREATE INDEX publication_rejected ON publication(id) WHERE status = 'rejected';
                """)
        }
        // v17: a record version's severity and regime by number: the severity as its code (1 轻微,
        // 2 一般, 3 严重: ``SeverityCode``), the regime (a configured id such as `ndrc-order-58`)
        // as its number in `text_value`; about 20 bytes a version. Renamed (`severity_code`,
        // `regime_id`), so that SQL still comparing the texts fails instead of matching nothing.
        migrator.registerMigration("2026-12-06 v17 a record's severity and regime by number") { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO text_value (text) SELECT DISTINCT regime FROM record WHERE regime IS NOT NULL;
                CREATE TABLE record_v17 (
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    decision_date TEXT,
                    source INTEGER NOT NULL,
                    source_row INTEGER NOT NULL CHECK (source_row >= 2),
                    first_run INTEGER NOT NULL REFERENCES run(id),
                    severity_code INTEGER CHECK (severity_code = 1 OR severity_code = 2 OR severity_code = 3),
                    severity_reason INTEGER,
                    regime_id INTEGER,
                    repair_from TEXT,
                    expires_on TEXT,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (kind_id, record_key, content_sha256)
                ) WITHOUT ROWID;
                INSERT INTO record_v17 (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run,
                                        severity_code, severity_reason, regime_id, repair_from, expires_on, seq)
                SELECT kind_id, record_key, content_sha256, decision_date, source, source_row, first_run,
                       \(SeverityCode.code(of: "severity")), severity_reason,
                       (SELECT t.id FROM text_value t WHERE t.text = record.regime), repair_from, expires_on, seq
                FROM record ORDER BY kind_id, record_key, content_sha256;
                DROP TABLE record;
                ALTER TABLE record_v17 RENAME TO record;
                """)
        }
        // v18: a publication's status and operation by their codes (``PublicationCode``: status 1
        // pending, 2 published, 3 rejected, 4 failed, 5 withdrawn; operation 1 publish, 2 correct,
        // 3 republish), in the table, its `UNIQUE` key, `publication_by_decision`,
        // `publication_by_batch_status` and the partial index of the rejected; about 25 bytes a
        // publication. Renamed (`status_code`, `operation_code`), so that SQL still comparing the
        // texts fails instead of matching nothing.
        migrator.registerMigration("2026-12-06 v18 a publication's status and operation by code") { db in
            try db.execute(sql: """
                CREATE TABLE publication_v18 (
                    id INTEGER PRIMARY KEY,
                    portal_id INTEGER NOT NULL,
                    feed_id INTEGER NOT NULL,
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    previous_sha256 BLOB CHECK (previous_sha256 IS NULL OR (typeof(previous_sha256) = 'blob' AND length(previous_sha256) = 32)),
                    operation_code INTEGER NOT NULL CHECK (operation_code = 1 OR operation_code = 2 OR operation_code = 3),
                    republish_on TEXT NOT NULL DEFAULT '' CHECK ((operation_code = 3) = (republish_on <> '')),
                    batch_no INTEGER NOT NULL REFERENCES batch(no),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status_code INTEGER NOT NULL
                        CHECK (status_code = 1 OR status_code = 2 OR status_code = 3 OR status_code = 4 OR status_code = 5),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    decision_number TEXT,
                    UNIQUE (portal_id, feed_id, record_key, content_sha256, operation_code, republish_on),
                    CHECK ((operation_code = 2) = (previous_sha256 IS NOT NULL)),
                    CHECK (status_code <> 2 OR published_on IS NOT NULL),
                    CHECK (status_code <> 3 OR reason IS NOT NULL)
                );
                INSERT INTO publication_v18 (id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation_code,
                    republish_on, batch_no, position, status_code, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number)
                SELECT id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256,
                    \(PublicationCode.operationCode(of: "operation")), republish_on, batch_no, position,
                    \(PublicationCode.statusCode(of: "status")), reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number
                FROM publication ORDER BY id;
                DROP TABLE publication;
                ALTER TABLE publication_v18 RENAME TO publication;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_no, position);
                CREATE INDEX publication_by_decision ON publication(kind_id, portal_id, decision_number, status_code, published_on);
                CREATE INDEX publication_by_batch_status ON publication(batch_no, status_code);
                CREATE INDEX publication_rejected ON publication(id) WHERE status_code = 3;
                """)
        }
        // A batch made again after it failed keeps its earlier attempts: the attempt's file, its
        // place, the day it was made and why it failed (its row then tells the new attempt only).
        migrator.registerMigration("2026-12-07 v19 a failed batch's earlier attempts") { db in
            try db.execute(sql: """
                CREATE TABLE batch_failure (
                    batch_id TEXT NOT NULL REFERENCES batch(id),
                    attempt INTEGER NOT NULL CHECK (attempt >= 1),
                    file_name TEXT NOT NULL,
                    outbox_path TEXT NOT NULL,
                    created_on TEXT NOT NULL,
                    reason TEXT,
                    PRIMARY KEY (batch_id, attempt)
                ) WITHOUT ROWID
                """)
        }
        // v20: a correction names the batch of the publication it corrects (`corrects_batch`, ''
        // for every other operation and for the corrections recorded before), and its UNIQUE key
        // holds it: content that flips back and changes again (A, B, A, B) makes a correction with
        // the content and the operation of an earlier one, which the key refused, stopping every
        // nightly run after it with 74. One byte a publication that is not a correction.
        migrator.registerMigration("2026-12-07 v20 a correction names what it corrects") { db in
            try db.execute(sql: """
                CREATE TABLE publication_v20 (
                    id INTEGER PRIMARY KEY,
                    portal_id INTEGER NOT NULL,
                    feed_id INTEGER NOT NULL,
                    kind_id INTEGER NOT NULL,
                    record_key TEXT NOT NULL CHECK (record_key <> ''),
                    content_sha256 BLOB NOT NULL CHECK (typeof(content_sha256) = 'blob' AND length(content_sha256) = 32),
                    previous_sha256 BLOB CHECK (previous_sha256 IS NULL OR (typeof(previous_sha256) = 'blob' AND length(previous_sha256) = 32)),
                    operation_code INTEGER NOT NULL CHECK (operation_code = 1 OR operation_code = 2 OR operation_code = 3),
                    republish_on TEXT NOT NULL DEFAULT '' CHECK ((operation_code = 3) = (republish_on <> '')),
                    corrects_batch TEXT NOT NULL DEFAULT '' CHECK (operation_code = 2 OR corrects_batch = ''),
                    batch_no INTEGER NOT NULL REFERENCES batch(no),
                    position INTEGER NOT NULL CHECK (position >= 1),
                    status_code INTEGER NOT NULL
                        CHECK (status_code = 1 OR status_code = 2 OR status_code = 3 OR status_code = 4 OR status_code = 5),
                    reason TEXT,
                    decision_date TEXT,
                    due_on TEXT,
                    published_on TEXT,
                    subject_code TEXT,
                    subject_name TEXT,
                    schema_version INTEGER NOT NULL,
                    profile_version INTEGER NOT NULL,
                    decision_number TEXT,
                    UNIQUE (portal_id, feed_id, record_key, content_sha256, operation_code, republish_on, corrects_batch),
                    CHECK ((operation_code = 2) = (previous_sha256 IS NOT NULL)),
                    CHECK (status_code <> 2 OR published_on IS NOT NULL),
                    CHECK (status_code <> 3 OR reason IS NOT NULL)
                );
                INSERT INTO publication_v20 (id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation_code,
                    republish_on, batch_no, position, status_code, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number)
                SELECT id, portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation_code, republish_on,
                    batch_no, position, status_code, reason, decision_date, due_on, published_on, subject_code,
                    subject_name, schema_version, profile_version, decision_number
                FROM publication ORDER BY id;
                DROP TABLE publication;
                ALTER TABLE publication_v20 RENAME TO publication;
                CREATE UNIQUE INDEX publication_by_batch ON publication(batch_no, position);
                CREATE INDEX publication_by_decision ON publication(kind_id, portal_id, decision_number, status_code, published_on);
                CREATE INDEX publication_by_batch_status ON publication(batch_no, status_code);
                CREATE INDEX publication_rejected ON publication(id) WHERE status_code = 3;
                """)
        }
        // v21: a settled file to be read again on a day (a record refused only because its date
        // was after the run's today goes out once that day has come).
        migrator.registerMigration("2026-12-07 v21 a file read again on a day") { db in
            try db.execute(sql: "ALTER TABLE source_file ADD COLUMN read_again_on TEXT")
        }
        // v22: a natural person's key (a keyed hash of their identity document, 32 hex digits;
        // never the number, whose secret is not in the ledger), apart from `subject_code`, which
        // 信用核查 looks legal persons up by and pages show: with the decision number, what tells a
        // person whose name was corrected. Publications recorded before have none.
        migrator.registerMigration("2026-12-07 v22 a natural person's key") { db in
            try db.execute(sql: """
                ALTER TABLE publication ADD COLUMN person_key TEXT
                    CHECK (person_key IS NULL OR (length(person_key) = 32 AND person_key NOT GLOB '*[^0-9a-f]*'));
                CREATE INDEX publication_by_person ON publication(person_key) WHERE person_key IS NOT NULL;
                """)
        }
        // v23: the version of the record a publication carried (the hash of the record's own
        // values, the `record` table's `content_sha256`; its bytes), apart from the feed row's
        // hash: a record withdrawn to be corrected (更正) stays down until another version of the
        // record comes, whatever its row on a feed, and the withdrawn version is never sent again.
        // Publications recorded before have none (their feed row tells, as before).
        migrator.registerMigration("2026-12-08 v23 a publication's record version") { db in
            try db.execute(sql: """
                ALTER TABLE publication ADD COLUMN record_sha256 BLOB
                    CHECK (record_sha256 IS NULL OR (typeof(record_sha256) = 'blob' AND length(record_sha256) = 32))
                """)
        }
        // v24: a portal's own minimum before 信用修复 (gsxt: 总局令第45号, counted from its
        // publication), beside its maximum `months`. Rows written before have none: their
        // 信用修复 date is taken as their end (never earlier than the portal's rule allows).
        migrator.registerMigration("2026-12-08 v24 a portal's own 信用修复 minimum") { db in
            try db.execute(sql: "ALTER TABLE portal_period ADD COLUMN repair_months INTEGER CHECK (repair_months >= 0)")
        }
        return migrator
    }

    /// A hash's 64 hex digits as its 32 bytes (SQLite's own `unhex` is 3.41's; Debian's is 3.40),
    /// for the migration that stores hashes as bytes. NULL stays NULL; anything else that is not
    /// 64 hex digits stays as it was, and the new table's CHECK refuses it.
    static let unhex = DatabaseFunction("gongshi_unhex", argumentCount: 1, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return values[0] }
        return SHA256Bytes(hex: text).map { Data($0.bytes) } ?? text
    }
}

/// The CHECKs that list values, as the migrations before v14 wrote them, and the comparisons v14
/// writes instead (``LedgerMigrations``).
enum CheckLists {
    static let lists: [(table: String, column: String, values: [String])] = [
        ("record", "severity", ["'轻微'", "'一般'", "'严重'"]),
        ("portal_period", "severity", ["'轻微'", "'一般'", "'严重'"]),
        ("publication", "operation", ["'publish'", "'correct'", "'republish'"]),
        ("publication", "status", ["'pending'", "'published'", "'rejected'", "'failed'", "'withdrawn'"]),
        ("batch", "operation", ["'publish'", "'correct'", "'republish'", "'withdraw'"]),
        ("batch", "status", ["'pending'", "'published'", "'failed'"]),
        ("withdrawal", "status", ["'pending'", "'done'", "'failed'"]),
    ]

    static func listed(_ column: String, _ values: [String]) -> String {
        "CHECK (\(column) IN (\(values.joined(separator: ", "))))"
    }

    static func compared(_ column: String, _ values: [String]) -> String {
        "CHECK (" + values.map { "\(column) = \($0)" }.joined(separator: " OR ") + ")"
    }

    /// Rewrites the tables' text in `sqlite_schema`, raises the schema's version (so that every
    /// connection reads the tables again) and checks the file. A table whose text does not hold a
    /// listed CHECK exactly once is not a table these migrations made: nothing is changed and
    /// the migration fails.
    static func rewrite(_ db: Database) throws {
        var texts: [String: String] = [:]  // table → its text, rewritten so far
        for (table, column, values) in lists {
            var sql = try texts[table]
                ?? String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [table]) ?? ""
            let listed = listed(column, values)
            let found = sql.ranges(of: listed)
            guard found.count == 1, let range = found.first else {
                throw DatabaseError(resultCode: .SQLITE_ERROR, message: "v14: table \(table) does not hold \(listed) once")
            }
            sql.replaceSubrange(range, with: compared(column, values))
            texts[table] = sql
        }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        for (table, sql) in texts {
            try db.execute(sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", arguments: [sql, table])
        }
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard check == ["ok"] else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "v14: quick_check: \(check.prefix(3).joined(separator: "; "))")
        }
    }
}
