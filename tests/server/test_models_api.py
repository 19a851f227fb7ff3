"""Pretrained models over REST (issue 15): ``GET models`` lists the server's local Hugging Face
cache, and ``POST jobs`` checks a base model before any job exists."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.hf_models import into_hub_cache
from tests.server.test_jobs_api import csv_bytes
from tests.training.conftest import reviews
from trainlab.server.openapi import document
from trainlab.server.routes import ROUTES


def reviews_jsonl(n: int = 60) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reviews(n)).encode()


async def text_dataset(api) -> str:
    code, ds = await api("POST", "datasets", raw=reviews_jsonl(), params={"filename": "r.jsonl"})
    assert code == 201, ds
    return ds["id"]


async def test_models_lists_the_local_hugging_face_cache(api, tiny_models, hf_home):
    code, body = await api("GET", "models")
    assert code == 200 and body["items"] == []
    assert body["cache"] == str(hf_home / "hub") and body["offline"] and body["hf_installed"]
    snapshot = into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/tiny-bert",
                              commit="a" * 40)
    into_hub_cache(tiny_models["causal-lm"], hf_home / "hub", "acme/tiny-gpt", commit="b" * 40)
    code, body = await api("GET", "models")
    assert code == 200
    by_id = {m["id"]: m for m in body["items"]}
    assert set(by_id) == {"acme/tiny-bert", "acme/tiny-gpt"}
    bert = by_id["acme/tiny-bert"]
    assert (bert["revision"], bert["model_type"], bert["architectures"]) == \
        ("a" * 40, "bert", ["BertForSequenceClassification"])
    assert Path(bert["path"]) == snapshot and bert["size_bytes"] > 1000
    assert datetime.fromisoformat(bert["modified_at"]).tzinfo is not None
    assert by_id["acme/tiny-gpt"]["architectures"] == ["GPT2LMHeadModel"]


async def test_a_snapshot_without_config_is_not_listed(api, tiny_models, hf_home):
    snapshot = into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/weights-only")
    (snapshot / "config.json").unlink()
    code, body = await api("GET", "models")
    assert code == 200 and body["items"] == []


async def test_submit_offline_uncached_is_422_in_the_callers_language(api, hf_home):
    dataset_id = await text_dataset(api)
    spec = {"dataset_id": dataset_id, "task": "text-classification",
            "columns": {"text": "review", "label": "label"},
            "params": {"base_model": "acme/not-cached", "max_steps": 2}}
    code, body = await api("POST", "jobs", spec, headers={"Accept-Language": "fa"})
    assert code == 422 and body["error"]["code"] == "model_not_available"
    assert "در دسترس نیست" in body["error"]["message"] and "acme/not-cached" in body["error"]["message"]
    assert body["error"]["details"]["looked"] == str(hf_home / "hub")
    code, body = await api("POST", "jobs", spec)
    assert code == 422 and "is not available" in body["error"]["message"]
    code, jobs = await api("GET", "jobs")
    assert code == 200 and jobs["items"] == []  # nothing was created


async def test_submit_a_base_model_on_a_tabular_task_is_422(api, tiny_models, hf_home):
    code, ds = await api("POST", "datasets", raw=csv_bytes(60), params={"filename": "t.csv"})
    code, body = await api("POST", "jobs", {"dataset_id": ds["id"], "columns": {"target": "label"},
                                            "params": {"base_model": str(tiny_models["classifier"])}})
    assert code == 422 and body["error"]["code"] == "hf_task_unsupported"
    assert (await api("GET", "jobs"))[1]["items"] == []


def test_models_is_in_the_document_with_its_response_model():
    doc = document(ROUTES)
    get = doc["paths"]["/models"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CachedModels"}
    fields = doc["components"]["schemas"]["CachedModel"]["properties"]
    assert {"id", "revision", "path", "size_bytes", "model_type", "architectures",
            "modified_at"} <= set(fields)


@pytest.fixture(autouse=True)
def _no_real_cache(hf_home):
    """Every test here sees an empty, offline Hugging Face home (never the user's own cache)."""
    return hf_home


WITH_SCHEDULER = pytest.mark.parametrize(
    "trainlab_config", [{"run_scheduler": True, "prewarm_worker": False}], ids=["scheduler"])


@WITH_SCHEDULER
async def test_a_base_model_job_end_to_end(api, app, tiny_models, hf_home):
    """List the cache, submit a text classifier on a base model folder, a worker trains it,
    then predict and evaluate through its artifact: all over REST, offline."""
    into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/tiny-bert")
    code, listed = await api("GET", "models")
    assert code == 200 and [m["id"] for m in listed["items"]] == ["acme/tiny-bert"]
    dataset_id = await text_dataset(api)
    code, job = await api("POST", "jobs", {
        "dataset_id": dataset_id, "task": "text-classification",
        "columns": {"text": "review", "label": "label"}, "device": "cpu",
        "params": {"base_model": str(tiny_models["classifier"]), "max_steps": 6,
                   "batch_size": 16, "eval_every": 6, "log_every": 2}})
    assert code == 201 and job["params"]["base_model"] == str(tiny_models["classifier"])
    done = await wait_done(api, job["id"])
    assert done["status"] == "completed", done["error"]
    code, out = await api("POST", f"jobs/{job['id']}/predict",
                          {"records": ["the film was great", "فیلم افتضاح بود"], "proba": True})
    assert code == 200, out
    assert len(out["predictions"]) == 2 and set(out["predictions"]) <= {"pos", "neg"}
    assert all(sum(p.values()) == pytest.approx(1.0) for p in out["probabilities"])
    code, scored = await api("POST", f"jobs/{job['id']}/evaluate", {"dataset_id": dataset_id})
    assert code == 200, scored
    assert scored["rows_scored"] == 60 and 0 <= scored["metrics"]["accuracy"] <= 1


async def wait_done(api, job_id: str, seconds: float = 240) -> dict:
    import asyncio
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code, job = await api("GET", f"jobs/{job_id}")
        if job["status"] in ("completed", "failed", "stopped", "interrupted"):
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['status']}")


