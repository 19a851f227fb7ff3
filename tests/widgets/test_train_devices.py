"""The training panel's Processes box (devices=N, issue 20): a run in two CPU processes streams
into the panel as a one-process run does and its Stop stops them, and "Run in background"
queues it with devices."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

from tests.widgets.conftest import wait_for
from trainlab.widgets import TrainPanel


def test_two_processes_stream_into_the_panel_and_stop(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.devices.value = 2
    panel.device.value = "cpu"
    panel.batch_size.value = "8"
    panel.early_stopping.value = 0
    panel.train(epochs=10**4, max_steps=10**6, log_every=2)  # far longer than the test
    wait_for(lambda: panel.progress.value >= 6, 240)  # rank 0's steps reach the panel
    assert "<svg" in panel.chart.value
    panel.stop.click()  # the Stop button: every rank stops at one step, one checkpoint
    result = panel.wait(60)
    assert result is not None and result.status == "stopped", panel.outcome.value
    assert result.config["world_size"] == 2 and result.checkpoint_path
    assert "stopped" in panel.outcome.value
    job = ws.jobs.get(result.job_id)
    assert job.runner == "foreground" and job.status == "stopped" and job.params["devices"] == 2


def test_run_in_background_asks_for_the_processes(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.devices.value = 2
    panel.device.value = "cpu"
    panel.background.click()
    (job,) = ws.jobs.list()
    assert job.status == "queued" and job.params["devices"] == 2
