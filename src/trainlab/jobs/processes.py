"""The processes of a job: a worker the scheduler adopted, signals to a process group, and the
ranks of a job trained by several processes (``devices=N``).

Each rank writes ``<job folder>/ranks/<rank>.json`` (its pid and start time) when it starts, so
rank 0 can tell a peer's death from another failure, and whoever ends the job can make sure no
rank outlives it. A rank also asks the kernel to kill it when its parent (``torchrun``, or the
kernel that launched it) dies, so a ``kill -9`` of the parent leaves no orphan behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from trainlab.workspace.files import process_stat

_PR_SET_PDEATHSIG = 1
PEER_DEATH_WAIT_S = 3.0  # how long rank 0 looks for a dead peer before its own error stands


class Adopted:
    """The worker of a scheduler that died (``kill -9``): not a child of ours, so it is watched
    through its pid, and its start time tells it from a later process given the same pid."""

    def __init__(self, pid: int, started: int) -> None:
        self.pid, self.started = pid, started
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """0 once the process is gone (its exit status went to whoever reaps it), else None."""
        if self.returncode is None:
            stat = process_stat(self.pid)
            if stat is None or stat[0] == "Z" or stat[2] != self.started:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float = 30.0) -> None:
        """Until it is gone, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)


def signal_group(process: subprocess.Popen[bytes] | Adopted, sig: int) -> None:
    """``sig`` to the process group ``process`` leads (nothing when it is gone)."""
    if isinstance(process, Adopted) and process.poll() is not None:
        return  # gone: its pid may be another process's now
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent dies (a no-op elsewhere); exits now when the
    parent is already gone (this process was reparented before it could ask). The kernel sends
    it when the parent's thread that started this process ends: torchrun starts its ranks from
    its main thread, and the launcher's thread waits for its ranks before it returns."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent == 1 or process_stat(parent) is None:
        os._exit(1)


def rank_dir(job_dir: Path) -> Path:
    return job_dir / "ranks"


def register_rank(job_dir: Path, rank: int, world: int) -> None:
    """Say which process is rank ``rank`` of ``world`` of the job in ``job_dir`` (its pid and
    start time); rank 0 also forgets ranks an earlier, larger run of the job left."""
    stat = process_stat(os.getpid())
    folder = rank_dir(job_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if rank == 0:
        for entry in ranks(job_dir):
            if entry["rank"] >= world:
                (folder / f"{entry['rank']}.json").unlink(missing_ok=True)
    (folder / f"{rank}.json").write_text(json.dumps(
        {"rank": rank, "pid": os.getpid(), "started": stat[2] if stat else None}))


def ranks(job_dir: Path) -> list[dict[str, int]]:
    """The registered ranks of the job, by rank."""
    found = []
    for file in sorted(rank_dir(job_dir).glob("*.json")) if rank_dir(job_dir).is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            found.append(json.loads(file.read_text()))
    return sorted(found, key=lambda r: r["rank"])


def alive(entry: dict[str, int]) -> bool:
    """Whether the registered rank still runs (a zombie or a new process with its pid: no)."""
    stat = process_stat(entry["pid"])
    return stat is not None and stat[0] != "Z" and stat[2] == entry.get("started", stat[2])


def dead_rank(job_dir: Path, exclude: int | None = None,
              wait: float = 0.0) -> dict[str, int] | None:
    """The first registered rank of the job (but ``exclude``) that is no longer running, or
    None, looking for up to ``wait`` seconds. A rank whose collective failed asks this: a peer
    that died closed its sockets as it exited, but on a busy machine the kernel may not have
    finished its exit yet, so the asker waits a little before it blames itself."""
    deadline = time.monotonic() + wait
    while True:
        for entry in ranks(job_dir):
            if entry["rank"] != exclude and not alive(entry):
                return entry
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def end_ranks(job_dir: Path) -> list[int]:
    """SIGKILL every registered rank of the job still running; their pids."""
    killed = []
    for entry in ranks(job_dir):
        if alive(entry):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(entry["pid"], signal.SIGKILL)
                killed.append(entry["pid"])
    return killed
