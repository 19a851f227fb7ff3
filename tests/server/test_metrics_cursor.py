"""The metrics cursor of GET jobs/{id}/events and GET jobs/{id}/metrics, "<run>.<rowid>"
(issue 16 review, findings 1 and 2): points are followed in the order they were written, so a
validation point written after its step's training point was read is still sent, and a resume
that rewrites the history makes the stream send ``reset`` and the whole current history.

The job records are written directly (as a running job's reporter and a resume write them),
so every case is deterministic: no training, no timing."""

from __future__ import annotations

import trainlab
from tests.server.test_jobs_api import parse_events
from tests.server.test_sidebar_api import events_text
from trainlab.server import metric_cursor


def a_job(ws, status: str = "completed") -> str:
    job_id = trainlab.workspace.new_id("job")
    ws.jobs.records.insert(job_id, name="j", task="tabular", dataset_id=None, columns={},
                           params={}, device="cpu", status=status, runner="worker")
    return job_id


def point(job_id: str, step: int, split: str = "train", name: str = "loss") -> tuple:
    return (job_id, step, 0, split, name, float(step), 1000.0 + step)


def seen(items) -> list[tuple]:
    return [(p["step"], p["split"], p["name"]) for p in items]


def metrics_events(text: str) -> list[tuple[str, object, str | None]]:
    """(name, data, id) of every event but status/progress/end."""
    out = []
    for block in text.split("\n\n"):
        ids = [line[4:] for line in block.splitlines() if line.startswith("id: ")]
        for name, data in parse_events(block):
            if name in ("metrics", "reset"):
                out.append((name, data, ids[0] if ids else None))
    return out


async def test_a_validation_point_written_after_its_step_was_read_is_still_sent(app):
    ws = app.workspace
    job_id = a_job(ws, "running")
    records = ws.jobs.records
    records.append_metrics([point(job_id, 4), point(job_id, 5)])
    # the stream's first poll from since_step (no cursor yet) ...
    first = metric_cursor.read(ws, job_id, None, 0, 0)
    assert seen(first["items"]) == [(4, "train", "loss"), (5, "train", "loss")]
    assert first["reset"] is False and first["run"] == 0
    # ... then the validation pass of step 5 writes its point (the reporter's second flush)
    records.append_metrics([point(job_id, 5, "val", "accuracy")])
    second = metric_cursor.read(ws, job_id, first["run"], first["after"], 0)
    assert seen(second["items"]) == [(5, "val", "accuracy")] and second["reset"] is False
    third = metric_cursor.read(ws, job_id, second["run"], second["after"], 0)
    assert third["items"] == [] and third["after"] == second["after"]
    records.append_metrics([(job_id, 6, 0, "train", "loss", float("nan"), 1006.0)])
    diverged = metric_cursor.read(ws, job_id, third["run"], third["after"], 0)
    assert [p["value"] for p in diverged["items"]] == [None]  # JSON has no NaN
    # the public shape of a point is kept
    assert second["items"][0] == {"step": 5, "epoch": 0, "split": "val", "name": "accuracy",
                                  "value": 5.0, "time": 1005.0}


async def test_a_reconnect_with_the_last_id_gets_the_late_validation_point(app, jp_fetch):
    ws = app.workspace
    job_id = a_job(ws)
    ws.jobs.records.append_metrics([point(job_id, 1), point(job_id, 2)])
    events = metrics_events(await events_text(jp_fetch, job_id))
    assert [(n, seen(d)) for n, d, _ in events] == [("metrics", [(1, "train", "loss"),
                                                                 (2, "train", "loss")])]
    last_id = events[0][2]
    assert metric_cursor.parse(last_id, "invalid_cursor")[0] == 0
    # written after the id was sent, for a step the client has already seen
    ws.jobs.records.append_metrics([point(job_id, 2, "val", "accuracy"), point(job_id, 3)])
    for how in ({"headers": {"Last-Event-ID": last_id}}, {"params": {"cursor": last_id}}):
        again = metrics_events(await events_text(jp_fetch, job_id, **how))
        assert [(n, seen(d)) for n, d, _ in again] == [
            ("metrics", [(2, "val", "accuracy"), (3, "train", "loss")])], how
    # the old step cursor would have skipped it: since_step starts at a step
    later = metrics_events(await events_text(jp_fetch, job_id, {"since_step": "3"}))
    assert [seen(d) for _, d, _ in later] == [[(3, "train", "loss")]]


