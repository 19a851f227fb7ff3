"""Jobs side by side: ``ws.experiments.compare(job_ids)`` and the rows of
:meth:`~trainlab.jobs.experiments.Experiment.results` (final and best validation metrics,
duration, status), with the metric histories aligned on the step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from trainlab.jobs.records import Job
    from trainlab.workspace import Workspace

def reported(task: str, base_model: bool = False) -> dict[str, str]:
    """The validation metrics ``task`` reports and which way each improves, as its task class
    declares them (``reports``); with ``base_model``, the pretrained model's task class. Only
    loss for a task without a class."""
    if base_model and task in ("text-classification", "causal-lm"):
        from trainlab.training.hf.tasks import get_pretrained_task

        return dict(get_pretrained_task(task).reports)
    from trainlab.training.tasks import builders

    found = builders().get(task)
    return dict(found.reports) if found is not None else {"loss": "minimize"}


def direction_of(metric: str) -> str:
    """Which way ``metric`` improves (minimize for a metric no task reports)."""
    from trainlab.training.tasks import builders

    for task in builders().values():
        if metric in task.reports:
            return task.reports[metric]
    return "minimize"


class Comparison:
    """Jobs side by side: ``table`` (as :meth:`Experiment.results`, params = each job's
    settings) and ``histories`` (the metric's validation values, one column per job, indexed by
    step; NaN where a job has no value at that step)."""

    def __init__(self, ws: Workspace, jobs: list[Job], metric: str) -> None:
        self.ws, self.jobs, self.metric = ws, jobs, metric
        self.direction = direction_of(metric)
        names = sorted({k for j in jobs for k in j.params})
        rows = [{"job_id": j.id, "name": j.name, "task": j.task,
                 **{k: j.params.get(k) for k in names}, **scores(ws, j, metric),
                 "duration_s": duration(j), "status": j.status} for j in jobs]
        self.table = table_frame(rows, ["job_id", "name", "task", *names], metric)
        self.histories = self.history(metric)

    def history(self, metric: str, split: str = "val") -> pd.DataFrame:
        """``metric`` of ``split`` (val, or train for loss and lr) for every job, aligned on the
        step (the index); NaN where a job has no value."""
        import pandas as pd

        columns = {}
        for job in self.jobs:
            points = {m["step"]: m["value"] for m in self.ws.jobs.records.metrics(job.id, 0)
                      if m["split"] == split and m["name"] == metric}
            columns[job.id] = pd.Series(points, dtype="float64")
        frame = pd.DataFrame(columns).sort_index()
        frame.index.name = "step"
        return frame

    def plot_curves(self, metric: str | None = None) -> Any:
        """The jobs' validation ``metric`` (default: the comparison's) overlaid, the best thick
        (:func:`trainlab.jobs.experiment_plots.plot_curves`); a matplotlib Figure."""
        from trainlab.jobs.experiment_plots import plot_curves

        return plot_curves(self, metric)

    def plot_best_so_far(self) -> Any:
        """The best value so far, the jobs in their order as trials (a matplotlib Figure)."""
        from trainlab.jobs.experiment_plots import plot_best_so_far

        return plot_best_so_far(self)

    def plot_params(self) -> Any:
        """The settings that differ between the jobs against the metric (a Figure)."""
        from trainlab.jobs.experiment_plots import plot_params

        return plot_params(self)

    def _repr_html_(self) -> str:
        from trainlab import display

        header = [display.word("exp_job"), display.word("name"),
                  display.word("exp_best", metric=self.metric),
                  display.word("exp_final", metric=self.metric)]
        rows = [[r["job_id"], r["name"], display.number(r[f"best_{self.metric}"]),
                 display.number(r[f"final_{self.metric}"])]
                for r in self.table.to_dict("records")]
        return display.card(display.word("exp_jobs_compared", count=len(self.jobs)), [],
                            sections=[display.table(header, rows, numeric=(2, 3))])


def scores(ws: Workspace, job: Job | None, first: str) -> dict[str, Any]:
    """final_<m> and best_<m> of every validation metric the job recorded (``first`` first)."""
    out: dict[str, Any] = {f"final_{first}": None, f"best_{first}": None}
    if job is None:
        return out
    series: dict[str, list[float]] = {}
    for m in ws.jobs.records.metrics(job.id, 0):
        if m["split"] == "val" and m["value"] is not None:
            series.setdefault(m["name"], []).append(m["value"])
    for name, values in series.items():
        pick = max if direction_of(name) == "maximize" else min
        out[f"final_{name}"], out[f"best_{name}"] = values[-1], pick(values)
    return out


def metrics_at(ws: Workspace, job_id: str, metric: str, value: float) -> dict[str, Any]:
    """Every validation metric of the job at the first step where ``metric`` was ``value``
    (its best, for :meth:`Experiment.best`); empty when no step has it."""
    rows = [m for m in ws.jobs.records.metrics(job_id, 0) if m["split"] == "val"]
    steps = [m["step"] for m in rows if m["name"] == metric and m["value"] == value]
    return {m["name"]: m["value"] for m in rows if steps and m["step"] == steps[0]}


def duration(job: Job | None) -> float | None:
    """Seconds from the job's start to its end (None while it has not ended)."""
    from datetime import datetime

    if job is None or not job.started_at or not job.finished_at:
        return None
    span = datetime.fromisoformat(job.finished_at) - datetime.fromisoformat(job.started_at)
    return round(span.total_seconds(), 3)


def table_frame(rows: list[dict[str, Any]], first: list[str], metric: str) -> pd.DataFrame:
    """The rows as a DataFrame: ``first``, the metric's final and best, the other metrics'
    (by name), duration_s and status."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=[*first, f"final_{metric}", f"best_{metric}", "duration_s",
                                     "status"])
    scores = sorted(c for c in frame.columns if c.startswith(("final_", "best_"))
                    and c not in (f"final_{metric}", f"best_{metric}"))
    order = [*first, f"final_{metric}", f"best_{metric}", *scores, "duration_s", "status"]
    return frame[[c for c in order if c in frame.columns]]
