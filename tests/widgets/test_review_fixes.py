"""Issue 18's review findings, each driven as a user drives the panels and asserted on what
they show (helper G)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("ipywidgets")

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl
from tests.widgets.persian import latin_words, widget_texts
from trainlab.widgets import JobsPanel, TrainPanel


@pytest.fixture()
def table_ds(ws, tmp_path):
    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows(400)))


def running(panel: TrainPanel) -> None:
    """Start a long run and wait for its first step."""
    panel.early_stopping.value = 0
    panel.batch_size.value = "8"
    panel.train(max_steps=10**6, log_every=5)
    deadline = time.monotonic() + 60
    while not panel.state and time.monotonic() < deadline:
        time.sleep(0.05)
    assert panel.state, "training did not start"


# -- 1: a closed panel stops its run -----------------------------------------------------------
def test_closing_the_panel_stops_its_run_with_a_checkpoint(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    running(panel)
    asked = time.monotonic()
    panel.close()
    assert time.monotonic() - asked < 5 and not panel.thread.is_alive()
    assert panel.result.status == "stopped" and panel.result.checkpoint_path
    assert ws.jobs.get(panel.result.job_id).status == "stopped"


def test_closing_ui_stops_the_training_tab_run(ws, table_ds):
    tabs = trainlab.ui(ws)
    train = tabs.panels[1]
    train.picker.value = table_ds.id
    running(train)
    asked = time.monotonic()
    tabs.close()
    assert time.monotonic() - asked < 5 and not train.thread.is_alive()
    assert train.result.status == "stopped" and train.result.checkpoint_path
    watchers = [p.watcher for p in (tabs.panels[0], tabs.panels[2]) if p.watcher]
    for watcher in watchers:
        watcher._thread.join(5)
    assert not any(watcher.alive for watcher in watchers)


# -- 2: the panel's runs are named in its language ---------------------------------------------
def test_the_persian_jobs_tab_names_the_panels_runs_in_persian(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws, lang="fa")
    panel.batch_size.value = "32"
    panel.train(max_steps=5, log_every=5)
    result = panel.wait(120)
    assert result.status == "completed"
    job = panel.submit()
    assert ws.jobs.get(result.job_id).name.endswith(" روی table.jsonl")
    assert ws.jobs.get(job.id).name == ws.jobs.get(result.job_id).name
    jobs = JobsPanel(ws, lang="fa")
    assert latin_words(widget_texts(jobs), allowed={"table", "jsonl"}) == []
    assert "روی" in jobs.rows[job.id].view.value
    english = TrainPanel(table_ds, workspace=ws)
    assert english.submit() is not None
    assert ws.jobs.list()[0].name.endswith(" on table.jsonl")
