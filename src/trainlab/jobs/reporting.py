"""What a running job tells the store: progress, metrics, log lines, a heartbeat; and how it
hears a stop request.

Writes are throttled so reporting costs nothing measurable per step: progress at most
``PROGRESS_EVERY_S``, metrics buffered and appended in one transaction at most every
``FLUSH_EVERY_S`` (and at each evaluation and the end), the heartbeat from its own thread.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from trainlab.jobs.records import Records
from trainlab.training.callbacks import Callback

PROGRESS_EVERY_S = 0.5
FLUSH_EVERY_S = 2.0
LOG_EVERY_S = 1.0
HEARTBEAT_EVERY_S = 2.0
STOP_POLL_S = 0.5   # the store's stop flag, for requests from other machines
STOP_LOOK_S = 0.02  # the stop file: a stop is seen within one step or 20 ms, whichever is later
HEARTBEAT_PROBLEMS_LOGGED = 20  # distinct failures a heartbeat logs; the rest stay silent

log = logging.getLogger("trainlab.jobs")


class JobLog:
    """One file per job, appended a line at a time (readers tail it by byte offset)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._lock:
            if not self._file.closed:
                self._file.write(f"{stamp} {line.rstrip()}\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_log(path: Path, offset: int = 0, limit: int = 1 << 20,
             tail: int | None = None) -> tuple[str, int]:
    """Text from byte ``offset`` (whole lines only, up to ``limit`` bytes) and the next offset.
    With ``tail``, at most the last ``tail`` bytes: from the first whole line among them (a view
    opening on a long log shows its end, then tails it with the offset returned)."""
    try:
        with open(path, "rb") as f:
            if tail is not None:
                size = f.seek(0, os.SEEK_END)
                if size - tail > offset:
                    f.seek(size - tail - 1)  # the byte before: a newline there starts a line
                    skipped = f.read(tail + 1)
                    start = skipped.find(b"\n") + 1
                    offset = size - tail - 1 + (start if start else len(skipped))
                limit = min(limit, tail)
            f.seek(max(0, offset))
            data = f.read(limit)
    except FileNotFoundError:
        return "", offset
    end = data.rfind(b"\n") + 1 if len(data) == limit else len(data)
    if len(data) < limit and not data.endswith(b"\n"):
        end = data.rfind(b"\n") + 1  # a line being written: wait for its end
    return data[:end].decode("utf-8", errors="replace"), offset + end


def stop_file(jobs_dir: Path, job_id: str) -> Path:
    """Beside the store's flag, a stop request leaves this file, which the loop can afford to
    look for every ``STOP_LOOK_S`` (one stat call), so it stops within a step or two."""
    return jobs_dir / job_id / "stop-requested"


class StopFlag:
    """True once a stop was requested: the stop file (looked for every 20 ms), the store (polled
    at most every ``STOP_POLL_S``, for requests from machines that do not share the folder), a
    signal (``set()``), or the caller's own flag."""

    def __init__(self, records: Records, job_id: str, user_flag: Any = None) -> None:
        self.records, self.job_id, self.user_flag = records, job_id, user_flag
        self.event = threading.Event()
        self.file = stop_file(records.ws.jobs_dir, job_id)
        self._next_poll = self._next_look = 0.0

    def set(self) -> None:
        self.event.set()

    def __call__(self) -> bool:
        if self.event.is_set():
            return True
        if self.user_flag is not None and (self.user_flag.is_set() if isinstance(
                self.user_flag, threading.Event) else self.user_flag()):
            return True
        now = time.monotonic()
        if now >= self._next_look:  # a stat call costs ~50 us beside busy compute threads
            self._next_look = now + STOP_LOOK_S
            if self.file.exists():
                self.event.set()
                return True
        if now >= self._next_poll:
            self._next_poll = now + STOP_POLL_S
            if self.records.stop_requested(self.job_id):
                self.event.set()
                return True
        return False


class Heartbeat:
    """A daemon thread that says "still alive" every ``HEARTBEAT_EVERY_S``.

    A beat that fails (a locked or full store) never stops training: the next beat tries
    again. Each distinct failure is logged once, not once a beat."""

    def __init__(self, records: Records, job_id: str) -> None:
        self.records, self.job_id = records, job_id
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        logged: set[str] = set()
        while not self._done.wait(HEARTBEAT_EVERY_S):
            try:
                self.records.heartbeat(self.job_id)
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
                if problem not in logged and len(logged) < HEARTBEAT_PROBLEMS_LOGGED:
                    logged.add(problem)
                    log.warning("job %s: heartbeat not recorded, trying again every %g s (%s)",
                                self.job_id, HEARTBEAT_EVERY_S, problem, exc_info=exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)


