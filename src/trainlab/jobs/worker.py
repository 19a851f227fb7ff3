"""The worker process of one background job: ``python -m trainlab.jobs.worker <workspace> <job_id>``
(or ``--spare``: warm up first, then take the job the scheduler hands over).

Started by the scheduler in its own process group, with ``CUDA_VISIBLE_DEVICES`` set to the
GPUs it was given. SIGTERM asks for a clean stop: the loop checkpoints at the next step. A
job stopped by SIGTERM without a stop request (the server shutting down) ends ``interrupted``,
so it can be resumed; with a request it ends ``stopped``.

Under ``torchrun`` (``devices=N``: ``WORLD_SIZE`` > 1) every rank runs this module: rank 0 keeps
the job's record (progress, metrics, log, heartbeat, checkpoint, model, the end); the other ranks
only train. Every rank registers its pid and dies with torchrun (:mod:`trainlab.jobs.processes`);
a stop (SIGTERM from torchrun, or the store's flag rank 0 reads) stops all at the same step. When
a rank dies, rank 0's next collective fails: the job ends ``interrupted`` with a note naming the
rank, resumable from its last checkpoint.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from trainlab.jobs import processes
from trainlab.jobs.records import JobStatus, Records, job_note
from trainlab.jobs.reporting import StopFlag


def wait_for_job() -> str | None:
    """A spare worker: pay for the imports now, then take a job from the scheduler.

    Importing torch and building the first optimizer (which imports torch's compiler stack)
    take most of a new worker's start; a spare has done both before a job arrives. The job
    comes as one JSON line on stdin with its id, its environment (``CUDA_VISIBLE_DEVICES``:
    CUDA is not initialised yet, so it still applies) and where to write output.
    """
    import torch

    import trainlab.training  # noqa: F401

    torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))])
    line = sys.stdin.readline()
    if not line.strip():
        return None  # the scheduler went away
    order = json.loads(line)
    os.environ.update(order["env"])
    with open(order["output"], "ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    return order["job_id"]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m trainlab.jobs.worker <workspace> <job_id>|--spare", file=sys.stderr)
        return 2
    from trainlab.workspace import Workspace

    job_id = wait_for_job() if argv[2] == "--spare" else argv[2]
    if job_id is None:
        return 0
    ws = Workspace(argv[1])
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        processes.die_with_parent()  # torchrun killed: no rank left behind
        processes.register_rank(ws.jobs_dir / job_id, rank, world)
    records = Records(ws)
    job = ws.jobs.get(job_id)  # the other ranks read the record, never write it
    if job.status != JobStatus.RUNNING:
        print(f"job {job_id} is {job.status}, not running; nothing to do", file=sys.stderr)
        return 0
    terminated = {"yes": False}
    flag: Any = StopFlag(records, job_id) if rank == 0 else threading.Event()

    def on_term(signum: int, frame: object) -> None:
        terminated["yes"] = True
        flag.set()

    signal.signal(signal.SIGTERM, on_term)
    checkpoint = ws.jobs_dir / job_id / "checkpoints" / "last.pt"
    resume = job_id if records.resume_wanted(job_id) and checkpoint.is_file() else None
    kwargs = {"dataset": job.dataset_id, "task": job.task, "columns": job.columns,
              "resume_from": resume, "device": job.device, **job.params}
    if rank != 0:
        return _train_rank(ws, job_id, kwargs, flag)
    from trainlab.jobs import runner

    try:
        runner.run(ws, job_id, runner="worker", fit_kwargs=kwargs, flag=flag,
                   shutting_down=lambda: terminated["yes"] and not records.stop_requested(job_id),
                   cause=(lambda exc: _peer_died(ws.jobs_dir / job_id, world)) if world > 1 else None)
    except Exception:  # recorded by the runner; the traceback goes to stderr too
        import traceback

        traceback.print_exc()
        return 1
    return 0


def _train_rank(ws: Any, job_id: str, kwargs: dict[str, Any], flag: threading.Event) -> int:
    """A rank other than 0: trains its share; the record is rank 0's."""
    from trainlab.training import fit

    try:
        fit(workspace=ws, job_id=job_id, stop=flag, **kwargs)
    except Exception:
        import traceback

        traceback.print_exc()
        return 1
    return 0


def _peer_died(job_dir: Path, world: int) -> str | None:
    """Rank 0's training failed: when a peer rank died, that was the cause (its collective lost
    the peer), so the job ends ``interrupted`` (resumable) with this note naming the rank. A
    peer that is alive was waiting for rank 0: rank 0's own error stands (None)."""
    dead = processes.dead_rank(job_dir, exclude=0, wait=processes.PEER_DEATH_WAIT_S)
    if dead is None:
        return None
    return job_note("note_rank_died", rank=dead["rank"], pid=dead["pid"], world=world)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
