"""``GET health``: what the server runs with, and whether it is ready, for people and for a
readiness probe (docs/rest-api.md, "Health").

Ready means: the workspace database answers, the workspace accepts a new file, its disk has at
least ``health_min_free_bytes`` free, the GPUs it was configured with are among those it was
given, and, where this server runs the scheduler, the scheduler runs (it heartbeats). When one
fails the answer is 503 ``not_ready`` naming each problem, so a probe takes the server out of
service and a person reads why. ``GET health?checks=database,scheduler`` lets only those
checks fail the answer (a spawn gate that does not lock out a user whose disk is full); the
others still show in ``checks`` and ``problems``. Nothing here knows about tornado.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from trainlab import i18n
from trainlab.errors import TrainlabError
from trainlab.jobs.gpus import gpu_source
from trainlab.jobs.records import JobStatus
from trainlab.version import __version__
from trainlab.workspace import Workspace, new_id
from trainlab.workspace.files import owned
from trainlab.workspace.mounts import filesystem_type

CHECKS = ("database", "workspace_writable", "disk", "gpus", "scheduler")
SCHEDULER_SILENT_S = 30.0  # a scheduler whose heartbeat is older is taken for dead
_SMI_CACHE: dict[str, Any] = {"at": 0.0, "rows": []}


class NotReady(TrainlabError):
    """503 ``not_ready``: the problems, each rendered in the caller's language."""

    status = 503

    def __init__(self, problems: list[TrainlabError], checks: dict[str, bool]) -> None:
        self.problems = problems
        super().__init__("not_ready", details={"problems": [p.code for p in problems],
                                               "checks": checks})

    def message(self, lang: str | None = None) -> str:
        """The problems, in ``lang``, after the one-line verdict."""
        text = "; ".join(p.message(lang) for p in self.problems)
        return i18n.render("not_ready", {"problems": text}, lang)


@dataclass
class ServerState:
    """What the app knows about itself, passed in plain values."""

    scheduler_required: bool          # run_scheduler is on
    scheduler_started: bool           # its scheduler object exists (started, not closed)
    gpu_ids: list[str] = field(default_factory=list)  # the GPUs it hands out
    gpu_error: TrainlabError | None = None            # c.TrainlabApp.gpus outside the set
    min_free_bytes: int = 0


# -- the GPUs -------------------------------------------------------------------------------
def _smi_rows() -> list[dict[str, Any]]:
    """Every GPU nvidia-smi lists (cached 5 s): the server never opens a CUDA context of its
    own, which would hold GPU memory that training needs."""
    if time.monotonic() - _SMI_CACHE["at"] < 5.0:
        return _SMI_CACHE["rows"]
    found: list[dict[str, Any]] = []
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run(
                [smi, "--query-gpu=index,uuid,name,memory.total,memory.free",
                 "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=5,
                check=True).stdout
            for line in out.strip().splitlines():
                index, uuid, name, total, free = (p.strip() for p in line.split(","))
                found.append({"index": index, "uuid": uuid, "name": name,
                              "memory_total_bytes": int(float(total)) * 2**20,
                              "memory_free_bytes": int(float(free)) * 2**20})
        except (OSError, subprocess.SubprocessError, ValueError):
            found = []
    _SMI_CACHE.update(at=time.monotonic(), rows=found)
    return found


def gpus(ids: list[str]) -> list[dict[str, Any]]:
    """The GPUs this server hands out, in its numbering (``index``: ``cuda:index`` in a kernel
    that sees the same set; ``id``: what a worker's ``CUDA_VISIBLE_DEVICES`` gets), with name
    and memory where nvidia-smi lists the GPU (matched by UUID, else by its index)."""
    rows = _smi_rows()
    out = []
    for index, gpu in enumerate(ids):
        match = next((r for r in rows if gpu.upper().startswith(r["uuid"].upper())
                      or r["uuid"].upper().startswith(gpu.upper()) or r["index"] == gpu), None)
        entry: dict[str, Any] = {"index": index, "id": gpu, "name": None,
                                 "memory_total_bytes": None, "memory_free_bytes": None}
        if match is not None:
            entry.update(name=match["name"], memory_total_bytes=match["memory_total_bytes"],
                         memory_free_bytes=match["memory_free_bytes"])
        out.append(entry)
    return out


@functools.lru_cache(maxsize=1)
def torch_version() -> str | None:
    """Read from the package metadata: the server does not import torch."""
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


# -- the checks -------------------------------------------------------------------------------
def gate_checks(text: str | None) -> frozenset[str]:
    """The checks that may fail the answer, from ``GET health?checks=`` (comma-separated names;
    None: all of them; empty: none). An unknown name is 400 ``invalid_query`` listing the names."""
    if text is None:
        return frozenset(CHECKS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise TrainlabError("invalid_query", name="checks",
                            detail=f"unknown check '{unknown[0][:40]}'; the checks are "
                                   f"{', '.join(CHECKS)}")
    return frozenset(names)


def _writable(ws: Workspace) -> str | None:
    """None when a file can be created, written and removed in the workspace; else why not."""
    probe = owned(ws.tmp_dir / f"health-{new_id('h')}")
    try:
        with open(probe, "wb") as f:
            f.write(b"ok")
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        return exc.strerror or type(exc).__name__
    return None


def health(ws: Workspace, state: ServerState, gate: frozenset[str] = frozenset(CHECKS)
           ) -> dict[str, Any]:
    """The health document; raises :class:`NotReady` (503) when a check in ``gate`` (default:
    every check) fails. A failed check outside ``gate`` shows in ``checks`` and ``problems`` of
    the 200 answer."""
    found_problems: list[tuple[str, TrainlabError]] = []
    checks = dict.fromkeys(CHECKS, True)
    counts = dict.fromkeys((JobStatus.RUNNING, JobStatus.QUEUED), 0)
    beat = None
    try:
        counts = ws.jobs.active_counts()
        beat = ws.jobs.records.last_scheduler_beat()
    except (TrainlabError, sqlite3.Error, OSError) as exc:
        found_problems.append(("database", TrainlabError("health_database",
                                                         detail=str(exc)[:300])))
    why = _writable(ws)
    if why is not None:
        found_problems.append(("workspace_writable", TrainlabError(
            "health_not_writable", path=str(ws.path), detail=why)))
    free = shutil.disk_usage(ws.path).free
    if free < state.min_free_bytes:
        found_problems.append(("disk", TrainlabError("health_disk_low", free=free,
                                                     minimum=state.min_free_bytes)))
    if state.gpu_error is not None:
        found_problems.append(("gpus", state.gpu_error))
    alive = state.scheduler_started and beat is not None and time.time() - beat < SCHEDULER_SILENT_S
    if state.scheduler_required and not alive:
        found_problems.append(("scheduler", TrainlabError("health_scheduler_down")))
    for check, _ in found_problems:
        checks[check] = False
    if any(check in gate for check, _ in found_problems):
        raise NotReady([p for check, p in found_problems if check in gate], checks)
    found = gpus(state.gpu_ids)
    return {"status": "ok", "version": __version__, "torch_version": torch_version(),
            "cuda_available": bool(found), "gpus": found, "gpu_source": gpu_source(),
            "workspace": str(ws.path), "workspace_filesystem": filesystem_type(ws.path),
            "disk_free_bytes": free,
            "jobs_running": counts[JobStatus.RUNNING], "jobs_queued": counts[JobStatus.QUEUED],
            "scheduler_alive": (alive if state.scheduler_required or not checks["database"]
                                else ws.jobs.scheduler_alive()),
            "checks": checks, "problems": [p.code for _, p in found_problems]}
