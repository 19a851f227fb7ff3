"""The REST pieces the JupyterLab sidebar needs (issue 16): a check with no task answers the
inferred task and column roles a New job form is filled from; histograms of the numeric
fields; a job's events from a step or a cursor on, so a reconnecting client is not sent every
point again."""

from __future__ import annotations

import csv
import io

import numpy as np

import trainlab
from tests.server.test_jobs_api import csv_bytes, parse_events


async def add(api, data: bytes, name: str = "h.csv") -> dict:
    code, ds = await api("POST", "datasets", raw=data, params={"filename": name})
    assert code == 201, ds
    return ds


# -- POST datasets/{id}/check without a task ----------------------------------------------------
async def test_a_check_without_a_task_answers_the_defaults_post_jobs_would_pick(api):
    ds = await add(api, csv_bytes(80))
    for body in ({}, {"task": None}, {"columns": {}}):
        code, out = await api("POST", f"datasets/{ds['id']}/check", body)
        assert code == 200, out
        assert out["inferred"] == ["task", "target", "features"] and out["ok"] is True
        assert out["task"] == "tabular-classification"
        assert out["columns"] == {"target": "label", "features": ["x", "z", "color"]}
        assert out["rows_valid"] == 80 and out["errors"] == []
    # the same choice a job makes from the same (empty) request: no scheduler, it stays queued
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"]})
    assert code == 201, job
    assert job["task"] == out["task"] and job["columns"]["target"] == "label"
    assert job["columns"]["features"] == out["columns"]["features"]
    # a task named: only the roles left out are filled in
    code, named = await api("POST", f"datasets/{ds['id']}/check",
                            {"task": "tabular", "columns": {"target": "label"}})
    assert code == 200 and named["inferred"] == ["features"] and named["task"] == out["task"]
    assert named["columns"] == out["columns"]
    code, named = await api("POST", f"datasets/{ds['id']}/check", {"task": "tabular"})
    assert code == 200 and named["inferred"] == ["target", "features"]
    code, named = await api("POST", f"datasets/{ds['id']}/check",
                            {"task": "tabular", "columns": {"target": "label", "features": ["x"]}})
    assert code == 200 and named["inferred"] == [] and named["columns"]["features"] == ["x"]
    # a role given empty is filled by the server, and the answer says so
    code, named = await api("POST", f"datasets/{ds['id']}/check",
                            {"task": "tabular", "columns": {"target": "label", "features": []}})
    assert code == 200 and named["inferred"] == ["features"], named
    assert named["columns"]["features"] == ["x", "z", "color"]


async def test_columns_given_without_a_task_are_kept_and_the_rest_inferred(api):
    ds = await add(api, csv_bytes(60))
    code, out = await api("POST", f"datasets/{ds['id']}/check", {"columns": {"target": "z"}})
    assert code == 200, out
    assert out["task"] == "tabular-regression" and out["columns"]["target"] == "z"
    assert out["columns"]["features"] == ["x", "color", "label"]
    assert out["inferred"] == ["task", "features"]
    # x has empty cells: the check still reports them row by row, with the inferred roles
    code, out = await api("POST", f"datasets/{ds['id']}/check", {"columns": {"target": "x"}})
    assert code == 200 and out["task"] == "tabular-regression"
    assert out["ok"] is False and out["error_counts"]["missing_value"] >= 1
    assert all(e["line"] for e in out["errors"]) and out["errors"][0]["message"]


async def test_text_columns_infer_text_classification(api):
    lines = ["id,review,sentiment"] + [
        f"{i},\"this is the {i}th review, it says {'good' if i % 2 else 'bad'} things\","
        f"{'pos' if i % 2 else 'neg'}" for i in range(40)]
    ds = await add(api, ("\n".join(lines) + "\n").encode(), "reviews.csv")
    code, out = await api("POST", f"datasets/{ds['id']}/check", {})
    assert code == 200, out
    assert out["task"] == "text-classification"
    assert out["columns"] == {"text": "review", "label": "sentiment"}
    # the form switches the task: that task's roles come back
    code, out = await api("POST", f"datasets/{ds['id']}/check", {"task": "causal-lm"})
    assert code == 200 and out["columns"] == {"text": "review"} and out["inferred"] == ["text"]


