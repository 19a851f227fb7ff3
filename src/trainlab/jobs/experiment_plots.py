"""The plots of an experiment or a comparison (issue 19, "Plots people expect"), with matplotlib.

:meth:`Experiment.plot_curves <trainlab.jobs.experiments.Experiment.plot_curves>` overlays the
trials' validation curves (the best one thick, pruned ones dashed), ``plot_best_so_far`` draws
the best value by trial number with every trial as a dot, and ``plot_params`` draws the
parameters against the metric: a scatter when one parameter is searched, parallel coordinates
otherwise (log scale for log-uniform ranges, categorical choices evenly spaced). The same three
are methods of :class:`~trainlab.jobs.compare.Comparison` (one "trial" per job, the parameters
that differ between them). Each returns the Figure; with nothing to draw it holds a sentence
saying so. matplotlib is imported only here, when a plot is asked for.
"""

from __future__ import annotations

import math
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.i18n import render

BEST, OTHER, PRUNED = "C3", "C0", "C7"


def runs(source: Any, metric: str | None = None) -> dict[str, Any]:
    """What the plots draw, from an Experiment or a Comparison: ``runs`` (number, label, state,
    value, params, points), the ``metric`` drawn, the source's own metric (``main``) and
    ``direction``, the ``params`` searched and their ``kinds`` (log, linear or choice)."""
    if hasattr(source, "trials"):  # an Experiment
        source.refresh()
        drawn = metric or source.metric
        histories = source.histories(drawn)
        items = [{"number": t["number"], "label": f"#{t['number']}", "state": t["state"],
                  "value": t["value"], "params": t["params"],
                  "points": histories.get(t["number"], [])} for t in source.trials]
        kinds = {name: _kind(spec) for name, spec in source.space.items()}
        return {"runs": items, "metric": drawn, "main": source.metric,
                "direction": source.direction, "params": list(source.space), "kinds": kinds}
    drawn = metric or source.metric
    frame = source.history(drawn)
    best = list(source.table[f"best_{source.metric}"])
    varied = [k for k in sorted({k for j in source.jobs for k in j.params})
              if len({repr(j.params.get(k)) for j in source.jobs}) > 1]
    items = []
    for i, job in enumerate(source.jobs):
        points = [(int(s), float(v)) for s, v in frame[job.id].dropna().items()] \
            if job.id in frame else []
        value = best[i] if best[i] is not None and not _nan(best[i]) else None
        items.append({"number": i, "label": job.name or job.id, "state": str(job.status),
                      "value": value, "params": {k: job.params.get(k) for k in varied},
                      "points": points})
    kinds = {k: _inferred_kind([r["params"][k] for r in items]) for k in varied}
    return {"runs": items, "metric": drawn, "main": source.metric,
            "direction": source.direction, "params": varied, "kinds": kinds}


def best_run(data: dict[str, Any]) -> dict[str, Any] | None:
    """The completed run with the best value of the source's metric (None when there is none)."""
    done = [r for r in data["runs"] if r["state"] == "completed" and r["value"] is not None]
    if not done:
        return None
    pick = max if data["direction"] == "maximize" else min
    return pick(done, key=lambda r: r["value"])


def best_so_far(data: dict[str, Any]) -> list[tuple[int, float]]:
    """(trial number, best value of the completed trials up to it), for each completed trial."""
    pick = max if data["direction"] == "maximize" else min
    out: list[tuple[int, float]] = []
    for r in sorted(data["runs"], key=lambda r: r["number"]):
        if r["state"] == "completed" and r["value"] is not None:
            out.append((r["number"], r["value"] if not out else pick(out[-1][1], r["value"])))
    return out


