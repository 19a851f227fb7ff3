"""Job specs are checked once, at submission; records, listing, logs, metrics, delete."""

from __future__ import annotations

import threading
import time
import warnings
from pathlib import Path

import pytest

import trainlab
from tests.jobs.conftest import FAST
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.errors import TrainlabError


@pytest.mark.parametrize(("spec", "code"), [
    ({"task": "translation"}, "unknown_task"),
    ({"dataset_id": "ds_00000000000000000000000000"}, "dataset_not_found"),
    ({"columns": {"target": "nope"}}, "column_not_found"),
    ({"params": {"lr": 99}}, "parameter_out_of_range"),
    ({"params": {"epoch": 2}}, "unknown_parameter"),
    ({"color": "blue"}, "invalid_spec"),
    ({"task": "tabular-regression", "columns": {"target": "color"}}, "not_trainable"),
])
def test_bad_specs_are_refused_before_anything_runs(ws, ds, spec, code) -> None:
    with pytest.raises(TrainlabError) as err:
        ws.jobs.submit({"dataset_id": ds.id, "columns": {"target": "label"}, **spec})
    assert err.value.code == code
    assert ws.jobs.list() == []


def test_an_invalid_dataset_needs_skip_invalid(ws, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", tabular_rows(60))
    with open(path, "a", encoding="utf-8") as f:
        f.write("{broken\n")
    bad = ws.datasets.add(path)
    with pytest.raises(TrainlabError) as err:
        ws.jobs.submit(dataset_id=bad.id, columns={"target": "label"})
    assert err.value.code == "invalid_rows"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = ws.jobs.submit(dataset_id=bad.id, columns={"target": "label"},
                             params={"skip_invalid": True})
    assert job.status == "queued"


def test_submit_with_no_scheduler_says_how_to_start_one(ws, ds) -> None:
    with pytest.warns(UserWarning, match="no scheduler"):
        job = ws.jobs.submit(dataset_id=ds.id, params=FAST)
    assert job.status == "queued" and job.runner == "worker"
    assert job.task == "tabular-classification" and job.columns["target"] == "label"
    assert "python -m trainlab.jobs.scheduler" in job.note
    assert ws.jobs.get(job.id).note == job.note
    stopped = ws.jobs.stop(job.id)  # a queued job is simply cancelled
    assert stopped.status == "stopped" and "Cancelled" in stopped.note


def test_foreground_runs_are_jobs_with_progress_metrics_and_logs(ws, ds) -> None:
    result = trainlab.fit(ds, workspace=ws, max_steps=40, name="in the kernel")
    job = ws.jobs.get(result.job_id)
    assert (job.runner, job.status, job.name) == ("foreground", "completed", "in the kernel")
    assert job.progress["step"] == 40 and job.progress["fraction"] == 1.0
    assert job.params["batch_size"] == result.config["batch_size"]  # every default is recorded
    assert job.metrics["step"] == 40 and job.best_metrics["accuracy"] == result.metrics["accuracy"]
    history = ws.jobs.metrics(job.id)
    assert {(m["split"], m["name"]) for m in history} >= {("train", "loss"), ("train", "lr"),
                                                          ("val", "accuracy")}
    assert [m["step"] for m in history] == sorted(m["step"] for m in history)
    assert all(m["step"] >= 20 for m in ws.jobs.metrics(job.id, since_step=20))
    log = ws.jobs.logs(job.id)
    assert log["text"].splitlines()[0].split(" ", 1)[1].startswith("start: tabular-classification")
    assert "end: completed after 40 steps" in log["text"]
    assert ws.jobs.logs(job.id, offset=log["offset"]) == {"text": "", "offset": log["offset"]}
    assert ws.jobs.list(status="completed")[0].id == job.id


def test_stop_a_foreground_run_from_anywhere(ws, ds) -> None:
    seen = threading.Event()

    class Signal(trainlab.Callback):
        def on_start(self, info):
            self.job_id = info["job_id"]

        def on_step(self, step, *rest):
            time.sleep(0.002)  # every step takes 2 ms at least, however fast the machine
            if step == 20:
                trainlab.Workspace(ws.path).jobs.stop(self.job_id)  # as another process would
                seen.set()

    result = trainlab.fit(ds, workspace=ws, epochs=50, early_stopping=None, log_every=1,
                          callbacks=[Signal()])
    assert seen.is_set() and result.status == "stopped"
    # The stop file is looked at every 20 ms (10 steps here); the store's flag only every
    # 0.5 s (250 steps). A slower machine makes steps longer: fewer steps, never more.
    assert 20 <= result.steps <= 70
    assert ws.jobs.get(result.job_id).status == "stopped"


def test_a_failing_run_is_recorded_with_code_message_and_traceback(ws) -> None:
    import torch

    class Broken(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Linear(2, 2)

        def forward(self, x):
            raise ValueError("my model broke")

    with pytest.raises(ValueError):
        trainlab.fit(model=Broken(), train=(torch.zeros(8, 2), torch.zeros(8).long()),
                     loss=torch.nn.functional.cross_entropy, workspace=ws)
    job = ws.jobs.list()[0]
    assert job.status == "failed" and job.error["code"] == "ValueError"
    assert job.error["message"] == "my model broke" and "forward" in job.error["traceback"]


def test_out_of_memory_is_a_clear_failure(ws) -> None:
    import torch

    class Hungry(torch.nn.Linear):
        def forward(self, x):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    with pytest.raises(TrainlabError) as err:
        trainlab.fit(model=Hungry(2, 2), train=(torch.zeros(8, 2), torch.zeros(8).long()),
                     loss=torch.nn.functional.cross_entropy, workspace=ws, batch_size=4)
    assert err.value.code == "out_of_memory" and "batch_size=4" in str(err.value)
    assert ws.jobs.list()[0].error["code"] == "out_of_memory"


def test_a_full_disk_is_a_clear_error_not_a_hang(ws, ds, monkeypatch) -> None:
    import errno

    import torch

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(TrainlabError) as err:
        trainlab.fit(ds, workspace=ws, max_steps=3)
    assert err.value.code == "write_failed" and "No space left" in str(err.value)
    job = ws.jobs.list()[0]
    assert job.status == "failed" and job.error["code"] == "write_failed"


def test_delete_refuses_running_jobs_and_removes_everything_else(ws, ds) -> None:
    result = trainlab.fit(ds, workspace=ws, max_steps=5)
    folder = ws.jobs_dir / result.job_id
    assert folder.is_dir()
    ws.store.execute("UPDATE jobs SET status='running' WHERE id=?", (result.job_id,))
    with pytest.raises(TrainlabError) as err:
        ws.jobs.delete(result.job_id)
    assert err.value.code == "job_running" and err.value.status == 409
    ws.store.execute("UPDATE jobs SET status='completed' WHERE id=?", (result.job_id,))
    ws.jobs.delete(result.job_id)
    assert not folder.exists() and ws.jobs.list() == []
    assert ws.store.query("SELECT COUNT(*) AS n FROM job_metrics")[0]["n"] == 0
    with pytest.raises(TrainlabError) as err:
        ws.jobs.get(result.job_id)
    assert err.value.code == "job_not_found"


def test_list_pages_with_a_cursor_and_wait_times_out(ws, ds) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids = [ws.jobs.submit(dataset_id=ds.id, params=FAST).id for _ in range(5)]
    first = ws.jobs.list(limit=2)
    second = ws.jobs.list(limit=2, cursor=first[-1].id)
    assert [j.id for j in first + second] == ids[::-1][:4]
    with pytest.raises(TrainlabError) as err:
        ws.jobs.wait(ids[0], timeout=0.2)
    assert err.value.code == "wait_timeout"
    with pytest.raises(TrainlabError) as err:
        ws.jobs.resume(ids[0])
    assert err.value.code == "job_not_resumable"


def test_reading_a_long_history_is_one_indexed_query(ws) -> None:
    plan = ws.store.query("EXPLAIN QUERY PLAN SELECT step, epoch, split, name, value, time FROM "
                          "job_metrics WHERE job_id=? AND step>=? ORDER BY step", ("job_x", 0))
    assert "USING INDEX job_metrics_job_step" in " ".join(r["detail"] for r in plan)
