"""Loss and metric curves with matplotlib, for ``result.plot()`` and ``ws.jobs.plot(job_id)``.

Both hand over plain metric rows, as ``ws.jobs.metrics(job_id)`` gives them
(``{"step", "epoch", "split", "name", "value"}``, split ``train`` or ``val``), so a finished
run and a job still running are drawn the same way. matplotlib is imported only here, when a
plot is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.i18n import render

SMOOTH_FROM = 30  # with this many training points or more, an EMA line is drawn over them
SMOOTHING = 0.9   # the EMA's weight on the past


def result_rows(train_history: Iterable[dict[str, Any]],
                history: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of a :class:`~trainlab.training.result.TrainResult`: its training losses
    (``train_history``) and each evaluation's metrics (``history``), as metric rows."""
    rows = [{"step": h["step"], "epoch": h.get("epoch"), "split": "train", "name": "loss",
             "value": h.get("loss")} for h in train_history]
    for evaluation in history:
        rows += [{"step": evaluation["step"], "epoch": evaluation.get("epoch"), "split": "val",
                  "name": name, "value": value} for name, value in evaluation.items()
                 if name not in ("step", "epoch")]
    return rows


def main_metric(task: str | None) -> str:
    """The metric a task keeps its best model by (``loss`` for a custom or unknown task)."""
    from trainlab.training.tasks import builders

    found = builders().get(task or "")
    return found.main_metric if found is not None else "loss"


def selection_metric(task: str | None) -> str:
    """The metric early stopping and the kept weights follow (the task's ``select_metric``,
    else its main metric; ``loss`` for a custom or unknown task)."""
    from trainlab.training.tasks import builders

    found = builders().get(task or "")
    if found is None:
        return "loss"
    return getattr(found, "select_metric", None) or found.main_metric


def series(rows: Iterable[dict[str, Any]], split: str, name: str) -> tuple[list[float], list[float]]:
    """Steps and values of one metric, in step order, the missing and non-finite left out."""
    points = sorted((float(r["step"]), float(r["value"])) for r in rows
                    if r.get("split") == split and r.get("name") == name
                    and isinstance(r.get("value"), int | float) and math.isfinite(r["value"]))
    return [p[0] for p in points], [p[1] for p in points]


def ema(values: Sequence[float], weight: float = SMOOTHING) -> list[float]:
    """Exponential moving average, bias-corrected (as TensorBoard smooths) so it starts on the
    first value instead of at zero."""
    out, average = [], 0.0
    for i, value in enumerate(values, 1):
        average = weight * average + (1 - weight) * value
        out.append(average / (1 - weight ** i))
    return out


def plot_metrics(rows: Sequence[dict[str, Any]], *, main: str | None = None,
                 title: str | None = None, what: str = "plot()") -> Any:
    """A matplotlib Figure: training loss (raw, and smoothed when there are many points) and
    validation loss against the step on the left axes; the main metric (``main``, or the first
    validation metric besides the loss) on the right one when there is one.

    ``what`` names the caller in the error raised when matplotlib is not installed.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # ModuleNotFoundError, or a broken install
        raise TrainlabError("matplotlib_missing", what=what) from None
    train_x, train_y = series(rows, "train", "loss")
    val_x, val_y = series(rows, "val", "loss")
    names = [r["name"] for r in rows if r.get("split") == "val" and r.get("name") != "loss"]
    metric = main if main and main != "loss" else None
    if metric is None or metric not in names:
        metric = next(iter(dict.fromkeys(names)), None)
    metric_x, metric_y = series(rows, "val", metric) if metric else ([], [])
    columns = 2 if metric_x else 1
    fig, axes = plt.subplots(1, columns, figsize=(5.2 * columns, 3.6), squeeze=False)
    plt.close(fig)  # returned, not also shown by pyplot at the end of the cell
    loss_ax = axes[0][0]
    smooth = len(train_y) >= SMOOTH_FROM
    if train_x:
        loss_ax.plot(train_x, train_y, color="C0", alpha=0.35 if smooth else 1.0, linewidth=1,
                     label=_word("show_train_loss"))
    if smooth:
        loss_ax.plot(train_x, ema(train_y), color="C0", linewidth=1.8,
                     label=_word("show_smoothed"))
    if val_x:
        loss_ax.plot(val_x, val_y, color="C1", marker="o", markersize=3, linewidth=1.5,
                     label=_word("show_val_loss"))
    loss_ax.set_title(_word("show_loss_chart"))
    loss_ax.set_xlabel(_word("show_step"))
    loss_ax.set_ylabel(_word("show_loss_chart"))
    loss_ax.grid(True, alpha=0.3)
    if train_x or val_x:
        loss_ax.legend()
    if metric_x:
        metric_ax = axes[0][1]
        metric_ax.plot(metric_x, metric_y, color="C2", marker="o", markersize=3, linewidth=1.5,
                       label=f"val {metric}")
        metric_ax.set_title(str(metric))
        metric_ax.set_xlabel(_word("show_step"))
        metric_ax.set_ylabel(str(metric))
        metric_ax.grid(True, alpha=0.3)
        metric_ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _word(key: str) -> str:
    # English whatever the notebook's language: matplotlib draws Persian letters unjoined and
    # left to right, which would be harder to read than the English words.
    return render(key, lang="en")
