"""The worker process of one background job: ``python -m trainlab.jobs.worker <workspace> <job_id>``
(or ``--spare``: warm up first, then take the job the scheduler hands over).

Started by the scheduler in its own process group, with ``CUDA_VISIBLE_DEVICES`` set to the
GPUs it was given. SIGTERM asks for a clean stop: the loop checkpoints at the next step. A
job stopped by SIGTERM without a stop request (the server shutting down) ends ``interrupted``,
so it can be resumed; with a request it ends ``stopped``.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from trainlab.jobs.records import JobStatus, Records
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
    records = Records(ws)
    job = ws.jobs.get(job_id)
    if job.status != JobStatus.RUNNING:
        print(f"job {job_id} is {job.status}, not running; nothing to do", file=sys.stderr)
        return 0
    flag = StopFlag(records, job_id)
    terminated = {"yes": False}

    def on_term(signum: int, frame: object) -> None:
        terminated["yes"] = True
        flag.set()

    signal.signal(signal.SIGTERM, on_term)
    checkpoint = ws.jobs_dir / job_id / "checkpoints" / "last.pt"
    resume = job_id if records.resume_wanted(job_id) and checkpoint.is_file() else None
    from trainlab.jobs import runner

    kwargs = {"dataset": job.dataset_id, "task": job.task, "columns": job.columns,
              "resume_from": resume, "device": job.device, **job.params}
    try:
        runner.run(ws, job_id, runner="worker", fit_kwargs=kwargs, flag=flag,
                   shutting_down=lambda: terminated["yes"] and not records.stop_requested(job_id))
    except Exception:  # recorded as failed by the runner; the traceback goes to stderr too
        import traceback

        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