async def test_nothing_to_predict_is_a_clear_422_in_the_callers_language(api):
    ds = await add(api, b"a,b\n1,2\n3,4\n5,6\n")
    code, out = await api("POST", f"datasets/{ds['id']}/check", {})
    assert code == 422 and out["error"]["code"] == "no_columns", out
    assert "target" in out["error"]["message"] and "a, b" in out["error"]["message"]
    code, fa = await api("POST", f"datasets/{ds['id']}/check", {},
                         headers={"Accept-Language": "fa"})
    assert code == 422 and fa["error"]["code"] == "no_columns"
    assert fa["error"]["message"] != out["error"]["message"] and "ستون" in fa["error"]["message"]
    ok = await add(api, csv_bytes(30))
    code, out = await api("POST", f"datasets/{ok['id']}/check", {"columns": {"bogus": "x"}})
    assert code == 422 and out["error"]["code"] == "unknown_column_role", out
    code, out = await api("POST", f"datasets/{ok['id']}/check", {"columns": {"target": "nope"}})
    assert code == 422 and out["error"]["code"] == "column_not_found", out
    code, out = await api("POST", f"datasets/{ok['id']}/check", {"task": ""})
    assert code == 422 and out["error"]["details"]["field"] == "task", out


# -- GET datasets/{id}/histograms -------------------------------------------------------------
async def test_histograms_count_every_number_between_the_edges(api):
    data = csv_bytes(200)
    ds = await add(api, data)
    code, out = await api("GET", f"datasets/{ds['id']}/histograms")
    assert code == 200, out
    assert list(out["fields"]) == ["x", "z"] and out["fields_total"] == 2 and out["bins"] == 20
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    for name, hist in out["fields"].items():
        values = np.array([float(r[name]) for r in rows if r[name] != ""])
        assert hist["min"] == values.min() and hist["max"] == values.max()
        assert len(hist["edges"]) == 21 and len(hist["counts"]) == 20
        assert hist["edges"][0] == hist["min"] and hist["edges"][-1] == hist["max"]
        expected, _ = np.histogram(values, bins=np.array(hist["edges"]))
        assert hist["counts"] == expected.tolist() and sum(hist["counts"]) == len(values)
        assert hist["rows"] == 200 and hist["sampled"] is False
    code, first = await api("GET", f"datasets/{ds['id']}/histograms", params={"limit": "1"})
    assert code == 200 and list(first["fields"]) == ["x"] and first["fields_total"] == 2
    code, second = await api("GET", f"datasets/{ds['id']}/histograms",
                             params={"limit": "1", "offset": "1"})
    assert list(second["fields"]) == ["z"] and second["fields"]["z"] == out["fields"]["z"]


async def test_histograms_of_a_dataset_without_numbers_and_bad_requests(api):
    ds = await add(api, b"name,city\nali,tehran\nsara,shiraz\n")
    code, out = await api("GET", f"datasets/{ds['id']}/histograms")
    assert code == 200 and out["fields"] == {} and out["fields_total"] == 0
    code, out = await api("GET", "datasets/ds_00000000000000000000000000/histograms")
    assert code == 404 and out["error"]["code"] == "dataset_not_found"
    code, out = await api("GET", f"datasets/{ds['id']}/histograms", params={"limit": "0"})
    assert code == 400 and out["error"]["code"] == "invalid_query"


# -- GET jobs/{id}/events?since_step= ---------------------------------------------------------
async def events_text(jp_fetch, job_id: str, params=None, headers=None) -> str:
    chunks: list[bytes] = []
    await jp_fetch("trainlab", "api", "jobs", job_id, "events", params=params or {},
                   headers=headers or {}, streaming_callback=chunks.append, request_timeout=60)
    return b"".join(chunks).decode()


