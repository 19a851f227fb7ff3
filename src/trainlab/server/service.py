"""What the REST handlers call: blocking work on the workspace, run in the server's thread pool.

Nothing here knows about tornado; each function takes plain values and returns JSON-ready
data, so it is tested without a server and the handlers stay a few lines each.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import threading
import time
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trainlab.errors import NotFoundError, TrainlabError, dataset_error
from trainlab.i18n import localize_report
from trainlab.server import metric_cursor
from trainlab.workspace import Workspace, is_valid_id
from trainlab.workspace.files import read_json

MAX_PAGE = 1000
_INTEGER = re.compile(r"-?[0-9]{1,19}", re.ASCII)


# -- query parameters ------------------------------------------------------------------------
def page_limit(value: str | None, default: int = 50, most: int = MAX_PAGE) -> int:
    return int_param("limit", value, default, 1, most)


def _present(name: str, value: str | None) -> bool:
    """Whether a query parameter was given; given empty (``?status=``) is refused, as the
    OpenAPI document's patterns and enums refuse it, rather than read as left out."""
    if value == "":
        raise TrainlabError("invalid_query", name=name,
                            detail="empty; leave the parameter out to use its default")
    return value is not None


def int_param(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if not _present(name, value):
        return default
    # ASCII digits only, as the OpenAPI document's integer says: int() would also take
    # "+5", " 5", "1_0" and other scripts' digits ("٥").
    if not _INTEGER.fullmatch(value):
        raise TrainlabError("invalid_query", name=name, detail=f"'{value[:40]}' is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise TrainlabError("invalid_query", name=name, detail=f"{number} is not in {low}..{high}")
    return number


def id_pattern(prefix: str) -> str:
    """The regular expression of an id (trainlab.workspace.ids), for the OpenAPI document."""
    return f"^{prefix}_[0-9abcdefghjkmnpqrstvwxyz]{{26}}$"


def cursor_param(value: str | None, prefix: str) -> str | None:
    if not _present("cursor", value):
        return None
    if not is_valid_id(value, prefix):
        raise TrainlabError("invalid_query", name="cursor",
                            detail="not a cursor from a previous page's next_cursor")
    return value


def choice_param(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if not _present(name, value):
        return None
    if value not in choices:
        raise TrainlabError("invalid_query", name=name, detail=f"use one of {', '.join(choices)}")
    return value


# -- datasets --------------------------------------------------------------------------------
def page(items: list[Any], limit: int) -> dict[str, Any]:
    """A page from ``limit + 1`` items (newest first): the extra one says there is more."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": [i.to_dict() for i in items], "next_cursor": items[-1].id if more else None}


def check_id(value: str, prefix: str, code: str) -> str:
    """404 for anything that is not an id of this kind, before any I/O."""
    if not is_valid_id(value, prefix):
        raise NotFoundError(code, id=value[:64])
    return value


def dataset_page(ws: Workspace, status: str | None, name: str | None, limit: int,
                 cursor: str | None) -> dict[str, Any]:
    """A page of dataset summaries: a schema (thousands of fields in a wide file) is only in
    ``GET datasets/{id}``, so a page stays small whatever the datasets' width."""
    out = page(ws.datasets.list(status=status, name=name, limit=limit + 1, cursor=cursor), limit)
    for item in out["items"]:
        item["columns"] = len(item.pop("schema"))
    return out


def get_dataset(ws: Workspace, dataset_id: str) -> Any:
    return ws.datasets.get(check_id(dataset_id, "ds", "dataset_not_found"))


@contextlib.contextmanager
def still_there(ws: Workspace, dataset_id: str) -> Iterator[None]:
    """Reading a dataset that a DELETE removes meanwhile is 404 ``dataset_not_found``; a file
    missing under a dataset that still exists stays a fault (500)."""
    try:
        yield
    except FileNotFoundError:
        ws.datasets.get(dataset_id)  # raises NotFoundError when it was deleted meanwhile
        raise


def reading(fn: Any) -> Any:
    """``fn(ws, dataset_id, ...)`` under :func:`still_there`."""
    @functools.wraps(fn)
    def wrapper(ws: Workspace, dataset_id: str, *args: Any, **kwargs: Any) -> Any:
        with still_there(ws, dataset_id):
            return fn(ws, dataset_id, *args, **kwargs)
    return wrapper


@reading
def report_page(ws: Workspace, dataset_id: str, offset: int, limit: int,
                lang: str) -> dict[str, Any]:
    ds = get_dataset(ws, dataset_id)
    report = read_json(ds.directory / "report.json")
    errors = report.get("errors", [])
    page = {**report, "errors": errors[offset:offset + limit]}
    localize_report(page, lang)
    return {**page, "errors_total": len(errors), "offset": offset, "limit": limit}


@reading
def preview(ws: Workspace, dataset_id: str, offset: int, limit: int) -> dict[str, Any]:
    ds = get_dataset(ws, dataset_id)
    frame = ds.preview(offset=offset, limit=limit)
    rows = [{k: json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return {"columns": [str(c) for c in frame.columns], "lines": [int(i) for i in frame.index],
            "rows": rows, "offset": offset, "limit": limit, "rows_valid": ds.rows}


def json_value(value: Any) -> Any:
    """A JSON value: NaN/NaT become null, numpy scalars and arrays plain Python."""
    if value is None:
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


@reading
def profile(ws: Workspace, dataset_id: str, label: str | None) -> dict[str, Any]:
    return json_value(get_dataset(ws, dataset_id).profile(label=label))


@reading
def check(ws: Workspace, dataset_id: str, task: str | None, columns: dict[str, Any],
          lang: str) -> dict[str, Any]:
    """The task's check of the dataset. The task (when ``None``) and the column roles the
    request left out are inferred first, as ``trainlab.fit`` and ``POST jobs`` infer them
    (422 ``no_columns`` when nothing names what to predict), so a form can be filled from
    the answer's ``task`` and ``columns``; ``inferred`` lists what was filled in."""
    from trainlab.training.columns import infer  # pulls torch: only in the pool
    from trainlab.training.fit import check_roles

    ds = get_dataset(ws, dataset_id)
    given = dict(columns)
    task_name, columns = infer(ds, task, given)
    check_roles(task_name, columns)
    report = localize_report(ds.check(task_name, columns), lang)
    # a role given empty (``features: []``, null) and filled by infer was inferred too
    filled = [key for key, value in report["columns"].items() if value and not given.get(key)]
    return json_value({**report, "inferred": ["task"] * (task is None) + filled})


@reading
def histogram_page(ws: Workspace, dataset_id: str, offset: int, limit: int) -> dict[str, Any]:
    """The numeric fields' histograms (computed once per dataset, then read from its folder),
    ``limit`` fields from ``offset`` on in the schema's order, with their bin edges."""
    import numpy as np

    from trainlab.datasets.histogram import BINS, histograms

    ds = get_dataset(ws, dataset_id)
    found = histograms(ds)
    names = [name for name in ds.schema if name in found]
    fields = {}
    for name in names[offset:offset + limit]:
        entry = found[name]
        edges = np.linspace(entry["min"], entry["max"], BINS + 1).tolist()
        fields[name] = {**entry, "edges": edges}
    return json_value({"fields": fields, "bins": BINS, "fields_total": len(names),
                       "offset": offset, "limit": limit})


def resolve_import(root_dir: str, relative: str, allow_hidden: bool = False) -> Path:
    """A file under ``root_dir``; anything that leaves it (``..``, an absolute path, a symlink
    pointing out) is refused, and so is a hidden file or folder (a name starting with ``.``, or
    hidden by the OS) unless the server's ContentsManager has ``allow_hidden``: trainlab reads
    only what /api/contents would serve. Both the path as written and where it leads count."""
    if "\x00" in relative or os.path.isabs(relative) or relative.startswith("~"):
        raise TrainlabError("path_outside_root", status=403, path=relative[:200])
    root = Path(root_dir).resolve()
    written = Path(os.path.abspath(root / relative))
    target = written.resolve()
    if target != root and root not in target.parents:
        raise TrainlabError("path_outside_root", status=403, path=relative[:200])
    if not allow_hidden:
        from jupyter_core.paths import is_hidden

        if is_hidden(str(written), str(root)) or is_hidden(str(target), str(root)):
            raise TrainlabError("path_hidden", status=403, path=relative[:200])
    if not target.is_file():
        raise dataset_error("source_not_found", path=relative[:200], cwd="the server's root directory")
    return target


def check_format(name: str, fmt: str | None, allowed: list[str]) -> str:
    from trainlab.datasets.formats import choose_format

    chosen = choose_format(name, fmt)
    if chosen not in allowed:
        raise TrainlabError("format_not_allowed", status=415, fmt=chosen, allowed=", ".join(allowed))
    return chosen


# -- jobs ------------------------------------------------------------------------------------
def job_page(ws: Workspace, status: str | None, limit: int, cursor: str | None,
             raw: bool = False, lang: str | None = None) -> dict[str, Any]:
    """A page of jobs, their notes in ``lang`` (the caller's Accept-Language)."""
    return page(ws.jobs.list(status=status, limit=limit + 1, cursor=cursor, raw=raw,
                             lang=lang), limit)


def get_job(ws: Workspace, job_id: str, lang: str | None = None) -> Any:
    return ws.jobs.get(check_id(job_id, "job", "job_not_found"), lang=lang)


def metrics(ws: Workspace, job_id: str, since_step: int,
            max_points: int | None = None) -> dict[str, Any]:
    """The metric points from ``since_step`` on, by step; with ``max_points``, each series
    (split, name) longer than that is thinned to ``max_points`` points evenly spread over it,
    its first and last kept (``downsampled``). ``next_since_step`` and ``cursor`` (for
    ``events?cursor=``: :mod:`trainlab.server.metric_cursor`) count every point either way."""
    get_job(ws, job_id)
    run, last, rows = ws.jobs.records.metrics_after(job_id, 0, since_step, by_step=True)
    nxt = (max(m["step"] for m in rows) + 1) if rows else since_step
    thinned = False
    if max_points is not None:  # before the conversion: only the points kept are converted
        from trainlab.server.series import thin

        rows, thinned = thin(rows, max_points)
    return {"items": metric_cursor.points(rows), "next_since_step": nxt,
            "cursor": metric_cursor.text(run, last), "downsampled": thinned}


def model_dir(ws: Workspace, job_id: str) -> Path:
    job = get_job(ws, job_id)
    directory = ws.jobs_dir / job.id / "model"
    if not (directory / "model.json").is_file():
        raise TrainlabError("model_not_ready", status=409, id=job.id, state=job.status)
    return directory


def model_zip(ws: Workspace, job_id: str) -> Path:
    """The model folder zipped into the workspace's tmp/ (the caller streams and removes it)."""
    directory = model_dir(ws, job_id)
    target = ws.tmp_dir / f"{job_id}-model-{threading.get_ident()}-{time.time_ns()}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in sorted(directory.iterdir()):
            if path.is_file():
                archive.write(path, f"model/{path.name}")
    return target


class ModelCache:
    """The last few loaded models, so predict does not read weights on every call."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._models: OrderedDict[tuple[str, float], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ws: Workspace, job_id: str) -> Any:
        from trainlab.training.artifact import load_model

        directory = model_dir(ws, job_id)
        key = (job_id, (directory / "model.json").stat().st_mtime)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
        model = load_model(directory)
        with self._lock:
            self._models[key] = model
            while len(self._models) > self.size:
                self._models.popitem(last=False)
        return model


def check_token_budget(ws: Workspace, job_id: str, prompts: int, max_new_tokens: int,
                       budget: int) -> None:
    """A causal-lm predict generates up to ``prompts x max_new_tokens`` tokens: refused (422)
    above ``budget``, before it takes a model thread."""
    job = get_job(ws, job_id)
    if job.task == "causal-lm" and prompts * max_new_tokens > budget:
        raise TrainlabError("token_budget", status=422, prompts=prompts,
                            max_new_tokens=max_new_tokens, budget=budget,
                            most=max(1, budget // max(1, max_new_tokens)))


def predict(ws: Workspace, cache: ModelCache, job_id: str, records: list[Any],
            proba: bool, max_new_tokens: int = 100) -> dict[str, Any]:
    job = get_job(ws, job_id)
    model = cache.get(ws, job_id)
    if getattr(model, "task_name", None) == "causal-lm":
        from trainlab.training.prompts import prompts_from_records

        prompts = prompts_from_records(model.meta["state"]["columns"], records)
        return {"predictions": [model.generate(p, max_new_tokens=max_new_tokens, seed=0)
                                for p in prompts],
                "probabilities": None, "task": job.task, "job_id": job.id}
    out: dict[str, Any] = {"predictions": json_value(model.predict(records)), "probabilities": None,
                           "task": job.task, "job_id": job.id}
    if proba:
        frame = model.predict_proba(records)
        out["probabilities"] = [{str(k): float(v) for k, v in row.items()}
                                for row in frame.to_dict(orient="records")]
    return out


def cached_models() -> dict[str, Any]:
    """The models in the server's local Hugging Face cache (``GET models``): reads the disk."""
    import importlib.util

    from trainlab.training.hf import hub

    installed = importlib.util.find_spec("huggingface_hub") is not None
    items = [{"id": m["id"], "revision": m["revision"], "path": m["path"], "size_bytes": m["size"],
              "model_type": m["model_type"], "architectures": m["architectures"],
              "modified_at": datetime.fromtimestamp(m["modified"], UTC).isoformat()}
             for m in (hub.cached_models() if installed else [])]
    return {"items": items, "cache": str(hub.hub_cache()), "offline": hub.offline(),
            "hf_installed": installed}


def evaluate(ws: Workspace, cache: ModelCache, job_id: str, dataset_id: str) -> dict[str, Any]:
    """Score the job's model on a stored dataset and record it on the job: 404 for an unknown
    job or dataset, 409 while the job has no model, 422 when the dataset lacks its columns."""
    from trainlab.jobs.evaluations import record

    job = get_job(ws, job_id)
    if job.task == "custom":  # before loading: only the user's code knows how it reads rows
        raise TrainlabError("eval_custom_model", id=job.id, status=422)
    model = cache.get(ws, job.id)
    ds = get_dataset(ws, dataset_id)
    return json_value(record(ws, job.id, model, ds)[1])
