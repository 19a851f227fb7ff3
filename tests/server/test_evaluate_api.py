"""POST jobs/{id}/evaluate: scores the job's model on a stored dataset and records it (listed by
GET jobs/{id}); 404 for an unknown job or dataset, 409 without a model, 422 when the dataset lacks
the model's columns, 403 for a user without the jobs permission; in openapi.json."""

from __future__ import annotations

import json

import pytest

import trainlab
from tests.server.test_jobs_api import csv_bytes
from trainlab.jobs.records import Records
from trainlab.server.openapi import document
from trainlab.server.routes import ROUTES
from trainlab.workspace import new_id


async def trained_job(api, app) -> tuple[str, str]:
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "t.csv"})
    assert code == 201
    result = trainlab.fit(ds["id"], workspace=app.workspace, columns={"target": "label"},
                          max_steps=5, device="cpu")
    return result.job_id, ds["id"]


async def test_evaluate_records_and_lists(api, app):
    job_id, dataset_id = await trained_job(api, app)
    code, held = await api("POST", "datasets", raw=csv_bytes(80), params={"filename": "h.csv"})
    assert code == 201
    code, out = await api("POST", f"jobs/{job_id}/evaluate", {"dataset_id": held["id"]})
    assert code == 200, out
    assert out["task"] == "tabular-classification" and out["dataset_id"] == held["id"]
    assert out["rows"] == out["rows_scored"] == 80 and out["id"].startswith("ev_")
    assert set(out["metrics"]) == {"accuracy", "macro_f1", "log_loss"}
    assert sum(map(sum, out["confusion"]["matrix"])) == 80
    here = trainlab.load_model(job_id, workspace=app.workspace).evaluate(held["id"],
                                                                          workspace=app.workspace)
    assert out["metrics"] == pytest.approx(here.metrics)
    code, job = await api("GET", f"jobs/{job_id}")
    assert code == 200 and [e["id"] for e in job["evaluations"]] == [out["id"]]
    code, page = await api("GET", "jobs")
    assert code == 200 and page["items"][0]["evaluations"] is None


async def test_evaluate_errors(api, app):
    job_id, dataset_id = await trained_job(api, app)
    unknown_ds = new_id("ds")
    code, body = await api("POST", f"jobs/{new_id('job')}/evaluate", {"dataset_id": dataset_id})
    assert code == 404 and body["error"]["code"] == "job_not_found"
    code, body = await api("POST", f"jobs/{job_id}/evaluate", {"dataset_id": unknown_ds})
    assert code == 404 and body["error"]["code"] == "dataset_not_found"
    queued = new_id("job")
    Records(app.workspace).insert(queued, name="q", task="tabular", dataset_id=None, columns={},
                                  params={}, device="cpu", status="queued", runner="worker")
    code, body = await api("POST", f"jobs/{queued}/evaluate", {"dataset_id": dataset_id})
    assert code == 409 and body["error"]["code"] == "model_not_ready"
    code, other = await api("POST", "datasets", raw=b"x,label\n1,a\n2,b\n",
                            params={"filename": "o.csv"})
    code, body = await api("POST", f"jobs/{job_id}/evaluate", {"dataset_id": other["id"]})
    assert code == 422 and body["error"]["code"] == "eval_missing_columns"
    assert "z, color" in body["error"]["message"]
    code, body = await api("POST", f"jobs/{job_id}/evaluate", {"nope": 1})
    assert code in (400, 422)
    assert app.workspace.jobs.get(job_id).evaluations == []


async def test_a_user_without_the_jobs_permission_is_refused(jp_serverapp, api, app):
    from jupyter_server.auth.authorizer import Authorizer

    job_id, dataset_id = await trained_job(api, app)

    class NoJobs(Authorizer):
        def is_authorized(self, handler, user, action, resource):
            return resource != "trainlab:jobs"

    jp_serverapp.web_app.settings["authorizer"] = NoJobs(parent=jp_serverapp)
    code, body = await api("POST", f"jobs/{job_id}/evaluate", {"dataset_id": dataset_id})
    assert code == 403 and body["error"]["code"] == "forbidden"
    assert app.workspace.jobs.get(job_id).evaluations == []


def test_openapi_documents_evaluate():
    doc = document(ROUTES)
    op = doc["paths"]["/jobs/{job_id}/evaluate"]["post"]
    assert {"200", "404", "409", "422", "403"} <= set(op["responses"])
    body = json.dumps(op["requestBody"])
    assert "EvaluateRequest" in body
    schemas = doc["components"]["schemas"]
    assert "rows_skipped" in schemas["Evaluation"]["properties"]
    assert "evaluations" in schemas["Job"]["properties"]


async def test_a_custom_model_is_a_422_not_a_load_error(api, app):
    """A job that trained the user's own nn.Module cannot be scored from rows: a 422 that says so,
    before the server tries to load a module it has no code for."""
    import torch
    import torch.nn.functional as F

    result = trainlab.fit(model=torch.nn.Linear(2, 2), train=(torch.randn(32, 2),
                                                              torch.randint(0, 2, (32,))),
                          loss=F.cross_entropy, workspace=app.workspace, max_steps=2, device="cpu")
    code, ds = await api("POST", "datasets", raw=csv_bytes(20), params={"filename": "h.csv"})
    assert code == 201
    code, out = await api("POST", f"jobs/{result.job_id}/evaluate", {"dataset_id": ds["id"]})
    assert code == 422 and out["error"]["code"] == "eval_custom_model", out
    assert "nn.Module" in out["error"]["message"]
