#!/usr/bin/env python3
"""The floor of a first run's ledger writing: SQLite alone, on one thread, inserting the rows a run
left in its ledger into a fresh one with the same tables, indexes, CHECKs and foreign keys.

    benchmarks/ledger_floor.py LEDGER [--json]

LEDGER is the SQLite ledger of a finished `gongshi run` (for example one `gongshi-bench pipeline`
made). Each large table's rows are first copied into a temporary table in the order the run wrote
them (record versions by their sequence, the register by file and row, publications by id), then
timed as one `INSERT INTO … SELECT` a table in one transaction: no parsing, no binding, no
statement per row, no other thread; only SQLite's B-trees, CHECKs and foreign keys, with the page
size and page cache the run's writer uses. What a run spends beyond these figures on writing its
ledger is its own (reading the spools, binding, the transactions of 10,000 rows); these figures
are what any program keeping the same ledger would spend on one core (SQLite takes one writer at a
time). Standard library only; the fresh ledger is written to a temporary folder and removed.
"""
import json
import os
import sqlite3
import sys
import tempfile
import time

# (table, the order the run writes its rows in): the tables a first run fills, row by row.
TABLES = [
    ("record", "seq"),
    ("decision", "file, row"),
    ("decision_portal", None),  # in its decisions' order (below)
    ("publication", "id"),
    ("publication_subject", "publication_id"),
]
# Small tables the large ones refer to, copied first (not timed).
REFERRED = ["run", "source_file", "text_value", "batch", "subject_mark"]
PAGE_SIZE = 16384  # a new ledger's (SQLiteLedger)
CACHE_KIB = 6144  # the run's writer's page cache (SQLiteLedger: 6 MiB)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or not os.path.isfile(args[0]):
        sys.stderr.write(__doc__)
        return 64
    source = os.path.abspath(args[0])
    with tempfile.TemporaryDirectory(prefix="gongshi-floor-") as folder:
        fresh = os.path.join(folder, "floor.sqlite")
        db = sqlite3.connect(fresh, isolation_level=None)
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        db.execute("PRAGMA temp_store = MEMORY")
        db.execute("ATTACH ? AS old", (source,))
        schema = db.execute(
            "SELECT sql FROM old.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "ORDER BY type = 'table' DESC, rowid").fetchall()
        for (sql,) in schema:
            db.execute(sql)
        db.execute(f"PRAGMA main.cache_size = -{CACHE_KIB}")
        db.execute("PRAGMA foreign_keys = ON")
        names = {n for (n,) in db.execute("SELECT name FROM old.sqlite_master WHERE type = 'table'")}
        for table in REFERRED:
            if table in names:
                db.execute(f'INSERT INTO main."{table}" SELECT * FROM old."{table}"')
        rows = {}
        for table, order in TABLES:
            if table not in names:
                continue
            if table == "decision_portal":
                select = ("SELECT p.* FROM old.decision_portal p JOIN old.decision d USING (kind_id, number) "
                          "ORDER BY d.file, d.row, p.portal_id")
            else:
                select = f'SELECT * FROM old."{table}" ORDER BY {order}'
            db.execute(f'CREATE TEMP TABLE "copy_{table}" AS {select}')
            rows[table] = db.execute(f'SELECT count(*) FROM temp."copy_{table}"').fetchone()[0]
        seconds = {}
        for table, _ in TABLES:
            if table not in rows:
                continue
            start = time.perf_counter()
            db.execute("BEGIN")
            db.execute(f'INSERT INTO main."{table}" SELECT * FROM temp."copy_{table}"')
            db.execute("COMMIT")
            seconds[table] = time.perf_counter() - start
        db.close()
    total = sum(seconds.values())
    if "--json" in sys.argv:
        tables = [{"name": t, "rows": rows[t], "seconds": s} for t, s in seconds.items()]  # in the order timed
        print(json.dumps({"tables": tables, "total_seconds": total, "sqlite": sqlite3.sqlite_version}))
    else:
        parts = ", ".join(f"{t} {rows[t]} rows {s:.2f} s" for t, s in seconds.items())
        print(f"SQLite {sqlite3.sqlite_version} alone, one thread: {parts}; {total:.2f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
