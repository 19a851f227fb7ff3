"""The longest a background job may run (issue 17, ``max_job_seconds``): the scheduler asks a
job that ran longer to stop, as a user's stop would (it checkpoints, ends ``stopped`` and can
be resumed), with a note that names the limit."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trainlab.jobs.records import Records, job_note
from trainlab.jobs.reporting import stop_file


def enforce_time_limit(records: Records, jobs_dir: Path, workers: Mapping[str, Any],
                       limit_s: float, now: float | None = None) -> list[str]:
    """Ask every worker running longer than ``limit_s`` seconds (0: no limit) to stop.

    ``workers``: job id -> the scheduler's worker (``started``, ``time.monotonic()`` when it was
    launched or adopted; ``stop_sent_at``, None until a stop was sent; ``reason``, the note the
    scheduler records if the worker exits before it records its own end). The job's note names
    the limit; a finished run keeps it (the worker ends without a note of its own). Returns the
    ids asked to stop now. A resumed job has ``limit_s`` again from its new start."""
    if limit_s <= 0:
        return []
    now = time.monotonic() if now is None else now
    asked = []
    for job_id, worker in workers.items():
        if worker.stop_sent_at is not None or now - worker.started <= limit_s:
            continue
        if not records.stop_requested(job_id):
            worker.reason = job_note("note_time_limit", seconds=limit_s)
            records.set_note(job_id, worker.reason)
            records.request_stop(job_id)
            with contextlib.suppress(OSError):  # the store's flag alone also stops it, a bit later
                stop_file(jobs_dir, job_id).touch()
            asked.append(job_id)
    return asked
