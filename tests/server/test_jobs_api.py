"""Jobs over REST, end to end: upload a CSV, check it, submit, follow the events to
'completed', download the model, predict; stop, resume, delete and their conflicts."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import zipfile

import pytest

import trainlab
from tests.training.conftest import tabular_rows

WITH_SCHEDULER = pytest.mark.parametrize(
    "trainlab_config", [{"run_scheduler": True, "prewarm_worker": False}], ids=["scheduler"])


def csv_bytes(n: int = 300) -> bytes:
    rows = tabular_rows(n)
    lines = ["x,z,color,label"] + [
        f"{'' if r['x'] is None else round(r['x'], 4)},{round(r['z'], 4)},{r['color']},{r['label']}"
        for r in rows]
    return ("\n".join(lines) + "\n").encode()


def parse_events(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if not lines:
            continue
        name = next(line[7:] for line in lines if line.startswith("event: "))
        data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
        events.append((name, json.loads(data)))
    return events


async def follow(jp_fetch, job_id: str) -> list[tuple[str, object]]:
    chunks: list[bytes] = []
    await jp_fetch("trainlab", "api", "jobs", job_id, "events", streaming_callback=chunks.append,
                   request_timeout=300)
    return parse_events(b"".join(chunks).decode())


@WITH_SCHEDULER
async def test_upload_check_submit_follow_download_predict(api, jp_fetch, app):
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "houses.csv"})
    assert code == 201 and ds["status"] == "valid"
    code, check = await api("POST", f"datasets/{ds['id']}/check",
                            {"task": "tabular", "columns": {"target": "label"}})
    assert code == 200 and check["ok"]
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "task": "tabular",
                                           "columns": {"target": "label"},
                                           "params": {"max_steps": 40, "batch_size": 32,
                                                      "eval_every": 10, "log_every": 5}})
    assert code == 201 and job["status"] == "queued" and job["runner"] == "worker"
    events = await follow(jp_fetch, job["id"])
    names = [name for name, _ in events]
    assert names[0] == "status" and names[-1] == "end", names
    statuses = [data["status"] for name, data in events if name == "status"]
    assert statuses[0] in ("queued", "running") and "running" in statuses
    assert statuses[-1] == "completed", statuses
    assert any(name == "progress" for name in names)
    points = [p for name, data in events if name == "metrics" for p in data]
    assert {p["name"] for p in points} >= {"loss", "accuracy"}
    steps = [p["step"] for p in points if p["name"] == "loss" and p["split"] == "train"]
    assert steps == sorted(steps) and len(steps) == len(set(steps))  # each point sent once

    code, done = await api("GET", f"jobs/{job['id']}")
    assert done["status"] == "completed" and done["best_metrics"]["accuracy"] > 0.6
    code, history = await api("GET", f"jobs/{job['id']}/metrics", params={"since_step": "20"})
    assert code == 200 and history["items"] and min(p["step"] for p in history["items"]) >= 20
    code, logs = await api("GET", f"jobs/{job['id']}/logs")
    assert code == 200 and logs["offset"] == len(logs["text"].encode())
    code, more = await api("GET", f"jobs/{job['id']}/logs", params={"offset": str(logs["offset"])})
    assert more["text"] == ""
    # a view opening on a long log asks for its end: whole lines among the last 400 bytes
    code, end = await api("GET", f"jobs/{job['id']}/logs", params={"tail": "400"})
    assert code == 200 and end["offset"] == logs["offset"] and len(end["text"].encode()) <= 400
    assert end["text"] and logs["text"].endswith(end["text"])
    assert logs["text"][: -len(end["text"])].endswith("\n")  # it starts at a line's start
    code, _ = await api("GET", f"jobs/{job['id']}/logs", params={"tail": "0"})
    assert code == 400

    code, response = await api("GET", f"jobs/{job['id']}/model", parse=False)
    assert code == 200 and response.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.body)).namelist()
    assert sorted(names) == ["model/model.json", "model/model.safetensors"]

    records = [{"x": 2.0, "z": 0.0, "color": "red"}, {"x": -2.0, "z": 0.0, "color": "green"}]
    code, out = await api("POST", f"jobs/{job['id']}/predict", {"records": records, "proba": True})
    assert code == 200 and out["predictions"] == ["high", "low"]
    assert set(out["probabilities"][0]) == {"high", "low"}
    local = trainlab.load_model(job["id"], workspace=app.workspace).predict(records)
    assert out["predictions"] == local
    code, body = await api("POST", f"jobs/{job['id']}/predict", {"records": [{"x": "a lot"}]})
    assert 400 <= code < 500 and body["error"]["code"]

    code, body = await api("POST", f"jobs/{job['id']}/stop")
    assert code == 409 and body["error"]["code"] == "job_not_active"
    code, body = await api("DELETE", f"jobs/{job['id']}")
    assert code == 200 and (await api("GET", f"jobs/{job['id']}"))[0] == 404


@WITH_SCHEDULER
async def test_stop_a_running_job_then_resume_it(api, app):
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "t.csv"})
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "columns": {"target": "label"},
                                           "params": {"max_steps": 100000, "batch_size": 8,
                                                      "eval_every": 50, "early_stopping": None}})
    assert code == 201, job
    for _ in range(600):
        code, now = await api("GET", f"jobs/{job['id']}")
        if now["status"] == "running" and now["progress"]["step"] > 20:
            break
        await asyncio.sleep(0.1)
    code, body = await api("DELETE", f"jobs/{job['id']}")
    assert code == 409 and body["error"]["code"] == "job_running"
    code, stopping = await api("POST", f"jobs/{job['id']}/stop")
    assert code == 200 and stopping["stop_requested"]
    for _ in range(300):
        code, now = await api("GET", f"jobs/{job['id']}")
        if now["status"] != "running":
            break
        await asyncio.sleep(0.1)
    assert now["status"] == "stopped"
    code, queued = await api("POST", f"jobs/{job['id']}/resume")
    assert code == 200 and queued["status"] == "queued"
    code, body = await api("POST", f"jobs/{job['id']}/resume")
    assert code == 409 and body["error"]["code"] == "job_not_resumable"
    await api("POST", f"jobs/{job['id']}/stop")


async def test_a_job_that_cannot_run_is_refused_at_submission(api):
    code, ds = await api("POST", "datasets", raw=csv_bytes(50), params={"filename": "t.csv"})
    cases = [
        ({"dataset_id": ds["id"], "columns": {"target": "nope"}}, 422, "column_not_found"),
        ({"dataset_id": ds["id"], "params": {"lr": 99}}, 422, "parameter_out_of_range"),
        ({"dataset_id": ds["id"], "params": {"epochz": 1}}, 422, "unknown_parameter"),
        ({"dataset_id": ds["id"], "task": "painting"}, 422, "unknown_task"),
        ({"dataset_id": "ds_01m8bp5a1s9fzzs5mdh2vm6ztw"}, 404, "dataset_not_found"),
        ({"dataset_id": ds["id"], "gpus": 3}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ]
    for spec, status, error in cases:
        code, body = await api("POST", "jobs", spec)
        assert (code, body["error"]["code"]) == (status, error), spec
    assert (await api("GET", "jobs"))[1]["items"] == []


async def test_a_notebook_job_shows_in_the_api_and_streams_events(api, jp_fetch, app, tmp_path):
    """A job trained in a kernel (trainlab.fit) is in GET jobs and its events stream live."""
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "t.csv"})
    started = threading.Event()

    class Started(trainlab.Callback):
        def on_step(self, *args):
            started.set()

    results = []
    thread = threading.Thread(target=lambda: results.append(trainlab.fit(
        ds["id"], workspace=app.workspace, columns={"target": "label"}, max_steps=60,
        batch_size=16, log_every=5, eval_every=20, callbacks=[Started()])))
    thread.start()
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 120)
    _, page = await api("GET", "jobs", params={"status": "running"})
    assert [j["runner"] for j in page["items"]] == ["foreground"]
    events = await follow(jp_fetch, page["items"][0]["id"])
    await asyncio.get_running_loop().run_in_executor(None, thread.join, 120)
    assert events[-1] == ("end", {"id": results[0].job_id, "status": "completed"})
    assert any(name == "metrics" for name, _ in events)


async def test_a_jobs_note_is_in_the_callers_language(api):
    """No scheduler runs here: the queued job's note says so, in Accept-Language's words."""
    code, ds = await api("POST", "datasets", raw=csv_bytes(50), params={"filename": "t.csv"})
    spec = {"dataset_id": ds["id"], "columns": {"target": "label"}}
    code, job = await api("POST", "jobs", spec, headers={"Accept-Language": "fa"})
    assert code == 201 and "زمان‌بندی" in job["note"]  # "scheduler" in Persian
    for path in (f"jobs/{job['id']}", "jobs"):
        code, en = await api("GET", path, headers={"Accept-Language": "en-US"})
        code, fa = await api("GET", path, headers={"Accept-Language": "fa-IR"})
        en, fa = (body.get("items", [body])[0]["note"] for body in (en, fa))
        assert "no scheduler is running" in en and "زمان‌بندی" in fa, path
    code, stopped = await api("POST", f"jobs/{job['id']}/stop", headers={"Accept-Language": "fa"})
    assert code == 200 and stopped["status"] == "stopped" and stopped["note"].isascii() is False


async def test_jobs_list_pages_and_filters(api, app):
    from trainlab.jobs.records import Records

    records = Records(app.workspace)
    ids = []
    for i in range(5):
        job_id = trainlab.workspace.new_id("job")
        records.insert(job_id, name=f"j{i}", task="tabular", dataset_id=None, columns={}, params={},
                       device="cpu", status="completed" if i % 2 else "failed", runner="worker")
        ids.append(job_id)
    code, first = await api("GET", "jobs", params={"limit": "3"})
    assert [j["id"] for j in first["items"]] == ids[::-1][:3] and first["next_cursor"] == ids[2]
    code, rest = await api("GET", "jobs", params={"cursor": first["next_cursor"]})
    assert [j["id"] for j in rest["items"]] == [ids[1], ids[0]] and rest["next_cursor"] is None
    code, failed = await api("GET", "jobs", params={"status": "failed"})
    assert [j["id"] for j in failed["items"]] == [ids[4], ids[2], ids[0]]
    code, _ = await api("GET", "jobs", params={"status": "sleeping"})
    assert code == 400
    code, body = await api("GET", f"jobs/{ids[0]}/model")
    assert code == 409 and body["error"]["code"] == "model_not_ready"


async def test_running_jobs_keep_the_server_active_for_the_idle_culler(app, jp_serverapp):
    """JupyterHub culls servers by their last activity: a running job counts as activity."""
    from trainlab.jobs.records import Records

    settings = jp_serverapp.web_app.settings
    settings.pop("trainlab_last_activity", None)
    await app._bump_activity()
    assert "trainlab_last_activity" not in settings  # nothing runs: no activity claimed
    Records(app.workspace).insert(trainlab.workspace.new_id("job"), name="j", task="tabular",
                                  dataset_id=None, columns={}, params={}, device="cpu",
                                  status="running", runner="worker")
    await app._bump_activity()
    assert jp_serverapp.web_app.last_activity() == settings["trainlab_last_activity"]


def test_the_fast_list_encodes_exactly_what_the_decoded_one_does(ws):
    """GET jobs without response validation passes JSON columns through undecoded: the bytes
    must be the same as decoding and re-encoding them."""
    import msgspec

    from trainlab.jobs.records import Records
    from trainlab.server import service

    records = Records(ws)
    for i in range(3):
        job_id = trainlab.workspace.new_id("job")
        records.insert(job_id, name=f"j{i}", task="tabular", dataset_id=None,
                       columns={"target": "y", "features": ["a", "ب"]}, params={"lr": 0.01},
                       device="cpu", status="running", runner="worker")
        assert records.finish(job_id, "failed", error={"code": "x", "message": "ü", "traceback": "…"})
    fast = msgspec.json.encode(service.job_page(ws, None, 10, None, raw=True))
    slow = msgspec.json.encode(service.job_page(ws, None, 10, None, raw=False))
    assert msgspec.json.decode(fast) == msgspec.json.decode(slow)
    first = json.loads(fast)["items"][0]
    assert first["columns"]["features"] == ["a", "ب"] and first["error"]["message"] == "ü"
