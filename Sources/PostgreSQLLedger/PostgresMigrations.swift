import Foundation

/// The shared ledger's schema on PostgreSQL, as named migrations that only ever move forward (as
/// the SQLite ledger's): a shipped migration is never edited; a change is a new one appended at the
/// end, with its SQLite twin in `SQLiteLedger.LedgerMigrations`. They run in one transaction under
/// a transaction-level advisory lock, so two machines opening a new ledger at once apply each once.
///
/// The first migration is the SQLite ledger's schema as of its v8, in PostgreSQL's words: the same
/// tables, columns, keys and CHECK constraints, plus an identity for the orders SQLite gets from
/// its rowid (`record.id`, `batch.seq`). Text that is compared or sorted (keys, dates) is
/// `COLLATE "C"`: by bytes, as SQLite and the engine compare it, whatever the database's locale.
enum PostgresMigrations {
    static let all: [(identifier: String, sql: String)] = [
        ("2026-12-03 pg1 county ledger", v1),
        // Part of SQLite's v9: `publication_by_decision` serves what `publication_by_key` did.
        // (Its other part, the record versions in key order, is SQLite's own: here `record` has
        // always been a heap and its key's index, with `id` for the order.)
        ("2026-12-04 pg2 one index fewer", "DROP INDEX publication_by_key"),
        // SQLite's v10: the covering decision index, publications per batch and status, the
        // rejected ones, and the
        // settled file's identity and times (`source_file.stat`).
        (
            "2026-12-04 pg3 quicker re-run",
            """
            DROP INDEX publication_by_decision;
            CREATE INDEX publication_by_decision ON publication(kind, portal, decision_number, status, published_on);
            CREATE INDEX publication_by_batch_status ON publication(batch_id, status);
            CREATE INDEX publication_rejected ON publication(id) WHERE status = 'rejected';
            ALTER TABLE source_file ADD COLUMN stat text COLLATE "C"
            """
        ),
        // SQLite's v11: a pending batch's outbox file known unchanged by its stat.
        ("2026-12-04 pg4 outbox stat", "ALTER TABLE batch ADD COLUMN outbox_stat text COLLATE \"C\""),
        // PostgreSQL's own (SQLite checks a foreign key by one lookup in the parent's index, at no
        // cost worth changing): the four keys a run writes a row of for every record, checked a
        // statement at a time instead of a row at a time. Same integrity, set another way.
        ("2026-12-07 pg5 keys checked a statement at a time", pg5),
        // SQLite's v19: a failed batch's earlier attempts, kept when it is made again.
        (
            "2026-12-07 pg6 a failed batch's earlier attempts",
            """
            CREATE TABLE batch_failure (
                batch_id text COLLATE "C" NOT NULL REFERENCES batch(id),
                attempt integer NOT NULL CHECK (attempt >= 1),
                file_name text NOT NULL,
                outbox_path text NOT NULL,
                created_on text COLLATE "C" NOT NULL,
                reason text,
                PRIMARY KEY (batch_id, attempt)
            )
            """
        ),
        // SQLite's v20: a correction names the batch of the publication it corrects, and the
        // publications' unique key holds it (content flipping back, A, B, A, B, was refused). The
        // key pg1 made is found by its columns (PostgreSQL named it, cut to 63 characters) and
        // dropped, and none found fails the migration; the new one is named.
        (
            "2026-12-07 pg7 a correction names what it corrects",
            """
            ALTER TABLE publication ADD COLUMN corrects_batch text COLLATE "C" NOT NULL DEFAULT ''
                CHECK (operation = 'correct' OR corrects_batch = '');
            DO $$
            DECLARE found text;
            BEGIN
                SELECT conname INTO found FROM pg_constraint
                WHERE conrelid = 'publication'::regclass AND contype = 'u'
                  AND conkey = (SELECT array_agg(a.attnum ORDER BY c.ord)
                                FROM unnest(ARRAY['portal', 'feed', 'record_key', 'content_sha256', 'operation', 'republish_on'])
                                     WITH ORDINALITY AS c(name, ord)
                                JOIN pg_attribute a ON a.attrelid = 'publication'::regclass AND a.attname = c.name);
                EXECUTE format('ALTER TABLE publication DROP CONSTRAINT %I', found);
            END $$;
            ALTER TABLE publication ADD CONSTRAINT publication_identity
                UNIQUE (portal, feed, record_key, content_sha256, operation, republish_on, corrects_batch)
            """
        ),
        // SQLite's v21: a settled file to be read again on a day.
        ("2026-12-07 pg8 a file read again on a day", "ALTER TABLE source_file ADD COLUMN read_again_on text COLLATE \"C\""),
        // SQLite's v22: a natural person's key (a keyed hash of their identity document, never the
        // number), apart from `subject_code`, which 信用核查 looks legal persons up by.
        (
            "2026-12-07 pg9 a natural person's key",
            """
            ALTER TABLE publication ADD COLUMN person_key text COLLATE "C"
                CHECK (person_key IS NULL OR person_key ~ '^[0-9a-f]{32}$');
            CREATE INDEX publication_by_person ON publication(person_key) WHERE person_key IS NOT NULL
            """
        ),
        // A failed publication taken up by another batch (the rest of a batch that held a withdrawn
        // record, planned again; a channel batch made again under another id), as SQLite's upsert
        // moves it: its batch may change while it is failed, to a batch that exists; any other
        // change of a publication's batch is still refused (pg5's `gongshi_unchanged`).
        (
            "2026-12-07 pg9b a failed publication taken up by another batch",
            """
            CREATE FUNCTION gongshi_failed_publication_moves() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM batch WHERE id = NEW.batch_id) THEN
                    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                        MESSAGE = format('a row of %s names no batch', TG_TABLE_NAME);
                END IF;
                RETURN NEW;
            END $$;
            DROP TRIGGER publication_batch_unchanged ON publication;
            CREATE TRIGGER publication_batch_unchanged BEFORE UPDATE OF batch_id ON publication
                FOR EACH ROW WHEN (OLD.batch_id IS DISTINCT FROM NEW.batch_id AND OLD.status <> 'failed')
                EXECUTE FUNCTION gongshi_unchanged('batch_id');
            CREATE TRIGGER publication_failed_moves BEFORE UPDATE OF batch_id ON publication
                FOR EACH ROW WHEN (OLD.batch_id IS DISTINCT FROM NEW.batch_id AND OLD.status = 'failed')
                EXECUTE FUNCTION gongshi_failed_publication_moves()
            """
        ),
        // SQLite's v23: the version of the record a publication carried (the hash of the record's
        // own values, `record.content_sha256`), apart from the feed row's hash: a record withdrawn
        // to be corrected (更正) stays down until another version of the record comes.
        (
            "2026-12-08 pg10 a publication's record version",
            """
            ALTER TABLE publication ADD COLUMN record_sha256 text COLLATE "C"
                CHECK (record_sha256 IS NULL OR record_sha256 ~ '^[0-9a-f]{64}$')
            """
        ),
        // SQLite's v24: a portal's own minimum before 信用修复, beside its maximum.
        ("2026-12-08 pg11 a portal's own 信用修复 minimum", "ALTER TABLE portal_period ADD COLUMN repair_months integer CHECK (repair_months >= 0)"),
    ]