async def test_a_truncated_history_resets_the_stream_and_sends_the_new_one(app, jp_fetch):
    ws = app.workspace
    job_id = a_job(ws, "running")
    records = ws.jobs.records
    records.append_metrics([point(job_id, s) for s in (1, 2, 3, 4)])
    before = metric_cursor.read(ws, job_id, None, 0, 0)
    old_id = metric_cursor.text(before["run"], before["after"])
    # a resume from the checkpoint at step 2: steps 3 and 4 are recorded again
    records.truncate_metrics(job_id, 2)
    assert records.metrics_run(job_id) == 1
    records.append_metrics([point(job_id, 3, "val", "accuracy"), point(job_id, 3)])
    polled = metric_cursor.read(ws, job_id, before["run"], before["after"], 0)
    assert polled["reset"] is True and polled["run"] == 1
    assert seen(polled["items"]) == [(1, "train", "loss"), (2, "train", "loss"),
                                     (3, "val", "accuracy"), (3, "train", "loss")]
    records.finish(job_id, "completed")
    # a client reconnecting with an id from before the resume: reset, then the whole history
    events = metrics_events(await events_text(jp_fetch, job_id, headers={"Last-Event-ID": old_id}))
    assert [n for n, _, _ in events] == ["reset", "metrics"]
    assert events[0][1] == {"run": 1} and events[0][2] == "1.0"
    assert seen(events[1][1]) == seen(polled["items"])
    assert events[1][2] == metric_cursor.text(1, polled["after"])
    # with the new id: nothing again; a cursor past the job's last row resets too
    assert metrics_events(await events_text(jp_fetch, job_id, {"cursor": events[1][2]})) == []
    beyond = metrics_events(await events_text(jp_fetch, job_id, {"cursor": "1.999999"}))
    assert [n for n, _, _ in beyond] == ["reset", "metrics"]


async def test_the_cursor_of_get_metrics_continues_the_events_without_gap_or_duplicate(
        api, app, jp_fetch):
    ws = app.workspace
    job_id = a_job(ws)
    other = a_job(ws)  # another job's rows interleave with this one's
    for s in range(1, 11):
        ws.jobs.records.append_metrics([point(job_id, s), point(other, s)])
    code, thin = await api("GET", f"jobs/{job_id}/metrics", params={"max_points": "3"})
    assert code == 200 and thin["downsampled"] is True and len(thin["items"]) == 3
    code, whole = await api("GET", f"jobs/{job_id}/metrics")
    assert thin["cursor"] == whole["cursor"] and whole["next_since_step"] == 11
    assert [p["step"] for p in whole["items"]] == list(range(1, 11))
    # points written after the backfill, one of them for a step already read
    ws.jobs.records.append_metrics([point(job_id, 10, "val", "accuracy"), point(job_id, 11)])
    events = metrics_events(await events_text(jp_fetch, job_id, {"cursor": thin["cursor"]}))
    assert [seen(d) for _, d, _ in events] == [[(10, "val", "accuracy"), (11, "train", "loss")]]
    # a backfill from since_step that read nothing still gives a cursor past what it skipped
    code, none = await api("GET", f"jobs/{job_id}/metrics", params={"since_step": "50"})
    assert none["items"] == [] and none["cursor"] == events[0][2]
    assert metrics_events(await events_text(jp_fetch, job_id, {"cursor": none["cursor"]})) == []
    # a job without points: run 0, row 0, and the stream from there gets every point
    empty = a_job(ws)
    code, out = await api("GET", f"jobs/{empty}/metrics")
    assert out == {"items": [], "next_since_step": 0, "cursor": "0.0", "downsampled": False}


async def test_a_bad_cursor_or_last_event_id_is_400_naming_the_format(api, app):
    job_id = a_job(app.workspace)
    for bad in ("", "12", "soon", "-1.2", "1.", ".5", "1.2.3", "1" * 10 + ".1", "1." + "1" * 19):
        code, out = await api("GET", f"jobs/{job_id}/events", params={"cursor": bad})
        assert code == 400 and out["error"]["code"] == "invalid_cursor", (bad, out)
        assert f"'{bad}'" in out["error"]["message"] and "'<run>.<row>'" in out["error"]["message"]
        code, out = await api("GET", f"jobs/{job_id}/events", headers={"Last-Event-ID": bad})
        assert code == 400 and out["error"]["code"] == "invalid_last_event_id", (bad, out)
        assert "'<run>.<row>'" in out["error"]["message"] and "1 to 18 digits" in out["error"]["message"]
    code, out = await api("GET", f"jobs/{job_id}/events", params={"cursor": "x"},
                          headers={"Accept-Language": "fa"})
    assert code == 400 and "نشانگر" in out["error"]["message"]


def test_the_document_lists_the_cursor_and_the_reset_event():
    from trainlab.server.openapi import document
    from trainlab.server.routes import ROUTES

    doc = document(ROUTES)
    get = doc["paths"]["/jobs/{job_id}/events"]["get"]
    params = {p["name"]: p for p in get["parameters"]}
    assert params["cursor"]["in"] == "query" and params["Last-Event-ID"]["in"] == "header"
    assert params["cursor"]["schema"]["pattern"] == metric_cursor.PATTERN
    assert "reset" in get["description"] or "reset" in get.get("summary", "")
    metrics = doc["components"]["schemas"]["Metrics"]
    assert "cursor" in metrics["properties"] and "cursor" in metrics["required"]
