"""Model work has its own bounded executor: predicts that hold every model thread do not hold
listing or health, a request beyond the executor's capacity is answered 503 at once, and a
causal-lm predict is bounded by a token budget (issue 14, 2.4)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from trainlab.server import service

# Two threads for everything else, two for models, nobody waiting: two gated predicts fill the
# model executor (and, before the model executor existed, the whole pool).
CONFIG = {"run_scheduler": False, "prewarm_worker": False, "threads": 2, "model_threads": 2,
          "model_queue": 0}
TEXT = ("review,label\n" + "".join(f"a fine review number {i},{i % 2}\n" for i in range(40))).encode()


async def _queued_job(api, task: str = "tabular") -> str:
    code, ds = await api("POST", "datasets", raw=TEXT, params={"filename": "r.csv"})
    assert code == 201, ds
    columns = {"target": "label"} if task == "tabular" else {"text": "review"}
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "task": task,
                                           "columns": columns})
    assert code == 201, job
    return job["id"]


@pytest.mark.parametrize("trainlab_config", [CONFIG], ids=["small-pools"])
async def test_listing_and_health_answer_while_predicts_hold_the_model_executor(
        api, jp_serverapp, monkeypatch, trainlab_config):
    job_id = await _queued_job(api)
    gate, inside, lock = threading.Event(), [], threading.Lock()
    both_in = threading.Event()

    def gated_predict(ws, cache, job_id, records, proba, *more):
        with lock:
            inside.append(threading.current_thread().name)
            if len(inside) == 2:
                both_in.set()
        gate.wait(60)
        return {"predictions": [0] * len(records), "probabilities": None, "task": "tabular",
                "job_id": job_id}

    monkeypatch.setattr(service, "predict", gated_predict)
    body = {"records": [{"review": "x"}]}
    loop = asyncio.get_running_loop()
    held = [asyncio.ensure_future(api("POST", f"jobs/{job_id}/predict", body)) for _ in range(2)]
    try:
        assert await loop.run_in_executor(None, both_in.wait, 30)
        # Both model threads are held: the rest of the API still answers (the bound only
        # keeps a broken build from hanging the suite).
        for path in ("datasets", "health", f"jobs/{job_id}", "jobs"):
            code, _ = await asyncio.wait_for(api("GET", path), 20)
            assert code == 200, path
        assert all(name.startswith("trainlab-model") for name in inside), inside
        # a third predict finds no room: refused at once, not queued behind the gate
        code, busy = await asyncio.wait_for(api("POST", f"jobs/{job_id}/predict", body), 20)
        assert code == 503 and busy["error"]["code"] == "model_busy", busy
        assert "model_threads=2" in busy["error"]["message"]
        assert not any(task.done() for task in held)
    finally:
        gate.set()
    for code, out in await asyncio.gather(*held):
        assert code == 200 and out["predictions"] == [0], out
    # the slots are free again
    code, out = await api("POST", f"jobs/{job_id}/predict", body)
    assert code == 200, out


@pytest.mark.parametrize("trainlab_config", [{**CONFIG, "predict_max_new_tokens": 50,
                                              "predict_token_budget": 200}], ids=["budget"])
async def test_a_causal_lm_predict_over_the_token_budget_is_422(api, monkeypatch, trainlab_config):
    job_id = await _queued_job(api, "causal-lm")
    ran = []
    monkeypatch.setattr(service, "predict", lambda *a: ran.append(a) or {
        "predictions": ["x"] * len(a[3]), "probabilities": None, "task": "causal-lm",
        "job_id": job_id})
    code, body = await api("POST", f"jobs/{job_id}/predict", {"records": ["hi"] * 5})
    assert code == 422 and body["error"]["code"] == "token_budget", body
    assert body["error"]["details"]["most"] == 4
    assert "at most 4 prompts" in body["error"]["message"]
    assert ran == []  # refused before it took a model thread
    code, body = await api("POST", f"jobs/{job_id}/predict", {"records": ["hi"] * 4})
    assert code == 200, body
    assert ran[0][5] == 50  # generation runs with the server's max_new_tokens
