from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

import trainlab
from trainlab.errors import StoreError
from trainlab.workspace import Store, default_path, is_valid_id, new_id, resolve
from trainlab.workspace.files import atomic_writer, sweep_stale


def test_layout_created_on_first_use(tmp_path: Path) -> None:
    ws = trainlab.Workspace(tmp_path / "new")
    for sub in ("datasets", "jobs", "tmp"):
        assert (ws.path / sub).is_dir()
    conn = sqlite3.connect(ws.path / "trainlab.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ws.store.version == len(trainlab.workspace.store.MIGRATIONS)


def test_default_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRAINLAB_HOME", str(tmp_path / "home"))
    assert trainlab.Workspace().path == (tmp_path / "home").resolve()
    monkeypatch.delenv("TRAINLAB_HOME")
    assert default_path() == Path.home() / ".local" / "share" / "trainlab"


def test_resolve_finds_one_workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRAINLAB_HOME", str(tmp_path / "home"))
    ws = trainlab.Workspace(tmp_path / "mine")
    (tmp_path / "d.jsonl").write_text('{"a": 1}\n')
    ds = ws.datasets.add(tmp_path / "d.jsonl")
    assert ds.workspace is ws and resolve(ws) is ws
    assert resolve(None, ds) is ws and resolve(None, ws.datasets.get(ds.id)) is ws
    assert resolve(str(tmp_path / "other"), ds).path == (tmp_path / "other").resolve()
    for nothing in (None, ds.id, str(tmp_path / "d.jsonl")):  # no Dataset: the default one
        assert resolve(None, nothing).path == (tmp_path / "home").resolve()


def test_ids_sortable_and_url_safe() -> None:
    ids = [new_id("ds") for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(is_valid_id(i, "ds") for i in ids)
    assert not is_valid_id("ds_../etc", "ds") and not is_valid_id(ids[0], "job")


def test_migrations_only_move_forward(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    first = ["CREATE TABLE a (x INTEGER)"]
    store = Store(db, first)
    store.execute("INSERT INTO a VALUES (1)")
    store.close()
    upgraded = Store(db, [*first, "ALTER TABLE a ADD COLUMN y TEXT DEFAULT 'z'"])
    assert upgraded.version == 2
    assert [tuple(r) for r in upgraded.query("SELECT x, y FROM a")] == [(1, "z")]  # data kept
    upgraded.close()
    with pytest.raises(StoreError) as info:
        Store(db, first)  # an older trainlab must not touch a newer schema
    assert info.value.code == "store_too_new"


def test_transaction_rolls_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db", ["CREATE TABLE a (x INTEGER)"])
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO a VALUES (1)")
        raise RuntimeError("boom")
    assert store.query("SELECT COUNT(*) FROM a")[0][0] == 0


def test_atomic_writer_leaves_old_file_on_error(tmp_path: Path) -> None:
    target, tmp = tmp_path / "f.txt", tmp_path / "tmp"
    target.write_text("old")
    with pytest.raises(ValueError), atomic_writer(target, tmp, "w") as handle:
        handle.write("half")
        raise ValueError
    assert target.read_text() == "old" and list(tmp.iterdir()) == []
    with atomic_writer(target, tmp, "w") as handle:
        handle.write("new")
    assert target.read_text() == "new"


def test_sweep_removes_only_stale(tmp_path: Path) -> None:
    import os

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x").write_text("x")
    (tmp_path / "fresh.part").write_text("x")
    os.utime(tmp_path / "old", (0, 0))
    assert sweep_stale(tmp_path, older_than_s=3600) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["fresh.part"]


def _add_many(args: tuple[str, str, int]) -> list[str]:
    path, source, n = args
    ws = trainlab.Workspace(path)
    return [ws.datasets.add(source, name=f"d{i}.csv").id for i in range(n)]


def test_four_processes_add_concurrently(tmp_path: Path) -> None:
    source = tmp_path / "small.csv"
    source.write_text("a,b\n1,x\n2,y\n")
    path = str(tmp_path / "shared")
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.map(_add_many, [(path, str(source), 6)] * 4)
    ids = [i for chunk in results for i in chunk]
    ws = trainlab.Workspace(path)
    assert sorted(d.id for d in ws.datasets.list()) == sorted(ids)
    assert len(ids) == 24 and all(d.rows == 2 for d in ws.datasets.list())


def test_unusable_workspace_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as info:
        trainlab.Workspace(blocker / "ws")
    assert info.value.code == "workspace_unusable" and "TRAINLAB_HOME" in str(info.value)
