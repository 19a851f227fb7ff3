"""A small pool of worker processes that scan blocks, answering in submission order.

Workers are fresh interpreters (``python -m trainlab.datasets.workers``) exchanging
length-prefixed pickles over their stdin/stdout, so they work the same from a script without
a ``__main__`` guard, from a notebook kernel with many threads, and from the Jupyter server.

The calling process works too: whenever every worker already has its share of blocks queued,
it scans the next block itself. That keeps both cores of a 2-core machine busy with one
worker (whose start-up, ~0.4 s, is covered the same way) and balances itself whatever the
cost of a block is.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

_HEADER = struct.Struct("<Q")
MAX_HELD = 16  # blocks scanned here but not yet returned, before waiting on a worker


class WorkerError(RuntimeError):
    pass


class BlockPool:
    def __init__(self, workers: int) -> None:
        package_root = str(Path(__file__).resolve().parents[2])  # where trainlab/ lies
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        env["ARROW_DEFAULT_MEMORY_POOL"] = "system"  # gives memory back after each block
        self.logs = [tempfile.TemporaryFile() for _ in range(workers)]
        self.procs = [
            subprocess.Popen([sys.executable, "-m", "trainlab.datasets.workers"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                             env=env, bufsize=0)
            for log in self.logs
        ]
        self.in_flight = [0] * workers

    def imap(self, specs: Iterable[Any], local: Callable[[Any], Any] | None = None,
             window_per_worker: int = 2) -> Iterator[tuple[Any, Any]]:
        """``(spec, result)`` for each spec, in order.

        A spec goes to the least busy worker while it has fewer than ``window_per_worker``
        queued; otherwise, with ``local``, it is run here at once.
        """
        pending: deque[list[Any]] = deque()  # [worker or -1, spec, result]
        for spec in specs:
            worker = min(range(len(self.procs)), key=self.in_flight.__getitem__)
            if self.in_flight[worker] < window_per_worker or local is None:
                yield from self._drain(  # without help from here, wait for a free slot
                    pending, lambda w=worker: self.in_flight[w] >= window_per_worker)
                self._send(worker, spec)
                self.in_flight[worker] += 1
                pending.append([worker, spec, None])
            else:
                pending.append([-1, spec, local(spec)])
            yield from self._drain(pending, lambda: len(pending) > MAX_HELD)
        yield from self._drain(pending, lambda: True)

    def _drain(self, pending: deque[list[Any]],
               wait_while: Callable[[], bool]) -> Iterator[tuple[Any, Any]]:
        """Return results from the front, in order: those already there, and while
        ``wait_while()`` holds, the next ones too, waiting for them."""
        while pending:
            worker, spec, result = pending[0]
            if worker >= 0:
                if not wait_while() and not self._ready(worker):
                    return
                result = self._receive(worker)
                self.in_flight[worker] -= 1
            pending.popleft()
            yield spec, result

    # -- the wire ----------------------------------------------------------------------------
    def _send(self, worker: int, spec: Any) -> None:
        proc = self.procs[worker]
        assert proc.stdin is not None
        payload = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(proc.stdin, _HEADER.pack(len(payload)) + payload)
        except BrokenPipeError as exc:
            raise WorkerError(self._died(worker)) from exc

    def _ready(self, worker: int) -> bool:
        """Whether the worker's next answer has started to arrive (never blocks)."""
        if os.name == "nt":  # select() takes sockets only there: drain when waiting anyway
            return False
        stdout = self.procs[worker].stdout
        assert stdout is not None
        return bool(select.select([stdout], [], [], 0)[0])

    def _receive(self, worker: int) -> Any:
        stdout = self.procs[worker].stdout
        assert stdout is not None
        header = _read_exactly(stdout, _HEADER.size)
        if header is None:
            raise WorkerError(self._died(worker))
        payload = _read_exactly(stdout, _HEADER.unpack(header)[0])
        if payload is None:
            raise WorkerError(self._died(worker))
        ok, value = pickle.loads(payload)
        if not ok:
            raise WorkerError(value)
        return value

    def _died(self, worker: int) -> str:
        proc, log = self.procs[worker], self.logs[worker]
        proc.kill()
        code = proc.wait()
        log.seek(0)
        stderr = log.read().decode(errors="replace")
        return f"a scan worker exited with code {code}: {stderr[-2000:]}"

    def close(self, kill: bool = False) -> None:
        for proc in self.procs:
            if kill:
                proc.kill()
            if proc.stdin:
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        for log in self.logs:
            log.close()

    def __enter__(self) -> BlockPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)


def _write_all(stream: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = stream.write(view)
        view = view[written or 0:]


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    parts: list[bytes] = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


class _NoPandas:
    """Workers never need pandas, but pyarrow imports it (0.5 s) the first time it converts a
    Python list; refusing the import keeps a worker's start-up to pyarrow and numpy."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("scan workers do not use pandas")


def serve(function: Callable[[Any], Any]) -> None:
    """The worker's loop: read a spec, answer ``(ok, result or traceback)``, until stdin ends."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = _read_exactly(stdin, _HEADER.size)
        if header is None:
            return
        payload = _read_exactly(stdin, _HEADER.unpack(header)[0])
        if payload is None:
            return
        try:
            answer = (True, function(pickle.loads(payload)))
        except Exception:  # the parent re-raises it, with this traceback
            answer = (False, traceback.format_exc())
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    sys.meta_path.insert(0, _NoPandas())
    from trainlab.datasets.blockscan import scan_block

    serve(scan_block)
