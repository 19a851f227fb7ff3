from __future__ import annotations

import io

import pytest

from tests.conftest import jsonl, workspace_files
from trainlab.datasets.blockscan import scan_block
from trainlab.datasets.parse import BlockSpec
from trainlab.datasets.result import BlockResult
from trainlab.datasets.workers import BlockPool, WorkerError


def test_pool_results_in_order_with_local_help(tmp_path) -> None:
    path = tmp_path / "d.jsonl"
    lines = [jsonl([{"i": i}]) for i in range(40)]
    path.write_text("".join(lines))
    offsets, specs, at = [], [], 0
    for line in lines:
        specs.append(BlockSpec("jsonl", at, at + len(line), path=str(path)))
        offsets.append(at)
        at += len(line)
    seen_local: list[int] = []

    def local(spec: BlockSpec) -> BlockResult:
        seen_local.append(spec.start)
        return scan_block(spec)

    with BlockPool(1) as pool:
        results = list(pool.imap(iter(specs), local=local))
    assert [spec.start for spec, _ in results] == offsets
    assert [r.fields["i"].values for _, r in results] == [{i: 1} for i in range(40)]
    assert seen_local and len(seen_local) < 40  # both sides worked


def test_worker_exception_is_raised_with_its_traceback(tmp_path) -> None:
    spec = BlockSpec("jsonl", 0, 10, path=str(tmp_path / "missing.jsonl"))
    with BlockPool(1) as pool, pytest.raises(WorkerError) as info:
        list(pool.imap(iter([spec])))
    assert "FileNotFoundError" in str(info.value)


def test_dead_worker_is_reported(tmp_path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1}\n')
    with BlockPool(1) as pool:
        pool.procs[0].kill()
        pool.procs[0].wait()
        with pytest.raises(WorkerError) as info:
            list(pool.imap(iter([BlockSpec("jsonl", 0, 9, path=str(path))] * 3)))
    assert "exited with code" in str(info.value)


def test_unknown_size_stream_switches_to_workers(ws, monkeypatch) -> None:
    """Without the native scanner (no C compiler), a large stream goes to worker processes."""
    from trainlab.datasets import native, plan, scan

    monkeypatch.setattr(native, "AVAILABLE", False)
    monkeypatch.setattr(plan, "BLOCK_BYTES", 8192)
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 32768)
    started: list[int] = []
    original = BlockPool.__init__

    def spy(self, workers: int) -> None:
        started.append(workers)
        original(self, workers)

    monkeypatch.setattr(BlockPool, "__init__", spy)

    class Pipe(io.RawIOBase):  # a source with no size: an upload in flight
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self.data.read(min(len(buffer), 5000))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rows = [{"id": i, "text": f"row {i}", "x": i / 7} for i in range(3000)]
    text = jsonl(rows)
    lines = text.splitlines(keepends=True)
    lines[2500] = "{oops\n"
    ds = ws.datasets.add(io.BufferedReader(Pipe("".join(lines).encode())), name="pipe.jsonl")
    assert len(started) == 1 and started[0] >= 1  # one pool, one worker per extra core
    assert [e["line"] for e in ds.report["errors"]] == [2501]
    assert ds.rows == 2999 and ds.profile()["fields"]["id"]["distinct"] == 2999


def test_failed_scan_leaves_nothing(ws, write, monkeypatch) -> None:
    from trainlab.datasets import dataset

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dataset, "scan_file", broken)
    with pytest.raises(RuntimeError):
        ws.datasets.add(write("x.csv", "a,b\n1,2\n"))
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_arrow_default_pool_restored_after_a_scan(ws, write) -> None:
    import pyarrow as pa

    before = pa.default_memory_pool().backend_name
    ws.datasets.add(write("p.csv", "a,b\n1,2\n"))
    assert pa.default_memory_pool().backend_name == before


def test_garbage_collector_paused_during_a_scan_and_restored(ws, write, monkeypatch) -> None:
    """The cyclic collector is off while blocks are scanned (it held the GIL the merge needs),
    and back on afterwards, also when the scan fails; left off if it was off before."""
    import gc

    from trainlab.datasets import merge

    seen: list[bool] = []
    original = merge.Merger.add
    monkeypatch.setattr(merge.Merger, "add",
                        lambda self, *a: seen.append(gc.isenabled()) or original(self, *a))
    assert gc.isenabled()
    ws.datasets.add(write("g.csv", "a,b\n1,2\n"))
    assert seen and not any(seen) and gc.isenabled()

    def broken(self, *args):
        raise RuntimeError("merge failed")

    monkeypatch.setattr(merge.Merger, "add", broken)
    with pytest.raises(RuntimeError):
        ws.datasets.add(write("h.csv", "a,b\n1,2\n"))
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(merge.Merger, "add", original)
        ws.datasets.add(write("i.csv", "a,b\n1,2\n"))
        assert not gc.isenabled()
    finally:
        gc.enable()
