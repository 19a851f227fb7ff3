"""``trainlab.fit(..., devices=N)`` from a kernel or a script: N rank processes, one job.

The ranks are new interpreters (``python -m trainlab.jobs.launcher``), never forks of the
caller: a kernel that has initialised CUDA cannot fork safely (what Accelerate's
``notebook_launcher`` and Lightning's ``ddp_notebook`` work around). They form one process
group of their own, each dies with the caller (:mod:`trainlab.jobs.processes`), and they meet
over gloo (CPU) or NCCL (one GPU each). Rank 0 records the job (``runner='foreground'``) and
sends its events (start, steps, evaluations, checkpoints) and its result back through a pipe,
so the caller's callbacks (the training panel) see them and ``fit`` returns rank 0's
:class:`~trainlab.training.TrainResult`.

What reaches the ranks is pickled: a model, a loss or metric functions must be picklable and
their classes importable from a module (a ``.py`` file beside the notebook, or a package). A
class or function defined in a notebook cell or a script's ``__main__`` is refused before any
process starts (:class:`DevicesError` ``devices_not_importable``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.jobs import processes
from trainlab.jobs.gpus import DevicesError, detect_gpus
from trainlab.jobs.records import JobStatus, Records, job_note
from trainlab.training.callbacks import Callback, CallbackList
from trainlab.workspace import Workspace
from trainlab.workspace.files import owned

STOP_GRACE_S = 10.0  # after a rank died: then the others, if still running, are killed


def fit_on_devices(ws: Workspace, job_id: str, count: int, gpus: list[str] | None, *,
                   fit_kwargs: dict[str, Any], callbacks: list[Callback] | None = None,
                   stop: Any = None, name: str | None = None) -> Any:
    """Train under job ``job_id`` in ``count`` rank processes; rank 0's TrainResult.

    ``stop`` (an Event or a callable) stops every rank at the same step, with a checkpoint; a
    first Ctrl-C does too (the result says ``interrupted``), a second one kills the ranks and
    raises KeyboardInterrupt. A rank that dies stops the others: the job ends ``interrupted``
    and a ``TrainlabError`` (``rank_died``) is raised.
    """
    kwargs = _sendable(ws, fit_kwargs, count)
    payload = owned(ws.tmp_dir / f"ranks-{job_id}.pkl")
    payload.write_bytes(pickle.dumps({"workspace": str(ws.path), "job_id": job_id, "name": name,
                                      "fit_kwargs": kwargs}))
    read_fd, write_fd = os.pipe()
    conn = Connection(read_fd, writable=False)
    env = _rank_env(ws, count, gpus, str(fit_kwargs.get("device") or "auto"))
    ranks: list[subprocess.Popen[bytes]] = []
    try:
        for rank in range(count):
            command = [sys.executable, "-m", "trainlab.jobs.launcher", str(payload), str(rank),
                       str(write_fd if rank == 0 else -1)]
            ranks.append(subprocess.Popen(
                command, env={**env, "RANK": str(rank), "LOCAL_RANK": str(rank)},
                pass_fds=(write_fd,) if rank == 0 else (), stdin=subprocess.DEVNULL,
                process_group=0 if rank == 0 else ranks[0].pid))
        os.close(write_fd)
        write_fd = -1
        return _follow(ws, job_id, ranks, conn, CallbackList(callbacks), stop)
    except BaseException as exc:  # a callback of the kernel's raised, or Ctrl-C while starting:
        _end(ranks)  # the ranks are gone before rank 0 could end the record; end it here
        from trainlab.jobs.reporting import error_record

        status = JobStatus.INTERRUPTED if isinstance(exc, KeyboardInterrupt) else JobStatus.FAILED
        Records(ws).finish(job_id, status, error=None if status == JobStatus.INTERRUPTED
                           else error_record(exc), note=job_note("note_interrupted")
                           if status == JobStatus.INTERRUPTED else None)
        raise
    finally:
        if write_fd >= 0:
            os.close(write_fd)
        _end(ranks)
        conn.close()
        payload.unlink(missing_ok=True)


def _follow(ws: Workspace, job_id: str, ranks: list[subprocess.Popen[bytes]], conn: Connection,
            callbacks: CallbackList, stop: Any) -> Any:
    """Relay rank 0's events until every rank has ended; the result, or raise."""
    result: Any = None
    failure: tuple[str, Any] | None = None
    died: tuple[int, int, int] | None = None  # rank, pid, return code of the first to die
    asked = died_at = None
    pipe_open = True
    interrupts = _Interrupts()
    with interrupts:
        while True:
            if interrupts.count >= 2:  # the second Ctrl-C: no more waiting
                _end(ranks)
                Records(ws).finish(job_id, JobStatus.INTERRUPTED, note=job_note("note_interrupted"))
                raise KeyboardInterrupt
            if interrupts.count == 1 and not interrupts.passed:
                interrupts.passed = True
                _signal(ranks, signal.SIGINT)  # each rank's loop stops cleanly at the next step
            turn_ends = time.monotonic() + 0.1  # then the stop and the ranks are looked at
            while pipe_open and time.monotonic() < turn_ends and conn.poll(0.05):
                try:
                    kind, body = pickle.loads(conn.recv_bytes())  # plain pickle: no shared fds
                except (EOFError, OSError):
                    pipe_open = False
                    break
                if kind == "event":
                    getattr(callbacks, body[0])(*body[1])
                elif kind == "result":
                    result = body
                    callbacks.on_end(result)
                elif kind == "peer_died":  # rank 0 failed because this rank had died
                    died = died if died is not None and died[0] == body[0] else body
                else:
                    failure = (kind, body)
            if not pipe_open:
                time.sleep(0.05)
            codes = [p.poll() for p in ranks]
            if all(c is not None for c in codes):
                if pipe_open and conn.poll(0):
                    continue  # rank 0's last words (its result) are still to read
                break
            gone = [r for r, code in enumerate(codes) if code not in (None, 0)]
            if died_at is None and gone and result is None:
                # two ended in one turn: the one a signal killed is the cause, else the first
                rank = min(gone, key=lambda r: (codes[r] >= 0, r))
                died, died_at = (rank, ranks[rank].pid, codes[rank]), time.monotonic()
                _signal(ranks, signal.SIGTERM)  # the others stop now (gloo fails them anyway)
            if asked is None and stop is not None and (
                    stop.is_set() if isinstance(stop, threading.Event) else stop()):
                asked = time.monotonic()
                _signal(ranks, signal.SIGTERM)
            if died_at is not None and time.monotonic() - died_at > STOP_GRACE_S:
                _signal(ranks, signal.SIGKILL)
    if result is not None:
        return result
    if failure is not None and (died is None or died[0] == 0):
        raise _rebuild(*failure)  # rank 0's own error (recorded as the job's by rank 0)
    rank, pid, code = died or (0, ranks[0].pid, ranks[0].returncode)
    if code is None:
        code = ranks[rank].returncode
    Records(ws).finish(job_id, JobStatus.INTERRUPTED,
                       note=job_note("note_rank_died", rank=rank, pid=pid, world=len(ranks)),
                       only_from=(JobStatus.RUNNING, JobStatus.FAILED))
    raise TrainlabError("rank_died", rank=rank, pid=pid, world=len(ranks),
                        how=f"signal {-code}" if code is not None and code < 0 else f"exit code {code}",
                        status=500)