def plot_curves(source: Any, metric: str | None = None) -> Any:
    """The trials' validation ``metric`` (default: the experiment's) against the step, overlaid:
    the best trial thick and labelled, pruned trials dashed. Returns the matplotlib Figure."""
    plt = _pyplot("plot_curves()")
    data = runs(source, metric)
    drawn = [r for r in data["runs"] if r["points"]]
    if not drawn:
        return _empty(plt, "exp_plot_no_curves", metric=data["metric"])
    best = best_run(data)
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    plt.close(fig)  # returned, not also shown by pyplot at the end of the cell
    for r in sorted(drawn, key=lambda r: r is best):  # the best one on top
        steps, values = zip(*r["points"], strict=True)
        if r is best:
            ax.plot(steps, values, color=BEST, linewidth=2.4, zorder=3, marker="o", markersize=3,
                    label=f"{r['label']} ({_word('exp_plot_best')})")
        else:
            pruned = r["state"] == "pruned"
            ax.plot(steps, values, color=PRUNED if pruned else OTHER, linewidth=1.1, alpha=0.75,
                    linestyle="--" if pruned else "-", marker="o", markersize=2,
                    label=r["label"])  # the dots: a trial pruned at its first evaluation
    ax.set_title(_word("exp_plot_curves", metric=data["metric"]))
    ax.set_xlabel(_word("show_step"))
    ax.set_ylabel(f"val {data['metric']}")
    ax.grid(True, alpha=0.3)
    if len(drawn) <= 12:
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_best_so_far(source: Any) -> Any:
    """The best value of the metric so far, by trial number (a step line over the completed
    trials), every trial with a value as a dot (pruned ones as crosses). Returns the Figure."""
    plt = _pyplot("plot_best_so_far()")
    data = runs(source)
    valued = [r for r in data["runs"] if r["value"] is not None]
    if not valued:
        return _empty(plt, "exp_plot_no_values", metric=data["main"])
    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    plt.close(fig)
    done = [r for r in valued if r["state"] != "pruned"]
    pruned = [r for r in valued if r["state"] == "pruned"]
    if done:
        ax.scatter([r["number"] for r in done], [r["value"] for r in done], color=OTHER,
                   zorder=3, label=_word("exp_plot_trial"))
    if pruned:
        ax.scatter([r["number"] for r in pruned], [r["value"] for r in pruned], color=PRUNED,
                   marker="x", zorder=3, label=_word("exp_plot_pruned"))
    steps = best_so_far(data)
    if steps:
        xs, ys = [x for x, _ in steps], [y for _, y in steps]
        last = max(r["number"] for r in data["runs"])
        ax.plot([*xs, last], [*ys, ys[-1]], color=BEST, linewidth=2, drawstyle="steps-post",
                label=_word("exp_plot_best_so_far"))
    ax.set_title(_word("exp_plot_best_so_far_title", metric=data["main"]))
    ax.set_xlabel(_word("exp_plot_trial_number"))
    ax.set_ylabel(data["main"])
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def plot_params(source: Any) -> Any:
    """The searched parameters against the metric: with one parameter a scatter (log x axis for
    a log-uniform range), with more a parallel-coordinates view, one vertical axis per parameter
    and the metric last, one line per trial coloured by its value (log axes for log-uniform
    ranges, choices evenly spaced). Returns the Figure."""
    plt = _pyplot("plot_params()")
    data = runs(source)
    valued = [r for r in data["runs"] if r["value"] is not None]
    if not valued or not data["params"]:
        key = "exp_plot_no_params" if valued else "exp_plot_no_values"
        return _empty(plt, key, metric=data["main"])
    if len(data["params"]) == 1:
        return _scatter(plt, data, valued, data["params"][0])
    return _parallel(plt, data, valued)