def metric_steps(text: str) -> list[int]:
    return [p["step"] for name, data in parse_events(text) if name == "metrics" for p in data]


async def test_events_resume_after_since_step_or_the_last_event_id(api, app, jp_fetch):
    ds = await add(api, csv_bytes(120))
    result = trainlab.fit(ds["id"], workspace=app.workspace, columns={"target": "label"},
                          max_steps=12, log_every=1, eval_every=4, batch_size=16, device="cpu")
    job_id = result.job_id
    whole = await events_text(jp_fetch, job_id)
    steps = metric_steps(whole)
    assert min(steps) <= 1 and max(steps) >= 12
    # every metrics event carries the cursor to go on from: "<run>.<last row>"
    blocks = [b for b in whole.split("\n\n") if "event: metrics" in b]
    assert blocks and all(b.startswith("id: ") for b in blocks)
    last_id = blocks[-1].split("\n", 1)[0][4:]
    code, history = await api("GET", f"jobs/{job_id}/metrics")
    assert code == 200 and last_id == history["cursor"] and last_id.startswith("0.")

    later = metric_steps(await events_text(jp_fetch, job_id, {"since_step": "8"}))
    assert later and min(later) >= 8 and sorted(set(later)) == sorted({s for s in steps if s >= 8})
    # a cursor (Last-Event-ID, an EventSource's reconnect) wins over since_step
    run, _, rows = app.workspace.jobs.records.metrics_after(job_id, 0)
    middle = rows[len(rows) // 2]["rowid"]
    resumed = metric_steps(await events_text(jp_fetch, job_id, {"since_step": "20"},
                                             {"Last-Event-ID": f"{run}.{middle}"}))
    assert resumed == [r["step"] for r in rows if r["rowid"] > middle]
    # at the end: status and end are sent again, no metrics
    text = await events_text(jp_fetch, job_id, headers={"Last-Event-ID": last_id})
    names = [name for name, _ in parse_events(text)]
    assert "metrics" not in names and names[0] == "status" and names[-1] == "end"
    code, out = await api("GET", f"jobs/{job_id}/events", params={"since_step": "-1"})
    assert code == 400 and out["error"]["code"] == "invalid_query"
    for bad in ("soon", "-3", "1" * 19, "10"):
        code, out = await api("GET", f"jobs/{job_id}/events", headers={"Last-Event-ID": bad})
        assert code == 400 and out["error"]["code"] == "invalid_last_event_id", out
        assert f"'{bad}'" in out["error"]["message"] and "since_step" in out["error"]["message"]


# -- GET jobs/{id}/metrics?max_points= --------------------------------------------------------
async def test_metrics_max_points_thins_each_series_keeping_its_ends(api, app):
    ds = await add(api, csv_bytes(120))
    result = trainlab.fit(ds["id"], workspace=app.workspace, columns={"target": "label"},
                          max_steps=15, log_every=1, eval_every=5, batch_size=16, device="cpu")
    url = f"jobs/{result.job_id}/metrics"
    code, whole = await api("GET", url)
    assert code == 200 and whole["downsampled"] is False
    code, thin = await api("GET", url, params={"max_points": "4"})
    assert code == 200 and thin["downsampled"] is True
    assert thin["next_since_step"] == whole["next_since_step"]

    def series(items):
        out: dict = {}
        for p in items:
            out.setdefault((p["split"], p["name"]), []).append(p)
        return out

    full, kept = series(whole["items"]), series(thin["items"])
    assert set(kept) == set(full)
    loss = full["train", "loss"]
    assert len(loss) >= 15 and len(kept["train", "loss"]) == 4
    for key, points in kept.items():
        assert len(points) == min(4, len(full[key]))
        assert points[0] == full[key][0] and points[-1] == full[key][-1]
        assert all(p in full[key] for p in points)
    steps = [p["step"] for p in thin["items"]]
    assert steps == sorted(steps)  # still in order, as the whole history is
    code, same = await api("GET", url, params={"max_points": "100000"})
    assert same["items"] == whole["items"] and same["downsampled"] is False
    code, out = await api("GET", url, params={"max_points": "1"})
    assert code == 400 and out["error"]["code"] == "invalid_query"
    code, out = await api("GET", url, params={"max_points": ""})  # as ?since_step= is refused
    assert code == 400 and out["error"]["code"] == "invalid_query"
    assert "'max_points'" in out["error"]["message"]


# -- GET datasets/uploads ---------------------------------------------------------------------
async def test_uploads_in_progress_are_listed_newest_first_with_their_offsets(api):
    code, empty = await api("GET", "datasets/uploads")
    assert code == 200 and empty["items"] == []
    data = csv_bytes(50)
    code, old = await api("POST", "datasets/uploads", {"filename": "old.csv", "size": len(data)})
    assert code == 201
    code, new = await api("POST", "datasets/uploads", {"filename": "new.csv", "size": len(data)})
    code, state = await api("PUT", f"datasets/uploads/{new['id']}", raw=data[:100],
                            headers={"Content-Range": f"bytes 0-99/{len(data)}"})
    assert code == 200 and state["offset"] == 100
    code, out = await api("GET", "datasets/uploads")
    assert code == 200 and [u["id"] for u in out["items"]] == [new["id"], old["id"]]
    assert out["items"][0]["offset"] == 100 and out["items"][0]["filename"] == "new.csv"
    assert out["items"][1]["offset"] == 0 and out["items"][1]["size"] == len(data)
    code, first = await api("GET", "datasets/uploads", params={"limit": "1"})
    assert [u["id"] for u in first["items"]] == [new["id"]]
    # resumed from the list to the end: it becomes a dataset and leaves the list
    code, ds = await api("PUT", f"datasets/uploads/{new['id']}", raw=data[100:],
                         headers={"Content-Range": f"bytes 100-{len(data) - 1}/{len(data)}"})
    assert code == 201 and ds["rows"] == 50
    code, out = await api("DELETE", f"datasets/uploads/{old['id']}")
    assert code == 200
    code, out = await api("GET", "datasets/uploads")
    assert out["items"] == []


async def test_uploads_past_their_life_are_not_listed(api, app):
    import os
    import time

    from trainlab.server.uploads import UPLOAD_TTL_S

    data = csv_bytes(20)
    code, old = await api("POST", "datasets/uploads", {"filename": "old.csv", "size": len(data)})
    code, recent = await api("POST", "datasets/uploads", {"filename": "new.csv", "size": len(data)})
    assert code == 201
    folder = app.uploads.root / old["id"]
    untouched = time.time() - UPLOAD_TTL_S - 60  # a day and a minute ago
    for path in (folder / "data", folder):
        os.utime(path, (untouched, untouched))
    code, out = await api("GET", "datasets/uploads")
    assert code == 200 and [u["id"] for u in out["items"]] == [recent["id"]]
    code, out = await api("GET", f"datasets/uploads/{old['id']}")
    assert code == 404 and out["error"]["code"] == "upload_not_found"


def test_the_document_lists_the_sidebars_parameters_and_answers():
    from trainlab.server.openapi import document
    from trainlab.server.routes import ROUTES

    doc = document(ROUTES)
    paths = doc["paths"]
    check = doc["components"]["schemas"]["CheckRequest"]
    assert "task" not in check.get("required", []) and "default" not in check["properties"]["task"]
    hist = paths["/datasets/{dataset_id}/histograms"]["get"]
    assert {"200", "400", "403", "404"} <= set(hist["responses"])
    assert {p["name"] for p in hist["parameters"]} >= {"offset", "limit"}
    events = {p["name"]: p for p in paths["/jobs/{job_id}/events"]["get"]["parameters"]}
    assert events["Last-Event-ID"]["in"] == "header" and events["since_step"]["in"] == "query"
    metrics = {p["name"] for p in paths["/jobs/{job_id}/metrics"]["get"]["parameters"]}
    assert "max_points" in metrics and "get" in paths["/datasets/uploads"]
