"""trainlab.evaluate records an evaluation on the job: listed by ws.jobs.get, deleted with the
job, and a workspace made before the job_evaluations table gains it on open."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import trainlab
from tests.jobs.conftest import FAST, submit_quietly
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.errors import NotFoundError, TrainlabError
from trainlab.workspace.store import MIGRATIONS, Store


@pytest.fixture()
def result(ws: trainlab.Workspace, ds):
    return trainlab.fit(ds, workspace=ws, columns={"target": "label"}, device="cpu", **FAST)


def test_evaluations_are_recorded_and_listed_oldest_first(ws, result, tmp_path: Path) -> None:
    held = ws.datasets.add(write_jsonl(tmp_path / "held.jsonl", tabular_rows(50, seed=9)))
    first = trainlab.evaluate(result.job_id, held, workspace=ws)
    frame = pd.DataFrame(tabular_rows(40, seed=8))
    second = trainlab.evaluate(result, frame)
    third = trainlab.evaluate(ws.jobs.get(result.job_id), held.id, workspace=ws)
    fourth = trainlab.evaluate(trainlab.load_model(result.job_id, workspace=ws), held)
    job = ws.jobs.get(result.job_id)
    stored = ws.datasets.add(frame)  # the frame was stored once: adding it again finds it
    assert [e["dataset_id"] for e in job.evaluations] == [held.id, stored.id, held.id, held.id]
    assert second.dataset_id == stored.id and stored.rows == 40
    assert [e["source"] for e in job.evaluations] == ["dataset"] * 4
    assert job.evaluations[0]["metrics"] == pytest.approx(first.metrics)
    assert job.evaluations[1]["rows"] == second.rows == 40
    assert job.evaluations[2]["metrics"] == pytest.approx(third.metrics)
    assert fourth.metrics == pytest.approx(first.metrics)
    ids = [e["id"] for e in job.evaluations]
    assert ids == sorted(ids) and all(i.startswith("ev_") for i in ids)
    assert job.evaluations[0]["confusion"]["labels"] == ["high", "low"]
    blob = json.loads(json.dumps(job.to_dict()))
    assert len(blob["evaluations"]) == 4
    assert ws.jobs.list()[0].evaluations is None  # lists do not load them


def test_deleting_a_job_deletes_its_evaluations(ws, result) -> None:
    trainlab.evaluate(result.job_id, pd.DataFrame(tabular_rows(30)), workspace=ws)
    count = "SELECT COUNT(*) AS n FROM job_evaluations WHERE job_id=?"
    assert ws.store.query(count, (result.job_id,))[0]["n"] == 1
    ws.jobs.delete(result.job_id)
    assert ws.store.query(count, (result.job_id,))[0]["n"] == 0


def test_a_job_without_a_model_or_an_unknown_one(ws, ds) -> None:
    job = submit_quietly(ws, ds)
    with pytest.raises(TrainlabError) as info:
        trainlab.evaluate(job.id, ds, workspace=ws)
    assert info.value.code == "model_not_ready" and info.value.status == 409
    with pytest.raises(NotFoundError):
        trainlab.evaluate("job_01jd3m1x6r8kq2w9v4zt0b5c7e", ds, workspace=ws)
    with pytest.raises(TrainlabError) as info:
        trainlab.evaluate(42, ds, workspace=ws)
    assert info.value.code == "eval_no_model" and "int" in str(info.value)


def test_an_older_workspace_gains_the_table(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    old = Store(root / "trainlab.db", MIGRATIONS[:2])  # the schema before issue 21
    old.execute("INSERT INTO jobs (id, name, task, status, runner, created_at) VALUES"
                " ('job_01jd3m1x6r8kq2w9v4zt0b5c7e', 'old', 'tabular', 'failed', 'worker', 'x')")
    assert old.version == 2
    old.close()
    ws = trainlab.Workspace(root)
    assert ws.store.version == len(MIGRATIONS) >= 3
    job = ws.jobs.get("job_01jd3m1x6r8kq2w9v4zt0b5c7e")
    assert job.name == "old" and job.evaluations == []


def test_a_model_outside_a_job_cannot_be_recorded(ws, result, tmp_path: Path) -> None:
    import shutil

    copy = shutil.copytree(result.model_path, tmp_path / "elsewhere" / "model")
    model = trainlab.load_model(copy)
    frame = pd.DataFrame(tabular_rows(20))
    with pytest.raises(TrainlabError) as info:
        trainlab.evaluate(model, frame)
    assert info.value.code == "eval_no_job" and "model.evaluate(data)" in str(info.value)
    assert model.evaluate(frame).rows == 20  # evaluating without recording works
    assert ws.jobs.get(result.job_id).evaluations == []


def test_a_custom_model_cannot_be_evaluated_from_data(ws) -> None:
    import torch
    import torch.nn.functional as F
    from torch import nn

    x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    result = trainlab.fit(model=nn.Linear(2, 2), train=(x, (x[:, 0] > 0).long()),
                          loss=F.cross_entropy, workspace=ws, epochs=1, batch_size=32)
    assert result.task == "custom"
    for source in (result.job_id, result, ws.jobs.get(result.job_id)):
        with pytest.raises(TrainlabError) as info:
            trainlab.evaluate(source, pd.DataFrame(tabular_rows(10)), workspace=ws)
        assert info.value.code == "eval_custom_model"
        text = str(info.value)
        assert "cannot evaluate a custom model from data" in text and "load_model" not in text
    assert ws.jobs.get(result.job_id).evaluations == [] and ws.datasets.list() == []