class _Interrupts:
    """Ctrl-C while the ranks run, counted (in the main thread) instead of raised: a
    KeyboardInterrupt in the middle of reading a message would lose the rest of the stream."""

    def __init__(self) -> None:
        self.count, self.passed, self._previous = 0, False, None

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_interrupt)
        return self

    def _on_interrupt(self, signum: int, frame: Any) -> None:
        self.count += 1

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _signal(ranks: list[subprocess.Popen[bytes]], sig: int) -> None:
    for process in ranks:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process.pid, sig)


def _end(ranks: list[subprocess.Popen[bytes]]) -> None:
    """No rank outlives the call: the group is killed and every rank reaped."""
    if ranks and any(p.poll() is None for p in ranks):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(ranks[0].pid, signal.SIGKILL)
        _signal(ranks, signal.SIGKILL)
    for process in ranks:
        process.wait()


def _rank_env(ws: Workspace, count: int, gpus: list[str] | None, device: str) -> dict[str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = [os.getcwd(), *(p for p in sys.path if p)]  # the caller's modules import in a rank
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
           "WORLD_SIZE": str(count), "LOCAL_WORLD_SIZE": str(count),
           "TRAINLAB_HOME": str(ws.path), "PYTHONPATH": os.pathsep.join(path)}
    env.setdefault("OMP_NUM_THREADS", "1")  # as torchrun does: N processes share the cores
    here = detect_gpus()
    if device.strip().lower() == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    elif here:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus or here[:count])
    return env


# -- what is sent to the ranks ------------------------------------------------------------------
class _Finder(pickle.Pickler):
    """A pickler that notes every class and function it pickles by reference whose module a
    new process could not import (``__main__``: a notebook cell, a script's own names)."""

    def __init__(self, file: Any) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.local: list[Any] = []

    def persistent_id(self, obj: Any) -> None:
        if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__qualname__")):
            module = getattr(obj, "__module__", None)
            if isinstance(module, str) and not _importable(module):
                self.local.append(obj)
        return None