async def test_predict_continues_prompts_with_a_fine_tuned_causal_lm(api, app, tiny_models):
    """POST predict on a pretrained causal LM (trained here in the server's workspace, as a
    notebook would): each prompt is continued through the model's own generate."""
    import pandas as pd

    import trainlab

    rows = [{"story": f"question: what is two plus two? answer: four {i}"} for i in range(40)]
    result = trainlab.fit(pd.DataFrame(rows), task="causal-lm", columns={"text": "story"},
                          workspace=app.workspace, base_model=str(tiny_models["causal-lm"]),
                          device="cpu", max_steps=3, batch_size=8)
    code, out = await api("POST", f"jobs/{result.job_id}/predict",
                          {"records": ["question: what", "سلام"]})
    assert code == 200, out
    assert out["task"] == "causal-lm" and len(out["predictions"]) == 2
    assert all(isinstance(p, str) for p in out["predictions"])
    model = trainlab.load_model(result.job_id, workspace=app.workspace)
    assert out["predictions"][0] == model.generate("question: what", max_new_tokens=100, seed=0)


async def test_submit_with_an_unreachable_hub_is_422(api, hf_home, monkeypatch):
    """HF_HUB_OFFLINE unset, nothing listening at the Hub: model_not_available, no job."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    dataset_id = await text_dataset(api)
    code, body = await api("POST", "jobs", {
        "dataset_id": dataset_id, "task": "text-classification",
        "columns": {"text": "review", "label": "label"},
        "params": {"base_model": "acme/not-cached", "max_steps": 2}})
    assert code == 422 and body["error"]["code"] == "model_not_available", body
    assert body["error"]["details"]["reason"] == "model_unreachable"
    assert (await api("GET", "jobs"))[1]["items"] == []
