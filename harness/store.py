"""Results store: one SQLite file, one row per run, the full record kept as JSON.

SQLite in WAL mode keeps the store consistent when a run is killed mid-write and lets
two matrices write to one store; the few columns used for lookups are real columns,
everything else stays in the JSON record so new figures need no migration.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pandas as pd

from harness.errors import InputError

DEFAULT_DB = Path("results") / "boardtwin.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created REAL NOT NULL,
  example TEXT NOT NULL, board TEXT NOT NULL, kernels TEXT NOT NULL, target TEXT NOT NULL,
  status TEXT NOT NULL,             -- ok | failed
  error TEXT,
  fingerprint TEXT,                 -- what the figures depend on (harness.fingerprint)
  record TEXT NOT NULL              -- JSON
);
CREATE INDEX IF NOT EXISTS runs_key ON runs(example, board, kernels, target);
CREATE INDEX IF NOT EXISTS runs_fp ON runs(fingerprint, status);
"""


class Store:
    def __init__(self, path: Path = DEFAULT_DB):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            with self.db:
                self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f"{self.path}: cannot open the results store ({exc}); "
                             "choose a writable place with --db") from None

    def add(self, record: dict, status: str = "ok", error: str | None = None) -> int:
        with self.db:  # one transaction per run: a kill leaves either the whole row or none
            cur = self.db.execute(
                "INSERT INTO runs(created, example, board, kernels, target, status, error,"
                " fingerprint, record) VALUES (?,?,?,?,?,?,?,?,?)",
                (time.time(), record.get("example", "?"), record.get("board", "?"),
                 record.get("kernels", "?"), record.get("target", "?"), status, error,
                 record.get("fingerprint"), json.dumps(record, default=str)))
            return cur.lastrowid

    def has_ok(self, fingerprint: str) -> bool:
        """Is there a successful run with exactly these inputs already?"""
        row = self.db.execute("SELECT 1 FROM runs WHERE fingerprint = ? AND status = 'ok' LIMIT 1",
                              (fingerprint,)).fetchone()
        return row is not None

    def frame(self, latest: bool = True, status: str | None = "ok") -> pd.DataFrame:
        """All runs as a DataFrame (record fields as columns); latest per key by default."""
        q = "SELECT id, created, status, error, record FROM runs"
        args: tuple = ()
        if status:
            q += " WHERE status = ?"
            args = (status,)
        rows = self.db.execute(q + " ORDER BY id", args).fetchall()
        recs = []
        for rid, created, st, err, rec in rows:
            d = json.loads(rec)
            d.update(run_id=rid, created=created, status=st, error=err)
            recs.append(d)
        df = pd.DataFrame(recs)
        if latest and not df.empty:
            df = df.groupby(["example", "board", "kernels", "target"], sort=False).tail(1)
        return df.reset_index(drop=True)

    def close(self) -> None:
        self.db.close()