def _scatter(plt: Any, data: dict[str, Any], valued: list[dict[str, Any]], name: str) -> Any:
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    plt.close(fig)
    kind = data["kinds"][name]
    values = [r["params"].get(name) for r in valued]
    if kind == "choice":
        choices = _choices(values)
        xs = [choices.index(repr(v)) for v in values]
        ax.set_xticks(range(len(choices)), [_short(c) for c in choices])
    else:
        xs = values
        if kind == "log":
            ax.set_xscale("log")
    best = best_run(data)
    ax.scatter(xs, [r["value"] for r in valued], zorder=3,
               color=[BEST if r is best else PRUNED if r["state"] == "pruned" else OTHER
                      for r in valued])
    ax.set_xlabel(name)
    ax.set_ylabel(data["main"])
    ax.set_title(_word("exp_plot_params", metric=data["main"]))
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def _parallel(plt: Any, data: dict[str, Any], valued: list[dict[str, Any]]) -> Any:
    names = data["params"]
    columns = []  # per axis: positions in [0, 1] of each run, and its (position, label) ticks
    for name in names:
        values = [r["params"].get(name) for r in valued]
        columns.append(_axis(values, data["kinds"][name]))
    columns.append(_axis([r["value"] for r in valued], "linear"))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.8 * len(columns)), 4.2))
    plt.close(fig)
    low, high = min(r["value"] for r in valued), max(r["value"] for r in valued)
    cmap = plt.get_cmap("viridis")
    best = best_run(data)
    good = 1.0 if data["direction"] == "maximize" else 0.0
    for i, r in enumerate(valued):
        shade = 0.5 if high == low else (r["value"] - low) / (high - low)
        shade = shade if good else 1.0 - shade
        ax.plot(range(len(columns)), [c[0][i] for c in columns],
                color=BEST if r is best else cmap(shade), linewidth=2.4 if r is best else 1.2,
                linestyle="--" if r["state"] == "pruned" else "-", alpha=0.9,
                zorder=3 if r is best else 2, label=r["label"])
    ax.vlines(range(len(columns)), 0, 1, color="0.3", linewidth=1)
    for x, (_, tick_marks) in enumerate(columns):
        for y, label in tick_marks:
            ax.text(x + 0.03, y, label, fontsize="x-small", va="center", ha="left")
    ax.set_xticks(range(len(columns)), [*names, data["main"]])
    ax.set_yticks([])
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(-0.2, len(columns) - 0.6)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(_word("exp_plot_params", metric=data["main"]))
    fig.tight_layout()
    return fig


def _axis(values: list[Any], kind: str) -> tuple[list[float], list[tuple[float, str]]]:
    """The runs' positions in [0, 1] on one axis, and its ticks (position, label)."""
    if kind == "choice":
        choices = _choices(values)
        span = max(1, len(choices) - 1)
        where = {c: (i / span if len(choices) > 1 else 0.5) for i, c in enumerate(choices)}
        return [where[repr(v)] for v in values], [(where[c], _short(c)) for c in choices]
    numbers = [float(v) for v in values]
    scale = (lambda v: math.log10(v)) if kind == "log" else (lambda v: v)
    lo, hi = scale(min(numbers)), scale(max(numbers))

    def place(v: float) -> float:
        return 0.5 if hi == lo else (scale(v) - lo) / (hi - lo)

    marks = sorted({min(numbers), max(numbers)})
    if kind == "log" and hi - lo >= 1:  # the powers of ten in between
        marks = sorted({*marks, *(10.0 ** p for p in range(math.ceil(lo), math.floor(hi) + 1))})
    return [place(v) for v in numbers], [(place(m), f"{m:.3g}") for m in marks]


def _choices(values: list[Any]) -> list[str]:
    """The distinct values in sorted order (numbers by value), as their repr."""
    distinct = {repr(v): v for v in values}
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct.values())
    return sorted(distinct, key=(lambda k: distinct[k]) if numeric else str)


def _short(text: str) -> str:
    return text.strip("'") if len(text) <= 18 else text[:16] + "…"


def _kind(spec: Any) -> str:
    if isinstance(spec, list):
        return "choice"
    if isinstance(spec, dict) and ("loguniform" in spec or spec.get("log")):
        return "log"
    return "linear"


def _inferred_kind(values: list[Any]) -> str:
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) != len(values) or len(set(numbers)) <= 2:
        return "choice"
    return "log" if min(numbers) > 0 and max(numbers) / min(numbers) >= 100 else "linear"


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _empty(plt: Any, key: str, **params: Any) -> Any:
    """A Figure that says, in a sentence, why there is nothing to draw."""
    fig, ax = plt.subplots(figsize=(6.0, 1.6))
    plt.close(fig)
    ax.axis("off")
    ax.text(0.5, 0.5, _word(key, **params), ha="center", va="center", wrap=True)
    return fig


def _pyplot(what: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # ModuleNotFoundError, or a broken install
        raise TrainlabError("matplotlib_missing", what=what) from None
    return plt


def _word(key: str, **params: Any) -> str:
    # English whatever the notebook's language, as training/plots.py does: matplotlib draws
    # Persian letters unjoined and left to right.
    return render(key, params, lang="en")
