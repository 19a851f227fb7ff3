"""``ws.experiments``: hyperparameter searches whose trials are ordinary jobs, and comparisons.

>>> exp = ws.experiments.create("lr search", ds, columns={"target": "y"},   # doctest: +SKIP
...                             space={"lr": trainlab.loguniform(1e-4, 1e-2),
...                                    "arch.layers": trainlab.intrange(1, 4)}, trials=20)
>>> exp.wait(); exp.best().params; exp.results()                            # doctest: +SKIP

The scheduler (in the server, or ``python -m trainlab.jobs.scheduler``) runs the search: each
turn it tells Optuna how trials ended, prunes weak ones from their validation metrics and queues
new trials (:mod:`trainlab.jobs.driver`). Every check runs in :meth:`ExperimentStore.create`, so
a bad setting is refused before any job exists.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trainlab.errors import NotFoundError, TrainlabError
from trainlab.jobs.compare import (
    Comparison,
    duration,
    metrics_at,
    reported,
    scores,
    table_frame,
)
from trainlab.jobs.experiment_plots import plot_best_so_far, plot_curves, plot_params
from trainlab.jobs.experiment_records import ExperimentRecords
from trainlab.jobs.search import (
    PRUNERS,
    STRATEGIES,
    ExperimentError,
    Uniform,
    apply,
    check_names,
    corners,
    not_int,
    parse_space,
    space_json,
)
from trainlab.workspace import is_valid_id, new_id

if TYPE_CHECKING:
    import pandas as pd

    from trainlab.jobs.records import Job
    from trainlab.workspace import Workspace

class ExperimentConflict(TrainlabError):
    status = 409


@dataclass
class Best:
    """The best trial: its job, sampled params, ``value`` (the best validation value of the
    experiment's metric) and ``metrics`` (every validation metric at the step of that value)."""

    job: Job
    params: dict[str, Any]
    metrics: dict[str, Any]
    value: float
    workspace: Workspace

    def load_model(self, device: str = "cpu") -> Any:
        """The trained model of the best trial (:func:`trainlab.load_model`)."""
        from trainlab.training import load_model

        return load_model(self.job.id, workspace=self.workspace, device=device)


class Experiment:
    """A search: ``id``, ``name``, ``status`` (running, completed, stopped), ``trials`` (one dict
    per trial: number, job_id, params, state, value) and what it searches (``space``,
    ``metric``, ``direction``...). :meth:`refresh` re-reads it."""

    def __init__(self, store: ExperimentStore, record: dict[str, Any]) -> None:
        self._store = store
        self._set(record)

    def _set(self, record: dict[str, Any]) -> None:
        self.record = record
        # the store's note (a driver error, a stop for a missing dataset), or create's
        # no-scheduler note until there is one
        self.note: str | None = record.get("note") or getattr(self, "note", None)
        self.id, self.name, self.status = record["id"], record["name"], record["status"]
        self.metric, self.direction = record["metric"], record["direction"]
        self.space, self.params = record["space"], record["params"]
        self.trials: list[dict[str, Any]] = self._store.records.trials(self.id)

    def to_dict(self) -> dict[str, Any]:
        """The record with its trials (what REST answers)."""
        return {**self.record, "trial_list": self.trials, "note": self.note}


    def refresh(self) -> Experiment:
        """Re-read the record and its trials."""
        self._set(self._store.record(self.id))
        return self

    def wait(self, timeout: float | None = None, poll: float = 0.25) -> Experiment:
        """Block until every trial has ended (status completed or stopped, nothing running)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.refresh()
            if self.status != "running" and all(t["state"] != "running" for t in self.trials):
                return self
            if deadline is not None and time.monotonic() >= deadline:
                raise TrainlabError("experiment_wait_timeout", id=self.id, seconds=timeout)
            time.sleep(poll)

    def stop(self) -> Experiment:
        """Ask for no more trials, and stop the queued and running ones; this object is
        refreshed (and returned)."""
        self._set(self._store.stop(self.id).record)
        return self

    def best(self) -> Best:
        """The completed trial with the best value of the metric."""
        done = [t for t in self.refresh().trials if t["state"] == "completed" and
                t["value"] is not None]
        if not done:
            raise ExperimentConflict("experiment_no_best", id=self.id)
        pick = max if self.direction == "maximize" else min
        top = pick(done, key=lambda t: t["value"])
        job = self._store.ws.jobs.get(top["job_id"])
        return Best(job=job, params=top["params"], value=top["value"], workspace=self._store.ws,
                    metrics=metrics_at(self._store.ws, job.id, self.metric, top["value"]))

    def histories(self, metric: str | None = None) -> dict[int, list[tuple[int, float]]]:
        """Each trial's validation ``metric`` (default: the experiment's) as (step, value) pairs
        in step order, by trial number (trials without a job yet have none)."""
        records = self._store.records
        return {t["number"]: records.val_history(t["job_id"], metric or self.metric)
                for t in self.trials if t["job_id"]}

    plot_curves = plot_curves
    plot_best_so_far = plot_best_so_far
    plot_params = plot_params

    def results(self) -> pd.DataFrame:
        """One row per trial: number, job_id, state, each searched param, error (why a trial
        could not be queued, in the current language), final_<m> and best_<m> for every
        validation metric (the experiment's first), duration_s and the job's status."""
        self.refresh()
        jobs = {t["job_id"]: self._store.ws.jobs.records.get(t["job_id"])
                for t in self.trials if t["job_id"]}
        rows = []
        for t in self.trials:
            job = jobs.get(t["job_id"])
            rows.append({"number": t["number"], "job_id": t["job_id"], "state": t["state"],
                         **{k: t["params"].get(k) for k in self.space},
                         "error": t["error"]["message"] if t["error"] else None,
                         **scores(self._store.ws, job, self.metric),
                         "duration_s": duration(job), "status": job.status if job else None})
        return table_frame(rows, ["number", "job_id", "state", *self.space, "error"], self.metric)

    def __repr__(self) -> str:
        done = sum(t["state"] != "running" for t in self.trials)
        return (f"Experiment({self.name!r}, {self.id}, {self.status}, {done}/"
                f"{self.record['trials']} trials, {self.metric} {self.direction})")

    def _repr_html_(self) -> str:
        """A leaderboard: the trials by value, best first."""
        from trainlab import display

        ranked = sorted((t for t in self.trials if t["state"] == "completed"),
                        key=lambda t: t["value"], reverse=self.direction == "maximize")
        rest = [t for t in self.trials if t["state"] != "completed"]
        header = ["#", display.word("exp_job"), display.word("status"), self.metric, *self.space]
        rows = [[t["number"], t["job_id"] or "", display.status_badge(t["state"]),
                 display.number(t["value"]) if t["value"] is not None else "",
                 *[str(t["params"].get(k)) for k in self.space]] for t in ranked + rest]
        return display.card(f"{self.name} ({self.id})", [
            (display.word("status"), display.status_badge(self.status)),
            (display.word("exp_trials"), f"{len(self.trials)}/{self.record['trials']}"),
            (display.word("exp_metric"), f"{self.metric} ({self.direction})")],
            sections=[display.table(header, rows, numeric=(0, 3))])


class ExperimentStore:
    """The experiments of one workspace (``ws.experiments``)."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.records = ExperimentRecords(workspace)

    def record(self, experiment_id: str) -> dict[str, Any]:
        found = self.records.get(experiment_id) if is_valid_id(experiment_id, "exp") else None
        if found is None:
            raise NotFoundError("experiment_not_found", id=str(experiment_id)[:64])
        return found

    def get(self, experiment_id: str) -> Experiment:
        """The experiment ``experiment_id`` (404 ``experiment_not_found``)."""
        return Experiment(self, self.record(experiment_id))

    def list(self, limit: int = 100, cursor: str | None = None) -> list[Experiment]:
        """Newest first; ``cursor``: the id of the last one of the previous page."""
        return [Experiment(self, r) for r in self.records.find(max(1, int(limit)), cursor)]

    def create(self, name: str, dataset: Any, task: str | None = None,
               columns: dict[str, Any] | None = None, space: dict[str, Any] | None = None,
               trials: int = 20, metric: str | None = None, direction: str | None = None,
               max_concurrent: int | None = None, strategy: str = "tpe", pruner: str = "median",
               params: dict[str, Any] | None = None, seed: int = 0, device: str = "auto",
               *, warn: bool = True) -> Experiment:
        """Check everything, record the experiment and let the scheduler run it.

        ``dataset``: a Dataset or its id. ``space``: parameter -> list of choices or a range
        (:func:`trainlab.loguniform`, :func:`trainlab.uniform`, :func:`trainlab.intrange`);
        names are training parameters or ``arch.<key>``. ``params``: fixed settings of every
        trial. ``metric``: a validation metric of the task (default: its main one);
        ``direction``: maximize or minimize (default: the metric's). ``max_concurrent``:
        trials at once (default: the scheduler's slots). ``strategy``: tpe, random or grid
        (lists only); ``pruner``: median, percentile, hyperband or none."""
        from trainlab.jobs.spec import SpecError, parse_spec, validate_spec
        from trainlab.training.config import ConfigError, TrainConfig
        from trainlab.training.models import ARCH_LIMITS, ArchError, check_arch

        if not isinstance(name, str) or not name.strip():
            raise ExperimentError("experiment_name_invalid")
        if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
            raise ExperimentError("experiment_trials_invalid", value=repr(trials)[:40])
        if max_concurrent is not None and (not isinstance(max_concurrent, int) or
                                           isinstance(max_concurrent, bool) or max_concurrent < 1):
            raise ExperimentError("experiment_concurrency_invalid", value=repr(max_concurrent)[:40])
        if strategy not in STRATEGIES:
            raise ExperimentError("experiment_choice_invalid", field="strategy",
                                  value=repr(strategy)[:40], allowed=", ".join(STRATEGIES))
        if pruner not in PRUNERS:
            raise ExperimentError("experiment_choice_invalid", field="pruner",
                                  value=repr(pruner)[:40], allowed=", ".join(PRUNERS))
        if direction is not None and direction not in ("maximize", "minimize"):
            raise ExperimentError("experiment_choice_invalid", field="direction",
                                  value=repr(direction)[:40], allowed="maximize, minimize")
        fixed = dict(params or {})
        parsed = parse_space(space, strategy)
        check_names(parsed, fixed)
        points = corners(parsed)
        dataset_id = getattr(dataset, "id", dataset)
        if not isinstance(dataset_id, str):
            raise SpecError("invalid_spec", field="dataset", detail="give a Dataset or its id")
        spec = parse_spec({"dataset_id": dataset_id, "task": task, "columns": columns or {},
                           "params": apply(fixed, points[0]), "device": device}, {})
        for point in points:  # every bound, middle and choice is a valid setting
            try:
                TrainConfig.from_kwargs(apply(fixed, point))
            except ConfigError as exc:
                raise _refused(exc, point) from exc
        try:
            resolved, cols, _ = validate_spec(self.ws, spec)
        except ArchError as exc:  # an arch.<key> the model does not take, or not as given
            key = f"arch.{exc.params.get('key')}"
            if isinstance(parsed.get(key), Uniform) and any(
                    isinstance(limits.get(key[5:], (0.0,))[0], int)
                    for limits in ARCH_LIMITS.values()):
                not_int(key, parsed[key])  # type: ignore[arg-type]
            raise _refused(exc, points[0]) from exc
        kind = _model_kind(resolved)
        limits = ARCH_LIMITS.get(kind) or {}
        for key, value in parsed.items():  # a float range on a whole-number arch setting
            if key.startswith("arch.") and isinstance(value, Uniform) and \
                    isinstance(limits.get(key[5:], (0.0,))[0], int):
                not_int(key, value)
        for point in points[1:]:
            try:
                check_arch(kind, apply(fixed, point).get("arch", {}))
            except TrainlabError as exc:
                raise _refused(exc, point) from exc
        metrics = reported(resolved, bool(fixed.get("base_model")) or "base_model" in parsed)
        if metric is None:
            from trainlab.training.plots import main_metric

            metric = main_metric(resolved)
        if metric not in metrics:
            raise ExperimentError("experiment_metric_unknown", metric=str(metric)[:60],
                                  task=resolved, known=", ".join(metrics))
        record = {"id": new_id("exp"), "name": name.strip()[:200], "dataset_id": dataset_id,
                  "task": resolved, "columns": cols, "space": space_json(parsed), "params": fixed,
                  "trials": trials, "metric": metric, "direction": direction or metrics[metric],
                  "max_concurrent": max_concurrent, "strategy": strategy, "pruner": pruner,
                  "seed": int(seed), "device": device}
        self.records.insert(record)
        exp = self.get(record["id"])
        if not self.ws.jobs.scheduler_alive():
            from trainlab import i18n

            exp.note = i18n.render("experiment_no_scheduler", {"id": exp.id,
                                                                "path": str(self.ws.path)})
            if warn:
                warnings.warn(exp.note, stacklevel=2)
        return exp

    def stop(self, experiment_id: str) -> Experiment:
        """Ask for no more trials and stop its queued and running trials (status ``stopped``);
        409 when it has ended already."""
        from trainlab.jobs.driver import advance_one
        from trainlab.jobs.service import JobConflict

        exp = self.get(experiment_id)
        if not self.records.set_status(exp.id, "stopped"):
            raise ExperimentConflict("experiment_not_active", id=exp.id, state=exp.status)
        for trial in self.records.trials(exp.id):
            if trial["state"] == "running" and trial["job_id"]:
                try:
                    self.ws.jobs.stop(trial["job_id"])
                except (JobConflict, NotFoundError):
                    pass  # it ended meanwhile; the scheduler tells how
        # End the trials whose jobs are done now (a queued job is cancelled at once), so that
        # with no scheduler running delete() and wait() still work.
        advance_one(self.ws, exp.id)
        return exp.refresh()

    def delete(self, experiment_id: str, jobs: bool = False) -> None:
        """Delete the record (with ``jobs``: its trial jobs and their files too); 409 while it
        runs (stop it first), and with ``jobs`` while a trial's job resumed by hand runs."""
        exp = self.get(experiment_id)
        if exp.status == "running" or any(t["state"] == "running" for t in exp.trials):
            raise ExperimentConflict("experiment_running", id=exp.id)
        if jobs:
            from trainlab.jobs.service import JobConflict

            ids = [t["job_id"] for t in exp.trials if t["job_id"]]
            for job_id in ids:  # a trial's job resumed by hand: checked before deleting any
                job = self.ws.jobs.records.get(job_id)
                if job is not None and not job.done:
                    raise ExperimentConflict("experiment_job_running", id=exp.id, job=job_id)
            for job_id in ids:
                try:
                    self.ws.jobs.delete(job_id)
                except NotFoundError:
                    pass
                except JobConflict as exc:  # it started meanwhile
                    raise ExperimentConflict("experiment_job_running", id=exp.id,
                                             job=job_id) from exc
        self.records.delete(exp.id)
        import shutil

        from trainlab.jobs.driver import experiment_dir

        shutil.rmtree(experiment_dir(self.ws, exp.id), ignore_errors=True)

    def compare(self, job_ids: list[Any], metric: str | None = None) -> Comparison:
        """Any jobs side by side (``.table``, ``.histories`` aligned on the step); ``metric``
        defaults to the first job's main metric."""
        jobs = [self.ws.jobs.get(getattr(j, "id", j)) for j in job_ids]
        if not jobs:
            raise ExperimentError("experiment_compare_empty")
        if metric is None:
            from trainlab.training.plots import main_metric

            metric = main_metric(jobs[0].task)
        return Comparison(self.ws, jobs, metric)


def _model_kind(task: str) -> str:
    from trainlab.training.tasks import builders

    found = builders().get(task)
    return found.model_kind if found is not None else "custom"


def _refused(exc: TrainlabError, point: dict[str, Any]) -> ExperimentError:
    """The experiment's error for a setting training refused: the space's value when the
    name is searched, else the fixed params'; the training error kept as a nested message
    (rendered in the reader's language)."""
    name = _where(exc, point)
    detail = {"code": exc.code, "params": exc.params}
    if exc.code in ("unknown_parameter", "unknown_arch_key"):
        key = name if exc.code == "unknown_parameter" else f"arch.{exc.params['key']}"
        known = exc.params["known"] if exc.code == "unknown_parameter" else \
            "arch." + exc.params["known"].replace(", ", ", arch.")
        code = "experiment_param_unknown" if key in point else "experiment_params_unknown"
        return ExperimentError(code, name=key[:60], hint="", known=known)
    if name in point:
        return ExperimentError("experiment_value_out_of_range", name=name, detail=detail)
    return ExperimentError("experiment_params_invalid", name=name or "params", detail=detail)


def _where(exc: TrainlabError, point: dict[str, Any]) -> str:
    name = str(exc.params.get("name") or exc.params.get("key") or "")
    return name if name in point else f"arch.{name}" if f"arch.{name}" in point else name


__all__ = ["Best", "Comparison", "Experiment", "ExperimentStore"]