def _importable(module: str) -> bool:
    if module == "__main__" or module.startswith("__mp_main__"):
        return False
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _sendable(ws: Workspace, fit_kwargs: dict[str, Any], count: int) -> dict[str, Any]:
    """``fit_kwargs`` as the ranks get them (a DataFrame added to the workspace first, a
    Dataset by id), after proving each can be pickled and imported in a new process."""
    from trainlab.datasets.dataset import Dataset
    from trainlab.datasets.formats import is_frame

    out = dict(fit_kwargs)
    for key in ("dataset", "validation"):
        value = out.get(key)
        if is_frame(value):
            value = ws.datasets.add(value)
        if isinstance(value, Dataset):
            out[key] = value.id
    for key, value in out.items():
        finder = _Finder(io.BytesIO())
        try:
            finder.dump(value)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            if not finder.local:
                raise DevicesError("devices_not_picklable", name=key, type=type(value).__name__,
                                   count=count, detail=type(exc).__name__) from exc
        if finder.local:
            obj = finder.local[0]
            raise DevicesError("devices_not_importable", name=key, count=count,
                               what=f"{obj.__module__}.{obj.__qualname__}")
    return out


def _rebuild(kind: str, body: Any) -> BaseException:
    """Rank 0's exception, raised again here (a TrainlabError keeps its code and parameters)."""
    if kind == "trainlab":
        module, qualname, code, params, status, tail = body
        cls: Any = TrainlabError
        with contextlib.suppress(Exception):
            found = sys.modules.get(module) or importlib.import_module(module)
            for part in qualname.split("."):
                found = getattr(found, part)
            if isinstance(found, type) and issubclass(found, TrainlabError):
                cls = found
        error = cls.__new__(cls)
        TrainlabError.__init__(error, code, status=status, **params)
    elif kind == "pickled":
        error, tail = pickle.loads(body[0]), body[1]
    else:
        error, tail = TrainlabError("rank_failed", type=body[0], detail=body[1]), body[2]
    error.add_note(f"(in rank 0; its traceback ends)\n{tail}")
    return error


# -- in a rank ------------------------------------------------------------------------------
class _Forward(Callback):
    """Rank 0's events, sent to the caller (who calls its own callbacks with them)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _send(self, name: str, *args: Any) -> None:
        with contextlib.suppress(OSError, ValueError):  # the caller went away: train on
            self.conn.send_bytes(pickle.dumps(("event", (name, args))))

    def on_start(self, info: dict[str, Any]) -> None:
        self._send("on_start", info)

    def on_step(self, *args: Any) -> None:
        self._send("on_step", *args)

    def on_throughput(self, *args: Any) -> None:
        self._send("on_throughput", *args)

    def on_eval(self, metrics: dict[str, Any]) -> None:
        self._send("on_eval", metrics)

    def on_checkpoint(self, path: str) -> None:
        self._send("on_checkpoint", path)


def _failure(exc: BaseException) -> tuple[str, Any]:
    tail = "\n".join(traceback.format_exception(exc)[-6:])
    if isinstance(exc, TrainlabError):
        return "trainlab", (type(exc).__module__, type(exc).__qualname__, exc.code, exc.params,
                            exc.status, tail)
    try:
        data = pickle.dumps(exc)
        pickle.loads(data)
        return "pickled", (data, tail)
    except Exception:  # an exception that does not survive pickling: its type and text
        return "other", (type(exc).__name__, str(exc), tail)


def main(argv: list[str]) -> int:
    """A rank: ``python -m trainlab.jobs.launcher <payload> <rank> <pipe fd or -1>``."""
    processes.die_with_parent()
    payload, rank, fd = Path(argv[1]), int(argv[2]), int(argv[3])
    order = pickle.loads(payload.read_bytes())
    ws, job_id = Workspace(order["workspace"]), order["job_id"]
    processes.register_rank(ws.jobs_dir / job_id, rank, int(os.environ["WORLD_SIZE"]))
    if rank != 0:
        from trainlab.training import fit

        flag = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: flag.set())
        fit(workspace=ws, job_id=job_id, stop=flag, **order["fit_kwargs"])
        return 0
    from trainlab.jobs import runner
    from trainlab.jobs.reporting import StopFlag

    conn = Connection(fd, readable=False)
    stop = StopFlag(Records(ws), job_id)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    world = int(os.environ["WORLD_SIZE"])

    @functools.cache
    def dead_peer() -> dict[str, int] | None:  # looked for once, by the runner or below
        return processes.dead_rank(ws.jobs_dir / job_id, exclude=0, wait=processes.PEER_DEATH_WAIT_S)

    def cause(exc: BaseException) -> str | None:  # a dead peer, when there is one
        dead = dead_peer()
        return job_note("note_rank_died", rank=dead["rank"], pid=dead["pid"], world=world) \
            if dead else None

    try:
        result = runner.run(ws, job_id, runner="foreground", fit_kwargs=order["fit_kwargs"],
                            callbacks=[_Forward(conn)], name=order["name"], flag=stop, cause=cause)
    except BaseException as exc:
        dead = dead_peer()
        if dead is not None:
            conn.send_bytes(pickle.dumps(("peer_died", (dead["rank"], dead["pid"], None))))
        conn.send_bytes(pickle.dumps(_failure(exc)))
        return 1
    if getattr(result, "module", None) is not None:  # the kernel's cuda:0 may be another GPU,
        result.module = result.module.cpu()         # or none: the module comes back on the CPU
    conn.send_bytes(pickle.dumps(("result", result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