    /// The keys of the rows a run writes by the hundred thousand, checked a statement at a time.
    ///
    /// A foreign key's check is a trigger that runs a query for every row: for the 196,000 record
    /// versions of a first run of 200,000 records, 0.75 s of the server's 1.75 s (the table's
    /// indexes and `CHECK`s 1.0 s). The same check is made here once a statement, over the rows it
    /// inserted (a transition table: the run's statements insert 2,000 rows each), by one query
    /// that probes the parent's key for each of them. What a foreign key also guards is kept
    /// another way:
    /// - a row's reference never changes (`gongshi_unchanged`: gongshi never changes it, and a
    ///   change by hand is refused), where the key would have checked the new value;
    /// - a parent row is never deleted, the table never truncated, its key never changed
    ///   (`gongshi_kept`): the ledger is a history, and gongshi deletes none of these rows. The
    ///   key would have refused only the deletion of a parent still named; this refuses any.
    /// With no deletion there is no race for a lock on the parent row to close. The refusals
    /// carry the key's own SQLSTATE (23503) for a missing parent and 23001 (`restrict_violation`)
    /// for a change or a deletion. The keys of the tables written a row a run or a batch (`batch`,
    /// `source_file`, `withdrawal`, `problem`) stay foreign keys. (A key dropped `IF EXISTS`: one a
    /// DBA renamed stays, and is checked twice, not refused.)
    static let pg5 =
        pg5Functions
        + keyByStatement("record", columns: ["first_run"], naming: "run", key: ["id"])
        + keyByStatement("decision", columns: ["first_run"], naming: "run", key: ["id"])
        + keyByStatement("decision_portal", columns: ["kind", "number"], naming: "decision", key: ["kind", "number"])
        + keyByStatement("publication", columns: ["batch_id"], naming: "batch", key: ["id"])
        + kept("run", key: ["id"]) + kept("batch", key: ["id"]) + kept("decision", key: ["kind", "number"])

