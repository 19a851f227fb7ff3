"""Job records in the workspace store: what a job is, and every state change it goes through.

States: ``queued -> running -> completed | failed | stopped``; ``interrupted`` when the
process running it died without saying so. Every change is one conditional UPDATE, so two
processes (a kernel, a server, a worker) never both move the same job. Every SQL statement
on the ``jobs``, ``job_metrics``, ``job_evaluations`` and ``schedulers`` tables is in
:class:`Records`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from trainlab import i18n
from trainlab.jobs.metric_records import MetricRecords

if TYPE_CHECKING:
    from trainlab.workspace import Workspace


class JobStatus(StrEnum):  # the one list: records, REST handlers, pydantic models, the CHECK
    """A job's state: queued, then running, then completed, failed or stopped; interrupted when
    the process running it died without saying so. Stopped and interrupted jobs can be resumed."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"

    def __repr__(self) -> str:  # 'queued' in a notebook, the string it equals
        return repr(self.value)


FINAL = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.INTERRUPTED)
RESUMABLE = (JobStatus.STOPPED, JobStatus.INTERRUPTED)
Runner = Literal["foreground", "worker"]
HOST = socket.gethostname()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Job:
    """One training job. ``progress`` has step, total_steps, epoch, fraction, eta_s,
    samples_per_s, tokens_per_s; ``paths`` has dir, log, checkpoints and model;
    ``evaluations`` the recorded evaluations of its model, oldest first (``get`` fills it;
    None in lists)."""

    id: str
    name: str
    task: str
    dataset_id: str | None
    columns: dict[str, Any]
    params: dict[str, Any]
    device: str
    status: JobStatus
    runner: Runner
    pid: int | None
    host: str | None
    gpus: str | None
    progress: dict[str, Any]
    metrics: dict[str, Any] | None
    best_metrics: dict[str, Any] | None
    error: dict[str, Any] | None
    note: str | None
    stop_requested: bool
    created_at: str
    started_at: str | None
    finished_at: str | None
    heartbeat_at: float | None
    paths: dict[str, str] = field(default_factory=dict)
    evaluations: list[dict[str, Any]] | None = None
    experiment_id: str | None = None  # a trial of this experiment (issue 19), its number:
    trial: int | None = None
    executor: str = "local"  # where it runs: "local" (worker processes here) or "ray" (issue 20)

    @property
    def done(self) -> bool:
        return self.status in FINAL

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def __repr__(self) -> str:
        """``Job('churn run', job_…, completed, step 18/18, loss=0.1231, accuracy=0.9333)``."""
        from trainlab.jobs.show import job_repr

        return job_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's card: status, a progress bar, the latest metrics, device, times, note
        and error."""
        from trainlab.jobs.show import job_html

        return job_html(self)


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def raw_json(text: str | None) -> Any:
    """A JSON column kept as its text (msgspec.Raw), for answers that only re-encode it."""
    import msgspec

    return msgspec.Raw(text) if text else None


def job_note(code: str, /, **params: Any) -> str:
    """A job's note as the store keeps it: a message code of :mod:`trainlab.i18n` and its
    parameters, so it is rendered in the language of whoever reads the job."""
    return json.dumps({"code": code, "params": params})


def render_note(stored: str | None, lang: str | None = None) -> str | None:
    """The note :func:`job_note` made, in ``lang`` (default: :func:`i18n.current_language`)."""
    if not stored:
        return None
    if not stored.startswith("{"):  # workspaces from before notes were codes hold the text
        return stored
    kept = json.loads(stored)
    return i18n.render(kept["code"], kept["params"], lang)


def job_from_row(row: Any, jobs_dir: Path, loads: Any = None, lang: str | None = None) -> Job:
    """A :class:`Job` from its row, its note in ``lang``; ``loads`` decodes the JSON columns
    (``json.loads``; :func:`raw_json` for a REST list that passes them through unparsed)."""
    loads = loads or _loads
    total = row["total_steps"]
    folder = f"{jobs_dir}{os.sep}{row['id']}"  # strings, not Path joins: lists build many
    return Job(
        id=row["id"], name=row["name"], task=row["task"], dataset_id=row["dataset_id"],
        columns=loads(row["columns_json"]), params=loads(row["params_json"]),
        device=row["device"], status=JobStatus(row["status"]), runner=row["runner"], pid=row["pid"],
        host=row["host"], gpus=row["gpus"],
        progress={"step": row["step"], "total_steps": total, "epoch": row["epoch"],
                  "fraction": round(row["step"] / total, 4) if total else 0.0,
                  "eta_s": row["eta_s"], "samples_per_s": row["samples_per_s"],
                  "tokens_per_s": row["tokens_per_s"]},
        metrics=loads(row["last_metrics_json"]), best_metrics=loads(row["best_metrics_json"]),
        error=loads(row["error_json"]), note=render_note(row["note"], lang),
        stop_requested=bool(row["stop_requested"]),
        created_at=row["created_at"], started_at=row["started_at"], finished_at=row["finished_at"],
        heartbeat_at=row["heartbeat_at"], experiment_id=row["experiment_id"], trial=row["trial"],
        executor=row["executor"],
        paths={"dir": folder, "log": f"{folder}{os.sep}log.txt",
               "checkpoints": f"{folder}{os.sep}checkpoints", "model": f"{folder}{os.sep}model"})


class Records(MetricRecords):
    """Every SQL statement on the ``jobs``, ``job_metrics`` and ``schedulers`` tables: the
    reads and writes of :class:`~trainlab.jobs.JobStore` (the API), the scheduler and a
    running job (the metrics ones in :class:`~trainlab.jobs.metric_records.MetricRecords`)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.store = ws.store

    # -- reading -----------------------------------------------------------------------------
    def get(self, job_id: str, lang: str | None = None) -> Job | None:
        rows = self.store.query("SELECT * FROM jobs WHERE id=?", (job_id,))
        if not rows:
            return None
        job = job_from_row(rows[0], self.ws.jobs_dir, lang=lang)
        job.evaluations = self.evaluations(job_id)
        return job

    def evaluations(self, job_id: str) -> list[dict[str, Any]]:
        """The job's recorded evaluations, oldest first: id, created_at and the result."""
        rows = self.store.query("SELECT id, created_at, result_json FROM job_evaluations"
                                " WHERE job_id=? ORDER BY id", (job_id,))
        return [{"id": r["id"], "created_at": r["created_at"], **json.loads(r["result_json"])}
                for r in rows]

    def add_evaluation(self, evaluation_id: str, job_id: str, dataset_id: str | None,
                       result: dict[str, Any]) -> dict[str, Any]:
        """Record an evaluation; returns it as :meth:`evaluations` lists it."""
        created = now_iso()
        self.store.execute("INSERT INTO job_evaluations (id, job_id, dataset_id, created_at,"
                           " result_json) VALUES (?, ?, ?, ?, ?)",
                           (evaluation_id, job_id, dataset_id, created, json.dumps(result)))
        return {"id": evaluation_id, "created_at": created, **result}

    def find(self, statuses: Sequence[str], limit: int, cursor: str | None,
             loads: Any = None, lang: str | None = None) -> list[Job]:
        """Newest first, ``limit`` at most, older than the id ``cursor``; any status when
        ``statuses`` is empty."""
        where, args = [], []
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        if cursor:
            where.append("id < ?")
            args.append(cursor)
        sql = "SELECT * FROM jobs" + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self.store.query(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        jobs_dir = self.ws.jobs_dir
        return [job_from_row(r, jobs_dir, loads, lang) for r in rows]

    def active_counts(self) -> dict[JobStatus, int]:
        """How many jobs are running and queued (one indexed query)."""
        counts = dict.fromkeys((JobStatus.RUNNING, JobStatus.QUEUED), 0)
        for row in self.store.query("SELECT status, COUNT(*) AS n FROM jobs WHERE status IN (?, ?)"
                                    " GROUP BY status", tuple(counts)):
            counts[JobStatus(row["status"])] = row["n"]
        return counts

    def running(self) -> list[Any]:
        """id, pid, host, heartbeat_at, runner and gpus of every running job."""
        return self.store.query("SELECT id, pid, host, heartbeat_at, runner, gpus FROM jobs"
                                " WHERE status=?", (JobStatus.RUNNING,))

    def next_queued(self) -> tuple[str, str] | None:
        """The head of the queue (the oldest queued job): its id and device."""
        rows = self.store.query("SELECT id, device FROM jobs WHERE status=? ORDER BY id LIMIT 1",
                                (JobStatus.QUEUED,))
        return (rows[0]["id"], rows[0]["device"]) if rows else None

    def stops_wanted(self) -> set[str]:
        """The running jobs someone asked to stop."""
        return {r["id"] for r in self.store.query(
            "SELECT id FROM jobs WHERE status=? AND stop_requested=1", (JobStatus.RUNNING,))}

    def resume_wanted(self, job_id: str) -> bool:
        rows = self.store.query("SELECT resume FROM jobs WHERE id=?", (job_id,))
        return bool(rows and rows[0]["resume"])

    def stop_requested(self, job_id: str) -> bool:
        rows = self.store.query("SELECT stop_requested FROM jobs WHERE id=?", (job_id,))
        return bool(rows and rows[0]["stop_requested"])

    # -- a job's life ------------------------------------------------------------------------
    def insert(self, job_id: str, *, name: str, task: str, dataset_id: str | None,
               columns: dict[str, Any], params: dict[str, Any], device: str, status: JobStatus,
               runner: Runner) -> None:
        started = now_iso() if status == JobStatus.RUNNING else None
        pid = os.getpid() if status == JobStatus.RUNNING else None
        self.store.execute(
            "INSERT INTO jobs (id, name, task, dataset_id, columns_json, params_json, device, status,"
            " runner, pid, host, created_at, started_at, heartbeat_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, name, task, dataset_id, json.dumps(columns), json.dumps(params), device,
             status, runner, pid, HOST, now_iso(), started, time.time() if pid else None))

    def start(self, job_id: str, *, runner: Runner, pid: int, gpus: str | None = None,
              from_status: tuple[JobStatus, ...] = (JobStatus.QUEUED,), executor: str = "local") -> bool:
        marks = ",".join("?" * len(from_status))
        return self.store.execute(
            "UPDATE jobs SET status=?, runner=?, pid=?, host=?, gpus=?, started_at=?,"
            " finished_at=NULL, heartbeat_at=?, stop_requested=0, error_json=NULL, executor=?"
            f" WHERE id=? AND status IN ({marks})",
            (JobStatus.RUNNING, runner, pid, HOST, gpus, now_iso(), time.time(), executor, job_id,
             *from_status)) == 1

    def set_pid(self, job_id: str, pid: int) -> None:
        self.store.execute("UPDATE jobs SET pid=?, heartbeat_at=? WHERE id=?",
                           (pid, time.time(), job_id))

    def set_device(self, job_id: str, device: str) -> None:
        self.store.execute("UPDATE jobs SET device=? WHERE id=?", (device, job_id))

    def set_executor(self, job_id: str, executor: str) -> None:
        """Where the job runs: ``local`` or ``ray``."""
        self.store.execute("UPDATE jobs SET executor=? WHERE id=?", (executor, job_id))

    def set_note(self, job_id: str, note: str) -> None:
        """``note``: made by :func:`job_note`, like every note a job gets."""
        self.store.execute("UPDATE jobs SET note=? WHERE id=?", (note, job_id))

    def describe(self, job_id: str, task: str, dataset_id: str | None, columns: dict[str, Any],
                 params: dict[str, Any]) -> None:
        """What the run resolved (task, columns, every hyperparameter) once training starts."""
        self.store.execute("UPDATE jobs SET task=?, dataset_id=?, columns_json=?, params_json=?"
                           " WHERE id=?", (task, dataset_id, json.dumps(columns),
                                           json.dumps(params), job_id))

    def progress(self, job_id: str, step: int, total: int, epoch: int, eta_s: float | None,
                 samples_per_s: float | None, tokens_per_s: float | None = None) -> None:
        """A running job's progress (and its heartbeat); ``tokens_per_s``: None for a task that
        counts no tokens."""
        self.store.execute(
            "UPDATE jobs SET step=?, total_steps=?, epoch=?, eta_s=?, samples_per_s=?,"
            " tokens_per_s=?, heartbeat_at=? WHERE id=?",
            (step, total, epoch, eta_s, samples_per_s, tokens_per_s, time.time(), job_id))

    def set_metrics(self, job_id: str, last: dict[str, Any] | None,
                    best: dict[str, Any] | None = None) -> None:
        """The latest and best validation metrics; ``None`` keeps what is there."""
        self.store.execute(
            "UPDATE jobs SET last_metrics_json=COALESCE(?, last_metrics_json),"
            " best_metrics_json=COALESCE(?, best_metrics_json) WHERE id=?",
            (json.dumps(last) if last else None, json.dumps(best) if best else None, job_id))

    def heartbeat(self, job_id: str) -> None:
        self.store.execute("UPDATE jobs SET heartbeat_at=? WHERE id=? AND status=?",
                           (time.time(), job_id, JobStatus.RUNNING))

    def request_stop(self, job_id: str) -> None:
        self.store.execute("UPDATE jobs SET stop_requested=1 WHERE id=? AND status=?",
                           (job_id, JobStatus.RUNNING))

    def finish(self, job_id: str, status: JobStatus, *, error: dict[str, Any] | None = None,
               note: str | None = None,
               only_from: tuple[JobStatus, ...] = (JobStatus.RUNNING,)) -> bool:
        marks = ",".join("?" * len(only_from))
        return self.store.execute(
            "UPDATE jobs SET status=?, error_json=?, note=COALESCE(?, note), finished_at=?,"
            f" stop_requested=0 WHERE id=? AND status IN ({marks})",
            (status, json.dumps(error) if error else None, note, now_iso(), job_id, *only_from)) == 1

    def requeue(self, job_id: str, note: str) -> bool:
        """A stopped or interrupted job queued again, to resume from its checkpoint."""
        return self.store.execute(
            "UPDATE jobs SET status=?, runner='worker', executor='local', resume=1, stop_requested=0,"
            " error_json=NULL, finished_at=NULL, pid=NULL, note=? WHERE id=? AND status IN (?, ?)",
            (JobStatus.QUEUED, note, job_id, *RESUMABLE)) == 1

    def delete(self, job_id: str) -> bool:
        """The record, its metrics and evaluations; False (nothing deleted) while the job runs."""
        with self.store.transaction() as conn:
            gone = conn.execute("DELETE FROM jobs WHERE id=? AND status!=?",
                                (job_id, JobStatus.RUNNING)).rowcount
            if gone:
                conn.execute("DELETE FROM job_metrics WHERE job_id=?", (job_id,))
                conn.execute("DELETE FROM job_evaluations WHERE job_id=?", (job_id,))
        return bool(gone)

    # -- schedulers --------------------------------------------------------------------------
    def scheduler_beat(self, scheduler_id: str) -> None:
        """Register the scheduler ``scheduler_id``, or say it is still alive."""
        now = time.time()
        self.store.execute(
            "INSERT INTO schedulers (id, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET heartbeat_at=excluded.heartbeat_at",
            (scheduler_id, os.getpid(), HOST, now_iso(), now))

    def scheduler_gone(self, scheduler_id: str) -> None:
        self.store.execute("DELETE FROM schedulers WHERE id=?", (scheduler_id,))

    def scheduler_pids(self) -> set[int]:
        """The pids of the schedulers registered on this host (living or not)."""
        return {r["pid"] for r in self.store.query("SELECT pid FROM schedulers WHERE host=?",
                                                   (HOST,))}

    def last_scheduler_beat(self) -> float | None:
        """The time of the youngest heartbeat of any scheduler, None if none is registered."""
        rows = self.store.query("SELECT MAX(heartbeat_at) AS beat FROM schedulers")
        return rows[0]["beat"] if rows else None


def pid_alive(pid: int | None, host: str | None) -> bool:
    """Whether ``pid`` runs on this machine; a process on another host counts as alive."""
    if not pid:
        return False
    if host and host != HOST:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is gone for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
