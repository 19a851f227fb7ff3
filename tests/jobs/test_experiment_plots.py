"""The experiment plots (issue 19, "Plots people expect"): trial curves overlaid, best so far,
parameters against the metric, on an Experiment and on a comparison; an empty one says why.
One small workspace for the module: three tiny searches run once by a real scheduler."""

from __future__ import annotations

import math
import warnings

import pytest

pytest.importorskip("matplotlib")

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.jobs import Scheduler

GOOD, BAD = [0.05, 0.1], [1e-7, 2e-7]
LONG = {"max_steps": 80, "eval_every": 5, "early_stopping": None, "batch_size": 16,
        "log_every": 1}
FAST = {"max_steps": 6, "eval_every": 3, "batch_size": 32}
COLUMNS = {"target": "label"}


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """(ws, pruned grid search on lr, a 3-parameter random search, a 1-parameter log search)."""
    root = tmp_path_factory.mktemp("plots")
    ws = trainlab.Workspace(root / "ws")
    ds = ws.datasets.add(write_jsonl(root / "table.jsonl", tabular_rows(300)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = ws.experiments.create("grid", ds, columns=COLUMNS, space={"lr": GOOD + BAD},
                                     strategy="grid", trials=4, max_concurrent=2, params=LONG,
                                     seed=3)
        wide = ws.experiments.create(
            "wide", ds, columns=COLUMNS, trials=4, strategy="random", pruner="none",
            space={"lr": trainlab.loguniform(1e-4, 1e-1), "arch.hidden": [16, 32],
                   "arch.dropout": trainlab.uniform(0.0, 0.3)}, params=FAST, seed=1)
        single = ws.experiments.create("single", ds, columns=COLUMNS, trials=2, strategy="random",
                                       pruner="none", space={"lr": trainlab.loguniform(1e-4, 1e-1)},
                                       params=FAST, metric="loss")
    scheduler = Scheduler(ws, gpus=[], poll_s=0.05, max_concurrent=3).start()
    try:
        for exp in (grid, wide, single):
            exp.wait(timeout=300)
    finally:
        scheduler.close(timeout=10)
    return ws, grid, wide, single


def texts(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_curves_overlay_the_trials_best_thick_pruned_dashed(searched) -> None:
    ws, grid, _, _ = searched
    states = {t["number"]: t["state"] for t in grid.trials}
    assert "pruned" in states.values()  # the hopeless lrs were stopped early
    best = grid.best()
    fig = grid.plot_curves()
    ax = fig.axes[0]
    assert len(ax.lines) == 4
    by_label = {line.get_label().split()[0]: line for line in ax.lines}
    top = next(t for t in grid.trials if t["job_id"] == best.job.id)["number"]
    assert by_label[f"#{top}"].get_label() == f"#{top} (best)"
    assert by_label[f"#{top}"].get_linewidth() > max(
        line.get_linewidth() for line in ax.lines if line is not by_label[f"#{top}"])
    for number, state in states.items():
        assert (by_label[f"#{number}"].get_linestyle() == "--") == (state == "pruned")
    steps = [m["step"] for m in ws.jobs.metrics(best.job.id)
             if m["split"] == "val" and m["name"] == "accuracy"]
    assert list(by_label[f"#{top}"].get_xdata()) == steps
    assert ax.get_xlabel() == "Step" and ax.get_ylabel() == "val accuracy"
    loss = grid.plot_curves("loss").axes[0]
    assert loss.get_ylabel() == "val loss" and len(loss.lines) == 4


def test_best_so_far_is_the_running_best_of_the_completed_trials(searched) -> None:
    _, grid, _, _ = searched
    fig = grid.plot_best_so_far()
    ax = fig.axes[0]
    valued = [t for t in grid.trials if t["value"] is not None]
    dots = sum(len(c.get_offsets()) for c in ax.collections)
    assert dots == len(valued) == 4  # every trial as a dot (a pruned one has its last value)
    (line,) = ax.lines
    running, expected = None, []
    for t in grid.trials:
        if t["state"] == "completed":
            running = t["value"] if running is None else max(running, t["value"])
            expected.append(running)
    assert list(line.get_ydata())[:len(expected)] == expected
    assert line.get_ydata()[-1] == grid.best().value
    assert ax.get_xlabel() == "Trial" and ax.get_ylabel() == "accuracy"


def test_params_of_one_list_are_evenly_spaced_choices(searched) -> None:
    _, grid, _, _ = searched
    ax = grid.plot_params().axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in sorted(GOOD + BAD)]
    assert list(ax.get_xticks()) == [0, 1, 2, 3] and ax.get_xlabel() == "lr"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 4


def test_params_of_one_log_range_scatter_on_a_log_axis(searched) -> None:
    _, _, _, single = searched
    ax = single.plot_params().axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "lr" and ax.get_ylabel() == "loss"
    xs = sorted(float(x) for x, _ in ax.collections[0].get_offsets())
    assert xs == pytest.approx(sorted(t["params"]["lr"] for t in single.trials))


def test_params_of_many_are_parallel_coordinates_with_log_axes(searched) -> None:
    _, _, wide, _ = searched
    ax = wide.plot_params().axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lr", "arch.hidden", "arch.dropout",
                                                            "accuracy"]
    assert len(ax.lines) == 4  # one line per trial
    lrs = [t["params"]["lr"] for t in wide.trials]
    lo, hi = math.log10(min(lrs)), math.log10(max(lrs))
    for trial, line in zip(wide.trials, sorted(ax.lines, key=lambda x: int(x.get_label()[1:])),
                           strict=True):
        y = line.get_ydata()
        assert y[0] == pytest.approx((math.log10(trial["params"]["lr"]) - lo) / (hi - lo))
        hidden = {trial["params"]["arch.hidden"] for trial in wide.trials}
        assert y[1] == (0.5 if len(hidden) == 1 else
                        0.0 if trial["params"]["arch.hidden"] == 16 else 1.0)
    ticks = {t.get_text(): t.get_position() for t in ax.texts if t.get_position()[0] < 0.5}
    if hi - lo >= 1:  # a power of ten between the ends sits where a log axis puts it
        decade = next(10.0 ** p for p in range(math.ceil(lo), math.floor(hi) + 1))
        assert ticks[f"{decade:.3g}"][1] == pytest.approx((math.log10(decade) - lo) / (hi - lo))
    hidden = sorted(t.get_text() for t in ax.texts if 1 < t.get_position()[0] < 1.5)
    assert set(hidden) <= {"16", "32"} and hidden


def test_a_comparison_draws_its_jobs(searched) -> None:
    ws, _, wide, _ = searched
    cmp = ws.experiments.compare([t["job_id"] for t in wide.trials])
    curves = cmp.plot_curves().axes[0]
    assert len(curves.lines) == 4 and sum("(best)" in x.get_label() for x in curves.lines) == 1
    assert sum(len(c.get_offsets()) for c in cmp.plot_best_so_far().axes[0].collections) == 4
    labels = [t.get_text() for t in cmp.plot_params().axes[0].get_xticklabels()]
    assert labels[-1] == "accuracy" and "lr" in labels and "arch" in labels


def test_an_experiment_with_no_trials_says_so(searched, recwarn) -> None:
    ws, grid, _, _ = searched
    empty = ws.experiments.create("empty", grid.record["dataset_id"], columns=COLUMNS,
                                  space={"lr": [0.01]}, trials=1, warn=False)
    assert "no trial has reported validation accuracy" in texts(empty.plot_curves())
    assert "no trial has a value of accuracy" in texts(empty.plot_best_so_far())
    assert "no trial has a value of accuracy" in texts(empty.plot_params())
    empty.stop()
