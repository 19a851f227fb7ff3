"""The workspace's SQLite metadata store.

WAL mode and a busy timeout let a kernel and a server (and their workers) read and write the
same database at once. The schema is versioned with ``PRAGMA user_version`` and only ever
moves forward, one migration at a time, inside an immediate transaction, so two processes
opening a new workspace together never apply a migration twice.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from trainlab.errors import StoreError

BUSY_TIMEOUT_S = 30.0
_WAIT_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}  # retried: another connection holds a lock

# Forward-only migrations: index i brings the schema from version i to i + 1.
# Never edit a released entry; append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        format TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        rows INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('valid', 'invalid')),
        created_at TEXT NOT NULL,
        schema_json TEXT NOT NULL,
        summary_json TEXT NOT NULL
    );
    CREATE INDEX datasets_created ON datasets (created_at);
    """,
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        task TEXT NOT NULL,
        dataset_id TEXT,
        columns_json TEXT NOT NULL DEFAULT '{}',
        params_json TEXT NOT NULL DEFAULT '{}',
        device TEXT NOT NULL DEFAULT 'auto',
        status TEXT NOT NULL CHECK (status IN
            ('queued', 'running', 'completed', 'failed', 'stopped', 'interrupted')),
        runner TEXT NOT NULL CHECK (runner IN ('foreground', 'worker')),
        pid INTEGER,
        host TEXT,
        gpus TEXT,
        step INTEGER NOT NULL DEFAULT 0,
        total_steps INTEGER,
        epoch INTEGER NOT NULL DEFAULT 0,
        eta_s REAL,
        samples_per_s REAL,
        last_metrics_json TEXT,
        best_metrics_json TEXT,
        error_json TEXT,
        note TEXT,
        stop_requested INTEGER NOT NULL DEFAULT 0,
        resume INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        heartbeat_at REAL
    );
    CREATE INDEX jobs_status ON jobs (status, id);
    CREATE TABLE job_metrics (
        job_id TEXT NOT NULL,
        step INTEGER NOT NULL,
        epoch INTEGER,
        split TEXT NOT NULL,
        name TEXT NOT NULL,
        value REAL,
        time REAL NOT NULL
    );
    CREATE INDEX job_metrics_job_step ON job_metrics (job_id, step);
    CREATE TABLE schedulers (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at REAL NOT NULL
    );
    """,
    # issue 21: evaluations of a job's model on held-out data (trainlab.evaluate, REST evaluate)
    """
    CREATE TABLE job_evaluations (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        dataset_id TEXT,
        created_at TEXT NOT NULL,
        result_json TEXT NOT NULL
    );
    CREATE INDEX job_evaluations_job ON job_evaluations (job_id);
    """,
    # issue 19: experiments (hyperparameter searches) and their trials, which are jobs
    """
    CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id TEXT NOT NULL,
        task TEXT NOT NULL,
        columns_json TEXT NOT NULL,
        space_json TEXT NOT NULL,
        params_json TEXT NOT NULL,
        trials INTEGER NOT NULL,
        metric TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('maximize', 'minimize')),
        max_concurrent INTEGER,
        strategy TEXT NOT NULL,
        pruner TEXT NOT NULL,
        seed INTEGER NOT NULL,
        device TEXT NOT NULL DEFAULT 'auto',
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE experiment_trials (
        experiment_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        job_id TEXT,
        params_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN
            ('running', 'completed', 'failed', 'pruned', 'stopped')),
        value REAL,
        reported_step INTEGER NOT NULL DEFAULT -1,
        PRIMARY KEY (experiment_id, number)
    );
    ALTER TABLE jobs ADD COLUMN experiment_id TEXT;
    ALTER TABLE jobs ADD COLUMN trial INTEGER;
    """,
    # issue 19 fixes (F19): why a trial failed at submit, the job status its trial last saw,
    # and an experiment's note (a driver error, a stop for a missing dataset)
    """
    ALTER TABLE experiment_trials ADD COLUMN error_json TEXT;
    ALTER TABLE experiment_trials ADD COLUMN job_status TEXT;
    ALTER TABLE experiments ADD COLUMN note TEXT;
    """,
    # issue 20 (Ray): where a job runs, 'local' (worker processes here) or 'ray' (a Ray cluster)
    """
    ALTER TABLE jobs ADD COLUMN executor TEXT NOT NULL DEFAULT 'local';
    """,
    # issue 17: a running job's latest tokens/s, read by the metrics gauge without a scan
    """
    ALTER TABLE jobs ADD COLUMN tokens_per_s REAL;
    """,
    # issue 16: the metrics cursor of REST's events ("<run>.<rowid>"): the run goes up each time
    # a resume truncates the history; the index reads a job's rows in the order written
    """
    ALTER TABLE jobs ADD COLUMN metrics_run INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX job_metrics_job ON job_metrics (job_id);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class Store:
    """One SQLite database, one connection per thread and process."""

    def __init__(self, path: Path, migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = Path(path)
        self._migrations = list(migrations)
        self._local = threading.local()
        self._migrate()

    # -- connections -------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = self._connect()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL"))
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    def _retry(self, action: Any) -> Any:
        """Run ``action``, retrying while SQLite says the database is locked.

        The busy timeout covers ordinary lock waits; a few operations (switching to WAL, the
        first write to a brand-new file) can still answer "locked" at once, so they retry here.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        delay = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF not in _WAIT_CODES:  # the primary code
                    raise
                if time.monotonic() > deadline:
                    raise StoreError("store_busy", path=str(self.path),
                                     seconds=int(BUSY_TIMEOUT_S)) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    # -- schema ------------------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self.connection()

        def migrate() -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > len(self._migrations):
                    raise StoreError("store_too_new", path=str(self.path), found=version,
                                     known=len(self._migrations))
                for index in range(version, len(self._migrations)):
                    for statement in _statements(self._migrations[index]):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {index + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        self._retry(migrate)

    @property
    def version(self) -> int:
        return int(self.connection().execute("PRAGMA user_version").fetchone()[0])

    # -- queries -----------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._retry(lambda: self.connection().execute(sql, params).fetchall())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One write in its own transaction; returns the number of rows changed."""
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query in it sees the same state of the database."""
        conn = self.connection()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locking) transaction: committed on success, rolled back on error."""
        conn = self.connection()
        self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._retry(lambda: conn.execute("COMMIT"))


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