class JobReporter(Callback):
    """The training callbacks of a job: progress, metrics history, log."""

    def __init__(self, records: Records, job_id: str, log: JobLog) -> None:
        self.records, self.job_id, self.log = records, job_id, log
        self._rows: list[tuple[Any, ...]] = []
        self._last_progress = self._last_flush = self._last_log = 0.0
        self._epoch = 0
        self._tokens_step: int | None = None  # the step on_throughput last measured tokens at
        self._tokens_rate: float | None = None  # the latest tokens/s (the jobs row keeps it)
        self._rate_stored = False
        self._best: dict[str, Any] | None = None
        self._last: dict[str, Any] | None = None
        self.main_metric: str | None = None
        self.mode = "min"

    def on_start(self, info: dict[str, Any]) -> None:
        config = info["config"]
        # the best step is the one whose weights are kept: the task's selection metric
        self.main_metric, self.mode = info.get("select") or (info.get("main_metric"),
                                                             info.get("mode", "min"))
        self.log.write(f"start: {info['task']} on {info['device']}, {info['parameters']:,} parameters,"
                       f" {info['total_steps']} steps (batch {config.get('batch_size')},"
                       f" lr {config.get('lr')}, epochs {config.get('epochs')})")
        for note in info.get("notes", []):
            self.log.write(f"note: {note}")
        self.records.progress(self.job_id, 0, info["total_steps"], 0, None, None)

    def on_throughput(self, step: int, samples_per_s: float, tokens_per_s: float | None) -> None:
        """Tokens/s (tasks that count tokens) become the train metric ``tokens_per_s``."""
        if tokens_per_s:
            self._tokens_step, self._tokens_rate = step, _finite(tokens_per_s)

    def on_step(self, step: int, total_steps: int, epoch: int, loss: float, lr: float,
                samples_per_s: float, eta_s: float) -> None:
        now = time.time()
        self._epoch = epoch
        self._rows.append((self.job_id, step, epoch, "train", "loss", _finite(loss), now))
        self._rows.append((self.job_id, step, epoch, "train", "lr", lr, now))
        if self._tokens_step == step:
            self._rows.append((self.job_id, step, epoch, "train", "tokens_per_s",
                               self._tokens_rate, now))
        last = step >= total_steps
        first_rate = self._tokens_rate is not None and not self._rate_stored
        if last or first_rate or now - self._last_progress >= PROGRESS_EVERY_S:
            self._last_progress = now
            self._rate_stored = self._tokens_rate is not None
            self.records.progress(self.job_id, step, total_steps, epoch, eta_s, samples_per_s,
                                  self._tokens_rate)
        if last or now - self._last_log >= LOG_EVERY_S:
            self._last_log = now
            self.log.write(f"step {step}/{total_steps} epoch {epoch} loss {loss:.4f} lr {lr:.2e}"
                           f" {samples_per_s:,.0f} samples/s eta {eta_s:,.0f}s")
        if now - self._last_flush >= FLUSH_EVERY_S:
            self.flush()

    def on_eval(self, metrics: dict[str, Any]) -> None:
        now = time.time()
        step, epoch = metrics["step"], metrics["epoch"]
        for name, value in metrics.items():
            if name not in ("step", "epoch") and isinstance(value, int | float):
                self._rows.append((self.job_id, step, epoch, "val", name, _finite(value), now))
        self._last = metrics
        value = metrics.get(self.main_metric or "")
        if isinstance(value, int | float) and math.isfinite(value) and (
                self._best is None or (value > self._best[self.main_metric] if self.mode == "max"
                                       else value < self._best[self.main_metric])):
            self._best = metrics
        self.log.write("eval: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                            for k, v in metrics.items()))
        self.flush()

    def on_checkpoint(self, path: str) -> None:
        self.log.write(f"checkpoint: {path}")

    def on_end(self, result: Any) -> None:
        self.flush()
        self.records.progress(self.job_id, result.steps, result.config.get("total_steps") or
                              result.steps, max(0, result.epochs - 1), 0.0, result.samples_per_s,
                              self._tokens_rate)
        self.records.set_metrics(self.job_id, result.last_metrics, result.metrics or None)
        self.log.write(f"end: {result.status} after {result.steps} steps"
                       + (f" ({result.stop_reason})" if result.stop_reason else "")
                       + f"; model at {result.model_path}")

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        self._last_flush = time.time()
        self.records.append_metrics(rows)
        if self._last is not None:
            self.records.set_metrics(self.job_id, self._last, self._best)


def _finite(value: float) -> float | None:
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def error_record(exc: BaseException) -> dict[str, Any]:
    """Code, message and the traceback's last lines, for ``job.error``."""
    code = getattr(exc, "code", None) or type(exc).__name__
    message = exc.message() if hasattr(exc, "message") and callable(exc.message) else str(exc)
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).splitlines()[-12:]
    return {"code": code, "message": message or type(exc).__name__, "traceback": "\n".join(tail)}
