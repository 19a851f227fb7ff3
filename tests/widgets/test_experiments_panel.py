"""The Experiments panel (issue 19): it lists the workspace's experiments, shows the chosen
one's leaderboard as its trials run (best highlighted) with a best-so-far chart, its Stop button
stops the experiment, and a Persian panel speaks Persian. Driven as a user drives it."""

from __future__ import annotations

import re
import time
import warnings

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.widgets.persian import latin_words, widget_texts
from tests.widgets.test_panels import plain
from trainlab.jobs import Scheduler
from trainlab.widgets import ExperimentsPanel

COLUMNS = {"target": "label"}
FAST = {"max_steps": 6, "eval_every": 3, "batch_size": 32}
SLOW = {"max_steps": 5000, "eval_every": 5, "early_stopping": None, "batch_size": 16,
        "log_every": 1}


def until(condition, seconds: float = 120.0) -> bool:
    """Wait for what a background thread shows (not a timing assertion: a deadline)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def create(ws, ds, name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ws.experiments.create(name, ds, columns=COLUMNS, **kwargs)


def rows(panel) -> list[str]:
    return [plain(r) for r in re.findall(r"<tr.*?</tr>", panel.leaderboard.value)[1:]]


@pytest.fixture()
def scheduler(ws):
    made = []

    def start(**kwargs):
        s = Scheduler(ws, gpus=[], poll_s=0.05, **kwargs).start()
        made.append(s)
        return s

    yield start
    for s in made:
        s.close(timeout=10)


def test_lists_experiments_and_follows_a_search_to_its_end(ws, table_ds, scheduler) -> None:
    panel = ExperimentsPanel(ws, refresh_s=0.05, check_s=0.05)
    assert "No experiments yet" in plain(panel.empty.value) and panel.refreshing
    exp = create(ws, table_ds, "lr search", space={"lr": [0.05, 0.1, 0.02]}, strategy="grid",
                 trials=3, params=FAST, pruner="none", max_concurrent=1)
    assert until(lambda: exp.id in [v for _, v in panel.picker.options]), panel.picker.options
    assert panel.empty.value == "" and ("lr search — running", exp.id) in panel.picker.options
    panel.picker.value = exp.id
    assert "No trials yet" in plain(panel.leaderboard.value)
    assert not panel.stop_button.disabled
    scheduler(max_concurrent=1)
    assert until(lambda: any("running" in r for r in rows(panel))), panel.leaderboard.value
    exp.wait(timeout=180)
    assert until(lambda: not panel.active and len(rows(panel)) == 3 and
                 all("completed" in r for r in rows(panel))), panel.leaderboard.value
    best = exp.best()
    top = next(t for t in exp.trials if t["job_id"] == best.job.id)
    highlighted = re.findall(r"<tr[^>]*trainlab-best.*?</tr>", panel.leaderboard.value)
    assert len(highlighted) == 1 and f"#{top['number']} ★ best" in plain(highlighted[0])
    assert rows(panel)[0].startswith(f"#{top['number']}")  # best first
    for trial in exp.trials:  # every trial: its job, state, value and lr
        line = next(r for r in rows(panel) if r.startswith(f"#{trial['number']}"))
        assert trial["job_id"] in line and f"{trial['value']:.4g}"[:5] in line
        assert str(trial["params"]["lr"]) in line
    assert "completed" in plain(panel.summary.value) and "3/3" in plain(panel.summary.value)
    assert panel.stop_button.disabled  # it has ended
    chart = panel.chart.value
    assert chart.startswith("<svg") and chart.count("<polyline") == 2
    assert chart.count("<circle") == 3 and "best so far" in chart

    fa = ExperimentsPanel(ws, lang="fa", auto_refresh=False)
    fa.picker.value = exp.id
    assert latin_words(widget_texts(fa), {"lr", "search"}) == []
    text = plain(fa.leaderboard.value + fa.summary.value)
    for word in ("کامل‌شده", "بهترین", "دقت", "آزمون"):
        assert word in text, word
    assert "dir='rtl'" in fa.leaderboard.value


def test_the_stop_button_stops_the_experiment_and_its_trials(ws, table_ds, scheduler) -> None:
    exp = create(ws, table_ds, "long", space={"lr": trainlab.loguniform(1e-3, 1e-1)},
                 trials=6, strategy="random", params=SLOW, max_concurrent=2)
    panel = ExperimentsPanel(ws, refresh_s=0.05, check_s=0.05)
    panel.picker.value = exp.id
    scheduler(max_concurrent=2)
    assert until(lambda: sum(ws.jobs.get(t["job_id"]).status == "running"
                             for t in exp.refresh().trials if t["job_id"]) == 2)
    panel.stop_button.click()
    assert exp.refresh().status == "stopped"
    exp.wait(timeout=60)
    assert len(exp.trials) == 2 and {t["state"] for t in exp.trials} == {"stopped"}
    assert until(lambda: len(rows(panel)) == 2 and all("stopped" in r for r in rows(panel)))
    assert panel.stop_button.disabled
    panel.stop()  # once more: the conflict shows in the panel, not as a traceback
    assert "is already stopped; there is nothing to stop" in plain(panel.message.value)


def test_a_persian_panel_with_nothing_speaks_persian(ws) -> None:
    panel = ExperimentsPanel(ws, lang="fa", auto_refresh=False)
    assert latin_words(widget_texts(panel)) == []
    assert "هنوز آزمایشی نیست" in plain(panel.empty.value)
