"""The store retries exactly when SQLite says another connection holds a lock.

Decided by SQLite's error code (``sqlite_errorcode``), not by the wording of the message.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from trainlab.workspace.store import Store


def test_a_lock_held_elsewhere_is_waited_for(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    holder = sqlite3.connect(store.path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    eager = sqlite3.connect(store.path, timeout=0, isolation_level=None)  # fails at once
    attempts: list[int] = []

    def write() -> None:
        attempts.append(sqlite3.SQLITE_BUSY)
        eager.execute("BEGIN IMMEDIATE")
        eager.execute("ROLLBACK")

    with pytest.raises(sqlite3.OperationalError) as info:
        write()
    assert info.value.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    threading.Timer(0.2, holder.execute, ["ROLLBACK"]).start()
    store._retry(write)
    assert len(attempts) > 2  # failed, retried, then went through once the lock was let go


def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        store.connection().execute("SELECT * FROM no_such_table")

    with pytest.raises(sqlite3.OperationalError):
        store._retry(broken)
    assert calls == [1]
