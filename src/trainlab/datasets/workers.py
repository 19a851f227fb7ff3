"""A small pool of worker processes that scan blocks, answering in submission order.

Workers are fresh interpreters (``python -m trainlab.datasets.workers``) talking pickle over
their stdin/stdout, so they work the same from a script without a ``__main__`` guard, from a
notebook kernel with many threads, and from the Jupyter server. Block ``i`` goes to worker
``i % n``; each worker answers its blocks in order, so results come back in file order.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import trainlab


class WorkerError(RuntimeError):
    pass


class BlockPool:
    def __init__(self, workers: int) -> None:
        package_root = str(Path(trainlab.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.procs = [
            subprocess.Popen([sys.executable, "-m", "trainlab.datasets.workers"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
            for _ in range(workers)
        ]

    def imap(self, specs: Iterable[Any], window_per_worker: int = 2) -> Iterator[tuple[Any, Any]]:
        n = len(self.procs)
        pending: deque[tuple[int, Any]] = deque()
        submitted = 0
        for spec in specs:
            self._send(submitted % n, spec)
            pending.append((submitted % n, spec))
            submitted += 1
            while len(pending) > window_per_worker * n:
                worker, done = pending.popleft()
                yield done, self._receive(worker)
        while pending:
            worker, done = pending.popleft()
            yield done, self._receive(worker)

    def _send(self, worker: int, spec: Any) -> None:
        proc = self.procs[worker]
        assert proc.stdin is not None
        try:
            pickle.dump(spec, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()
        except BrokenPipeError as exc:
            raise WorkerError(self._died(worker)) from exc

    def _receive(self, worker: int) -> Any:
        proc = self.procs[worker]
        assert proc.stdout is not None
        try:
            ok, value = pickle.load(proc.stdout)
        except EOFError as exc:
            raise WorkerError(self._died(worker)) from exc
        if not ok:
            raise WorkerError(value)
        return value

    def _died(self, worker: int) -> str:
        proc = self.procs[worker]
        proc.kill()
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        return f"a scan worker exited with code {proc.wait()}: {stderr[-2000:]}"

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin:
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()

    def __enter__(self) -> BlockPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            for proc in self.procs:
                proc.kill()
        self.close()


def serve(function: Callable[[Any], Any]) -> None:
    """The worker's loop: read a spec, answer ``(ok, result or traceback)``, until stdin ends."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            spec = pickle.load(stdin)
        except EOFError:
            return
        try:
            answer = (True, function(spec))
        except Exception:
            answer = (False, traceback.format_exc())
        pickle.dump(answer, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


class _NoPandas:
    """Workers never need pandas, but pyarrow imports it (0.5 s) the first time it converts a
    Python list; refusing the import keeps a worker's start-up to pyarrow and numpy."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("scan workers do not use pandas")


if __name__ == "__main__":
    sys.meta_path.insert(0, _NoPandas())
    from trainlab.datasets.scan import scan_block

    serve(scan_block)
