"""Every widget a test built is closed after it, so the panels' watcher threads end (a panel's
``close()`` ends its watcher and stops its run); and what the panel tests share."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(autouse=True)
def _close_widgets():
    yield
    try:
        import ipywidgets
    except ImportError:
        return
    ipywidgets.Widget.close_all()


@pytest.fixture()
def table_ds(ws, tmp_path):
    """A 400-row tabular dataset (x, z, color, amount -> label) in the test's workspace."""
    from tests.training.conftest import tabular_rows, write_jsonl

    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows(400)))


def wait_for(condition, seconds: float = 60) -> None:
    """Poll until ``condition()`` (training runs in a thread); fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the panel never got there"
        time.sleep(0.02)


def start_long_run(panel) -> None:
    """Start a run far longer than any test (early stopping off) and wait for its first step."""
    panel.early_stopping.value = 0
    panel.batch_size.value = "8"
    panel.train(max_steps=10**6, log_every=5)
    deadline = time.monotonic() + 60
    while not panel.state and time.monotonic() < deadline:
        time.sleep(0.05)
    assert panel.state, "training did not start"
