"""The training panel's Processes box (devices=N, issue 20): a run in two CPU processes streams
into the panel as a one-process run does, and "Run in background" queues it with devices."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

from trainlab.widgets import TrainPanel


def test_two_processes_stream_into_the_panel(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.devices.value = 2
    panel.device.value = "cpu"
    panel.batch_size.value = "16"
    panel.train(max_steps=12, log_every=2)
    result = panel.wait(240)
    assert result is not None and result.status == "completed", panel.outcome.value
    assert result.config["world_size"] == 2
    assert panel.progress.value == panel.progress.max == 12  # rank 0's steps reached the panel
    assert "<svg" in panel.chart.value and "completed" in panel.outcome.value
    job = ws.jobs.get(result.job_id)
    assert job.runner == "foreground" and job.params["devices"] == 2


def test_run_in_background_asks_for_the_processes(ws, table_ds):
    panel = TrainPanel(table_ds, workspace=ws)
    panel.devices.value = 2
    panel.device.value = "cpu"
    panel.background.click()
    (job,) = ws.jobs.list()
    assert job.status == "queued" and job.params["devices"] == 2
