"""result.plot() and ws.jobs.plot(job_id): matplotlib figures of the recorded curves."""

from __future__ import annotations

import sys
import time

import matplotlib
import pytest

from tests.training.test_reprs import running_job
from trainlab.errors import TrainlabError
from trainlab.training.plots import SMOOTH_FROM, ema

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("TRAINLAB_LANG", "en")


def lines(ax) -> dict[str, tuple[list[float], list[float]]]:
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
            for line in ax.get_lines()}


def test_result_plot_draws_the_recorded_losses_and_metric(trained) -> None:
    from matplotlib.figure import Figure

    _, _, result = trained
    fig = result.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, metric_ax = fig.axes
    drawn = lines(loss_ax)
    train = result.train_history
    assert drawn["train loss"] == ([h["step"] for h in train], [h["loss"] for h in train])
    assert drawn["validation loss"] == ([h["step"] for h in result.history],
                                        [h["loss"] for h in result.history])
    assert "train loss (smoothed)" not in drawn  # too few points to smooth
    assert lines(metric_ax)["val accuracy"][1] == [h["accuracy"] for h in result.history]
    assert loss_ax.get_xlabel() == "Step" and loss_ax.get_title() == "Loss"
    assert metric_ax.get_title() == "accuracy" and loss_ax.get_legend() is not None
    assert result.job_id in fig._suptitle.get_text()


def test_jobs_plot_draws_what_the_job_recorded(trained) -> None:
    ws, _, result = trained
    rows = ws.jobs.metrics(result.job_id)
    fig = ws.jobs.plot(result.job_id)
    drawn = lines(fig.axes[0])
    train = [r for r in rows if r["split"] == "train" and r["name"] == "loss"]
    assert drawn["train loss"][1] == [r["value"] for r in train]
    # the result's own training losses are the ones the job recorded
    assert [h["loss"] for h in result.train_history] == pytest.approx([r["value"] for r in train])
    val = [r["value"] for r in rows if r["split"] == "val" and r["name"] == "accuracy"]
    assert lines(fig.axes[1])["val accuracy"][1] == val


def test_jobs_plot_of_a_running_job_smooths_many_points(trained) -> None:
    ws, ds, _ = trained
    job = running_job(ws, ds, "running")
    now = time.time()
    losses = [1.0 / (1 + step) + (0.1 if step % 2 else 0.0) for step in range(1, 51)]
    ws.jobs.records.append_metrics(
        [(job.id, step, 0, "train", "loss", value, now) for step, value in enumerate(losses, 1)]
        + [(job.id, 25, 0, "val", "loss", 0.3, now), (job.id, 25, 0, "val", "accuracy", 0.6, now)])
    assert len(losses) >= SMOOTH_FROM
    fig = ws.jobs.plot(job.id)
    drawn = lines(fig.axes[0])
    assert drawn["train loss"] == (list(range(1, 51)), losses)
    assert drawn["train loss (smoothed)"][1] == pytest.approx(ema(losses))
    assert drawn["validation loss"] == ([25], [0.3])
    assert lines(fig.axes[1])["val accuracy"] == ([25], [0.6])


def test_a_job_with_nothing_recorded_yet_still_plots(trained) -> None:
    ws, ds, _ = trained
    job = running_job(ws, ds, "just started")
    fig = ws.jobs.plot(job.id)
    assert len(fig.axes) == 1 and fig.axes[0].get_lines() == []


def test_ema_starts_on_the_first_value() -> None:
    assert ema([2.0, 2.0, 2.0]) == pytest.approx([2.0, 2.0, 2.0])
    assert ema([0.0, 10.0], 0.5) == pytest.approx([0.0, 10.0 * 0.5 / 0.75])


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_without_matplotlib_the_error_says_how_to_install_it(trained, monkeypatch, lang) -> None:
    ws, _, result = trained
    monkeypatch.setenv("TRAINLAB_LANG", lang)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    for call, what in ((result.plot, "result.plot()"),
                       (lambda: ws.jobs.plot(result.job_id), "ws.jobs.plot()")):
        with pytest.raises(TrainlabError) as caught:
            call()
        assert caught.value.code == "matplotlib_missing"
        message = caught.value.message(lang)
        assert "pip install matplotlib" in message and what in message
        assert ("نصب" in message) == (lang == "fa")
