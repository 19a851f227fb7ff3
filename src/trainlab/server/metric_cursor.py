"""The cursor of a job's metrics for REST: ``"<run>.<rowid>"``.

``rowid`` is the last metric row a client has (rows are read in the order they were written,
so a validation point written after the next training point is not skipped), ``run`` the
job's metrics run (one more each time a resume rewrites the history after its checkpoint).
``GET jobs/{id}/metrics`` answers the cursor of what it read; ``GET jobs/{id}/events`` starts
from one (``?cursor=`` or ``Last-Event-ID``) and gives one as each ``metrics`` event's id. A
cursor of another run means the client's history is stale: the stream sends ``reset`` and the
whole current history (see :mod:`trainlab.jobs.metric_records`).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from trainlab.errors import TrainlabError

if TYPE_CHECKING:
    from trainlab.workspace import Workspace

CURSOR = re.compile(r"([0-9]{1,9})\.([0-9]{1,18})", re.ASCII)
PATTERN = r"^[0-9]{1,9}\.[0-9]{1,18}$"  # the OpenAPI document's


def parse(value: str, code: str) -> tuple[int, int]:
    """``(run, rowid)`` of a cursor; 400 ``code`` (with the format) for anything else."""
    found = CURSOR.fullmatch(value.strip())
    if found is None:
        raise TrainlabError(code, value=value[:40])
    return int(found[1]), int(found[2])


def text(run: int, rowid: int) -> str:
    """The cursor ``"<run>.<rowid>"``."""
    return f"{run}.{rowid}"


def points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The metric points of REST (step, epoch, split, name, value, time) of rows; a value
    that is not finite (NaN, inf: a diverged loss) is null, as JSON has no such number."""
    return [{"step": r["step"], "epoch": r["epoch"], "split": r["split"], "name": r["name"],
             "value": _finite(r["value"]), "time": _finite(r["time"])} for r in rows]


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def read(ws: Workspace, job_id: str, run: int | None, after: int,
         since_step: int = 0) -> dict[str, Any]:
    """One poll of the events stream: the points after ``after`` (and from ``since_step`` on)
    in written order. ``run`` is the client's (None: not known yet, at a stream's start from
    ``since_step``); when the job's differs, or ``after`` is past the job's last row, the
    answer has ``reset: True`` and the whole current history instead. Returns ``reset``,
    ``run``, ``after`` (the new cursor's rowid) and ``items``."""
    now, last, rows = ws.jobs.records.metrics_after(job_id, after, since_step)
    reset = run is not None and (now != run or last < after)
    if reset:
        now, last, rows = ws.jobs.records.metrics_after(job_id, 0, 0)
    return {"reset": reset, "run": now, "after": last, "items": points(rows)}