    static let pg5Functions = #"""
        CREATE FUNCTION gongshi_names_exist() RETURNS trigger LANGUAGE plpgsql
            SET enable_seqscan = off AS $$
        -- TG_ARGV[0]: what the rows name; TG_ARGV[1]: a query over the inserted rows
        -- (gongshi_new) that returns a row for each one naming none. Each NOT EXISTS is written
        -- with OFFSET 0, which keeps it a subquery run for each row with the row's values (not
        -- made a join), and sequential scans are off: the parent's key probed for each of the
        -- statement's rows, as the foreign key did. A table growing in the run has no statistics
        -- yet; planned as an anti-join without them, the parent's index was read whole for every
        -- row (34 s for 200,000 decisions' portal rows).
        DECLARE
            missing boolean;
        BEGIN
            EXECUTE 'SELECT EXISTS (' || TG_ARGV[1] || ')' INTO missing;
            IF missing THEN
                RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                    MESSAGE = format('a row of %s names no %s', TG_TABLE_NAME, TG_ARGV[0]);
            END IF;
            RETURN NULL;
        END $$;
        CREATE FUNCTION gongshi_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                MESSAGE = format('%s: %s is part of the ledger''s history and is not changed', TG_TABLE_NAME, TG_ARGV[0]);
        END $$;
        CREATE FUNCTION gongshi_kept() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                MESSAGE = format('%s is part of the ledger''s history: its rows are not deleted', TG_TABLE_NAME);
        END $$;

        """#

    /// `table`'s foreign key (`columns` naming `parent`'s `key`) dropped, and checked instead after
    /// each INSERT over the statement's rows (each distinct reference probed once); the reference
    /// never changed. The key dropped is known by the name PostgreSQL gave it in pg1 (`table_columns_fkey`).
    /// (This and the two below write `pg5`'s text and are its own: a shipped
    /// migration's text never changes, so a later one writes its statements out anew.)
    static func keyByStatement(_ table: String, columns: [String], naming parent: String, key: [String]) -> String {
        let matches = zip(key, columns).map { "p.\($0) = n.\($1)" }.joined(separator: " AND ")
        let probe = """
            SELECT 1 FROM (SELECT DISTINCT \(columns.joined(separator: ", ")) FROM gongshi_new) n \
            WHERE NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(matches) OFFSET 0)
            """
        return """
            ALTER TABLE \(table) DROP CONSTRAINT IF EXISTS \(table)_\(columns.joined(separator: "_"))_fkey;
            CREATE TRIGGER \(table)_names_a_\(parent) AFTER INSERT ON \(table) REFERENCING NEW TABLE AS gongshi_new
                FOR EACH STATEMENT EXECUTE FUNCTION gongshi_names_exist('\(parent)', '\(probe)');
            \(unchanged(table, columns, trigger: "\(table)_\(parent)_unchanged"))

            """
    }

    /// `table`'s rows never deleted, the table never truncated, its `key` never changed.
    static func kept(_ table: String, key: [String]) -> String {
        """
        CREATE TRIGGER \(table)_kept BEFORE DELETE OR TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION gongshi_kept();
        \(unchanged(table, key, trigger: "\(table)_key_unchanged"))

        """
    }

    /// A row trigger refusing a change of `columns` (it fires only when an UPDATE sets one of them
    /// to another value).
    static func unchanged(_ table: String, _ columns: [String], trigger: String) -> String {
        let changed = columns.map { "OLD.\($0) IS DISTINCT FROM NEW.\($0)" }.joined(separator: " OR ")
        return """
            CREATE TRIGGER \(trigger) BEFORE UPDATE OF \(columns.joined(separator: ", ")) ON \(table)
                FOR EACH ROW WHEN (\(changed)) EXECUTE FUNCTION gongshi_unchanged('\(columns.joined(separator: ", "))');
            """
    }

    /// A migration's statements, one at a time (the extended protocol takes one per message):
    /// split where a line ends a statement, except within a dollar-quoted body (a function's).
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quoted = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current += current.isEmpty ? String(line) : "\n" + line
            // A `$$` opens or closes a body (gongshi's migrations use no other dollar quotes).
            if line.components(separatedBy: "$$").count % 2 == 0 { quoted.toggle() }
            if !quoted, line.hasSuffix(";") {
                statements.append(String(current.dropLast()))
                current = ""
            }
        }
        statements.append(current)
        return statements.filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    /// Serializes migrations across machines (any constant the ledger's other locks do not use).
    static let lockKey = 0x6773_6d69_6772_6174  // "gsmigrat"

    static let table = """
        CREATE TABLE IF NOT EXISTS gongshi_migration (
            identifier text PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    static let v1 = #"""
        CREATE TABLE run (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            command text NOT NULL,
            today text COLLATE "C" NOT NULL CHECK (today ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
            started_at text NOT NULL,
            finished_at text,
            exit_code integer,
            pipeline text COLLATE "C",
            department text
        );
        CREATE TABLE source_file (
            sha256 text COLLATE "C" NOT NULL CHECK (length(sha256) = 64),
            size bigint NOT NULL CHECK (size >= 0),
            place text COLLATE "C" NOT NULL,
            first_run bigint NOT NULL REFERENCES run(id),
            last_run bigint NOT NULL REFERENCES run(id),
            settled_run bigint REFERENCES run(id),
            records integer CHECK (records >= 0),
            valid integer CHECK (valid >= 0),
            invalid integer CHECK (invalid >= 0),
            skipped integer CHECK (skipped >= 0),
            incomplete integer CHECK (incomplete >= 0),
            failed integer CHECK (failed IN (0, 1)),
            unidentifiable integer CHECK (unidentifiable >= 0),
            PRIMARY KEY (sha256, place)
        );
        CREATE TABLE record (
            id bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE,
            kind text COLLATE "C" NOT NULL,
            record_key text COLLATE "C" NOT NULL CHECK (record_key <> ''),
            content_sha256 text COLLATE "C" NOT NULL CHECK (length(content_sha256) = 64),
            decision_date text COLLATE "C",
            source_sha256 text NOT NULL,
            source_row integer NOT NULL CHECK (source_row >= 2),
            first_run bigint NOT NULL REFERENCES run(id),
            severity text CHECK (severity IN ('轻微', '一般', '严重')),
            severity_reason text,
            regime text,
            repair_from text COLLATE "C",
            expires_on text COLLATE "C",
            PRIMARY KEY (kind, record_key, content_sha256)
        );
        CREATE TABLE batch (
            id text COLLATE "C" PRIMARY KEY CHECK (length(id) = 16),
            seq bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE,
            portal text COLLATE "C" NOT NULL,
            feed text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,
            operation text NOT NULL CHECK (operation IN ('publish', 'correct', 'republish', 'withdraw')),
            file_name text NOT NULL,
            outbox_path text NOT NULL,
            payload_sha256 text NOT NULL CHECK (length(payload_sha256) = 64),
            records integer NOT NULL CHECK (records > 0),
            status text NOT NULL CHECK (status IN ('pending', 'published', 'failed')),
            attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
            created_run bigint NOT NULL REFERENCES run(id),
            created_on text COLLATE "C" NOT NULL,
            delivered_at text,
            confirmed_on text COLLATE "C",
            receipt text,
            receipt_sha256 text,
            last_error text,
            CHECK (status <> 'published' OR confirmed_on IS NOT NULL)
        );
        CREATE TABLE publication (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            portal text COLLATE "C" NOT NULL,
            feed text COLLATE "C" NOT NULL,
            kind text COLLATE "C" NOT NULL,
            record_key text COLLATE "C" NOT NULL CHECK (record_key <> ''),
            content_sha256 text COLLATE "C" NOT NULL CHECK (length(content_sha256) = 64),
            previous_sha256 text,
            operation text NOT NULL CHECK (operation IN ('publish', 'correct', 'republish')),
            republish_on text COLLATE "C" NOT NULL DEFAULT '' CHECK ((operation = 'republish') = (republish_on <> '')),
            batch_id text COLLATE "C" NOT NULL REFERENCES batch(id),
            position integer NOT NULL CHECK (position >= 1),
            status text NOT NULL CHECK (status IN ('pending', 'published', 'rejected', 'failed', 'withdrawn')),
            reason text,
            decision_date text COLLATE "C",
            due_on text COLLATE "C",
            published_on text COLLATE "C",
            subject_code text COLLATE "C",
            subject_name text,
            schema_version integer NOT NULL,
            profile_version integer NOT NULL,
            decision_number text COLLATE "C",
            UNIQUE (portal, feed, record_key, content_sha256, operation, republish_on),
            CHECK ((operation = 'correct') = (previous_sha256 IS NOT NULL)),
            CHECK (status <> 'published' OR published_on IS NOT NULL),
            CHECK (status <> 'rejected' OR reason IS NOT NULL)
        );
        CREATE INDEX publication_by_key ON publication(record_key);
        CREATE INDEX publication_by_subject ON publication(subject_code) WHERE subject_code IS NOT NULL;
        CREATE UNIQUE INDEX publication_by_batch ON publication(batch_id, position);
        CREATE INDEX publication_by_decision ON publication(kind, portal, decision_number);
        CREATE TABLE withdrawal (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            publication_id bigint NOT NULL UNIQUE REFERENCES publication(id),
            reason text NOT NULL CHECK (reason <> ''),
            basis text,
            requested_on text COLLATE "C" NOT NULL,
            batch_id text COLLATE "C" REFERENCES batch(id),
            status text NOT NULL CHECK (status IN ('pending', 'done', 'failed'))
        );
        CREATE INDEX withdrawal_by_batch ON withdrawal(batch_id);
        CREATE TABLE problem (
            id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            sha256 text COLLATE "C" NOT NULL,
            place text COLLATE "C" NOT NULL,
            "row" integer,
            line integer,
            field text,
            type text NOT NULL CHECK (type <> ''),
            severity text NOT NULL CHECK (severity IN ('error', 'warning')),
            value text,
            message text NOT NULL,
            FOREIGN KEY (sha256, place) REFERENCES source_file(sha256, place)
        );
        CREATE INDEX problem_by_file ON problem(sha256, place);
        CREATE TABLE decision (
            kind text COLLATE "C" NOT NULL,
            number text COLLATE "C" NOT NULL CHECK (number <> ''),
            decision_date text COLLATE "C",
            pipeline text COLLATE "C",
            first_run bigint NOT NULL REFERENCES run(id),
            received_on text COLLATE "C" NOT NULL CHECK (received_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
            valid_at_first integer NOT NULL CHECK (valid_at_first IN (0, 1)),
            valid integer NOT NULL CHECK (valid IN (0, 1)),
            file text NOT NULL,
            "row" integer NOT NULL,
            revoked_on text COLLATE "C",
            PRIMARY KEY (kind, number)
        );
        CREATE TABLE decision_portal (
            kind text COLLATE "C" NOT NULL,
            number text COLLATE "C" NOT NULL,
            portal text COLLATE "C" NOT NULL,
            due_on text COLLATE "C",
            exclusion text,
            withdraw_due_on text COLLATE "C",
            PRIMARY KEY (kind, number, portal),
            FOREIGN KEY (kind, number) REFERENCES decision(kind, number)
        );
        CREATE TABLE portal_period (
            kind text COLLATE "C" NOT NULL,
            record_key text COLLATE "C" NOT NULL,
            portal text COLLATE "C" NOT NULL,
            severity text NOT NULL CHECK (severity IN ('轻微', '一般', '严重')),
            severity_reason text,
            regime text,
            months integer NOT NULL CHECK (months >= 0),
            counted_from text NOT NULL CHECK (counted_from IN ('decision_date', 'publication_date')),
            PRIMARY KEY (kind, record_key, portal)
        );
        CREATE TABLE run_lock_holder (
            scope text PRIMARY KEY,
            holder text NOT NULL
        );
        """#
}
