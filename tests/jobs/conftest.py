"""A workspace with a small tabular dataset, and a scheduler that is always closed."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import pytest

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.jobs import Scheduler

FAST = {"max_steps": 5, "batch_size": 32}
SLOW = {"epochs": 400, "batch_size": 16, "early_stopping": None, "checkpoint_every": 20,
        "log_every": 1}


def submit_quietly(ws: trainlab.Workspace, ds, **params):
    """Queue a tabular job on ``ds`` without the no-scheduler warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, params=params)


@pytest.fixture()
def ds(ws: trainlab.Workspace, tmp_path: Path):
    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows(300)))


@pytest.fixture()
def scheduler(ws: trainlab.Workspace):
    made: list[Scheduler] = []

    def make(**kwargs) -> Scheduler:
        kwargs.setdefault("gpus", [])
        kwargs.setdefault("poll_s", 0.05)
        s = Scheduler(ws, **kwargs).start()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close(timeout=10)


def wait_until(predicate, timeout: float = 60.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting")


def gone(pid: int) -> bool:
    """No process has this pid any more (a process of a job's ranks, say)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
