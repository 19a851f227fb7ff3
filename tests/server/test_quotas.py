"""Quotas and fair sharing (issue 17), through the REST API: queued jobs (429 too_many_jobs),
the workspace's size (507 quota_exceeded, before the body when Content-Length says so, while
a chunked body arrives, at a resumable upload's start and parts, on import) and the write
rate limit (429 rate_limited with Retry-After)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from tests.server.test_datasets_api import leftovers
from tests.server.test_experiments_api import until
from tests.server.test_jobs_api import csv_bytes
from tests.server.test_streaming_limits import call, exchange, head, until_no_leftovers
from trainlab.errors import TrainlabError
from trainlab.server.quotas import RateLimiter, WorkspaceUsage, folder_bytes

QUOTA = 100_000


def config(**traits):
    return pytest.mark.parametrize("trainlab_config", [
        {"run_scheduler": False, "prewarm_worker": False, **traits}], ids=["quota"])


def csv_of(size: int) -> bytes:
    """A valid CSV of about ``size`` bytes."""
    return b"a,b\n" + b"1,2\n" * (size // 4 - 1)


async def upload(api, data: bytes, filename: str = "t.csv"):
    return await api("POST", "datasets", raw=data, params={"filename": filename})


def job_spec(ds_id: str) -> dict:
    return {"dataset_id": ds_id, "columns": {"target": "label"}, "params": {"max_steps": 5}}


# -- queued jobs -----------------------------------------------------------------------------
@config(max_jobs_queued=2)
async def test_a_submit_beyond_max_jobs_queued_is_429_with_retry_after(api):
    code, ds = await upload(api, csv_bytes(60))
    assert code == 201, ds
    for _ in range(2):
        code, job = await api("POST", "jobs", job_spec(ds["id"]))
        assert code == 201, job
    code, response = await api("POST", "jobs", job_spec(ds["id"]), parse=False)
    assert code == 429 and response.headers["Retry-After"] == "30"
    import json

    error = json.loads(response.body)["error"]
    assert error["code"] == "too_many_jobs"
    assert error["details"]["queued"] == 2 and error["details"]["limit"] == 2
    assert "max_jobs_queued=2" in error["message"] and "2 jobs are queued" in error["message"]
    code, body = await api("POST", "jobs", job_spec(ds["id"]), headers={"Accept-Language": "fa"})
    assert code == 429 and "max_jobs_queued=2" in body["error"]["message"]
    assert "در صف" in body["error"]["message"]
    assert len((await api("GET", "jobs"))[1]["items"]) == 2  # nothing was queued
    queued = (await api("GET", "jobs"))[1]["items"][0]["id"]
    assert (await api("POST", f"jobs/{queued}/stop"))[0] == 200  # cancelled: room again
    code, job = await api("POST", "jobs", job_spec(ds["id"]))
    assert code == 201, job


@config(max_jobs_queued=1)
async def test_a_resume_beyond_max_jobs_queued_is_429(api):
    # Each stopped job re-queued for free would bypass the limit (review 17b, 5).
    code, ds = await upload(api, csv_bytes(60))
    ids = []
    for _ in range(2):
        code, job = await api("POST", "jobs", job_spec(ds["id"]))
        assert code == 201, job
        ids.append(job["id"])
        assert (await api("POST", f"jobs/{job['id']}/stop"))[0] == 200  # cancelled
    code, job = await api("POST", f"jobs/{ids[0]}/resume")
    assert code == 200 and job["status"] == "queued", job
    code, response = await api("POST", f"jobs/{ids[1]}/resume", parse=False)
    assert code == 429 and response.headers["Retry-After"] == "30"
    code, body = await api("POST", f"jobs/{ids[1]}/resume")
    assert body["error"]["code"] == "too_many_jobs" and body["error"]["details"]["queued"] == 1
    code, page = await api("GET", "jobs", params={"status": "queued"})
    assert [j["id"] for j in page["items"]] == [ids[0]]  # the refused one was not queued
    code, body = await api("POST", "jobs/job_doesnotexist0/resume")
    assert code == 404, body  # an unknown job is still 404, full queue or not
    code, body = await api("POST", f"jobs/{ids[0]}/resume")
    assert code == 409, body  # already queued: the resume's own answer, not 429
    code, doc = await api("GET", "openapi.json")
    assert "429" in doc["paths"]["/jobs/{job_id}/resume"]["post"]["responses"]


@config(max_jobs_queued=1)
async def test_an_experiments_trials_are_not_refused_by_the_queue_limit(api, workspace_dir):
    """Trials are queued by the scheduler, not over REST: a full queue delays them (the
    scheduler runs max_concurrent_jobs at once) but never fails an experiment."""
    code, ds = await upload(api, csv_bytes(60))
    code, job = await api("POST", "jobs", job_spec(ds["id"]))
    assert code == 201
    code, exp = await api("POST", "experiments", {
        "name": "e", "dataset_id": ds["id"], "columns": {"target": "label"},
        "space": {"lr": [0.01, 0.02]}, "trials": 2, "max_concurrent": 2, "strategy": "grid",
        "params": {"max_steps": 5}})
    assert code == 201, exp
    import trainlab
    from trainlab.jobs.driver import advance

    await call(lambda: advance(trainlab.Workspace(workspace_dir), 2))  # a scheduler's turn
    code, page = await api("GET", "jobs", params={"status": "queued"})
    assert len(page["items"]) == 3  # the two trials queued beyond max_jobs_queued=1
    code, body = await api("POST", "jobs", job_spec(ds["id"]))
    assert code == 429 and body["error"]["details"]["queued"] == 3


@config(max_jobs_queued=2)
async def test_submits_at_once_cannot_together_pass_max_jobs_queued(api):
    """Each submit checks the queue and queues its job in one step (a lock in the server), so
    eight submits at once queue exactly two jobs; the others are 429."""
    code, ds = await upload(api, csv_bytes(60))
    assert code == 201, ds
    answers = await asyncio.gather(*(api("POST", "jobs", job_spec(ds["id"])) for _ in range(8)))
    assert sorted(code for code, _ in answers) == [201, 201] + [429] * 6
    assert len((await api("GET", "jobs"))[1]["items"]) == 2


def test_within_queue_checks_and_acts_as_one_step():
    import threading

    queued: list[int] = []
    lock = threading.Lock()

    def submit():
        from trainlab.server.quotas import within_queue

        def act():
            time.sleep(0.01)  # a slow insert: without the lock every thread would pass the check
            queued.append(1)

        with contextlib.suppress(TrainlabError):
            within_queue(lock, lambda: {"queued": len(queued)}, 3, act)

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(queued) == 3


# -- the longest a job may run ----------------------------------------------------------------


@config(run_scheduler=True, max_job_seconds=600)
async def test_a_job_past_max_job_seconds_ends_stopped_with_a_note_and_resumes(api, app):
    assert app.scheduler.max_job_seconds == 600
    code, ds = await upload(api, csv_bytes())
    code, job = await api("POST", "jobs", {
        "dataset_id": ds["id"], "columns": {"target": "label"},
        "params": {"max_steps": 100000, "batch_size": 8, "eval_every": 50,
                   "early_stopping": None}})
    assert code == 201, job
    path = f"jobs/{job['id']}"
    await until(api, path, lambda j: j["status"] == "running" and j["progress"]["step"] > 20)
    app.scheduler.workers[job["id"]].started -= 601  # ten minutes pass, without the wait
    stopped = await until(api, path, lambda j: j["status"] != "running")
    assert stopped["status"] == "stopped" and "max_job_seconds" in stopped["note"]
    assert "600 s" in stopped["note"]
    code, fa = await api("GET", path, headers={"Accept-Language": "fa"})
    assert "ثانیه" in fa["note"] and "max_job_seconds" in fa["note"]
    code, queued = await api("POST", f"{path}/resume")
    assert code == 200 and queued["status"] == "queued"
    await until(api, path, lambda j: j["status"] == "running"
                and j["progress"]["step"] > stopped["progress"]["step"])
    await api("POST", f"{path}/stop")
    await until(api, path, lambda j: j["status"] == "stopped")


# -- the workspace's size --------------------------------------------------------------------
@config(max_workspace_bytes=QUOTA)
async def test_a_content_length_over_the_quota_is_507_before_the_body(
        api, jp_http_port, jp_base_url, http_server, jp_serverapp, app, workspace_dir):
    code, first = await upload(api, csv_of(40_000))
    assert code == 201, first
    used = await call(lambda: folder_bytes(workspace_dir / "datasets"))
    token = jp_serverapp.identity_provider.token
    status, body = await call(exchange, jp_http_port, head(jp_base_url, token, 70_000), [])
    assert status == 507, body
    error = body["error"]
    assert error["code"] == "quota_exceeded" and error["details"]["limit"] == QUOTA
    counted = error["details"]["used"]  # the upload counted at once, its report at the next walk
    assert 40_000 <= counted <= used and error["details"]["size"] == 70_000
    assert f"{counted:,} of {QUOTA:,} bytes" in error["message"]
    assert "DELETE datasets" in error["message"]
    assert leftovers(workspace_dir) == []
    assert [d["id"] for d in (await api("GET", "datasets"))[1]["items"]] == [first["id"]]
    assert (await api("DELETE", f"datasets/{first['id']}"))[0] == 200  # space freed:
    code, second = await upload(api, csv_of(70_000))  # the same upload fits now
    assert code == 201, second


@config(max_workspace_bytes=QUOTA)
async def test_a_chunked_body_past_the_quota_is_cut_off_with_nothing_kept(
        api, jp_http_port, jp_base_url, http_server, jp_serverapp, app, workspace_dir):
    token = jp_serverapp.identity_provider.token
    line = b"1,2,3\n" * 10_000
    chunk = f"{len(line):x}\r\n".encode() + line + b"\r\n"
    parts = [f"{6}\r\n".encode() + b"a,b,c\n\r\n"] + [chunk] * 4  # 240 KB; no Content-Length
    status, body = await call(exchange, jp_http_port, head(jp_base_url, token, None), parts)
    assert status == 507 and body["error"]["code"] == "quota_exceeded", body
    assert body["error"]["details"]["size"] > QUOTA - body["error"]["details"]["used"]
    await until_no_leftovers(workspace_dir)  # the spool is discarded off the loop
    assert (await api("GET", "datasets"))[1]["items"] == []
    code, small = await upload(api, csv_of(10_000))  # under the quota: as before
    assert code == 201, small


@config(max_workspace_bytes=QUOTA)
async def test_a_resumable_upload_reserves_its_size_until_it_ends(api, workspace_dir):
    code, body = await api("POST", "datasets/uploads", {"filename": "big.csv", "size": QUOTA + 1})
    assert code == 507 and body["error"]["code"] == "quota_exceeded"
    assert body["error"]["details"]["size"] == QUOTA + 1
    assert [p.name for p in (workspace_dir / "uploads").iterdir()] == []
    data = csv_of(60_000)
    code, up = await api("POST", "datasets/uploads", {"filename": "r.csv", "size": len(data)})
    assert code == 201, up
    half = len(data) // 2
    code, up = await api("PUT", f"datasets/uploads/{up['id']}", raw=data[:half],
                         headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"})
    assert code == 200 and up["offset"] == half
    # its 60,000 bytes are reserved: neither a body nor a second upload can take them
    code, body = await upload(api, csv_of(50_000), "other.csv")
    assert code == 507 and body["error"]["details"]["used"] >= len(data), body
    code, body = await api("POST", "datasets/uploads", {"filename": "o.csv", "size": 50_000})
    assert code == 507 and body["error"]["code"] == "quota_exceeded", body
    code, ds = await api("PUT", f"datasets/uploads/{up['id']}", raw=data[half:],
                         headers={"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"})
    assert code == 201 and ds["rows"] == len(data) // 4 - 1
    # completed: its reservation became the dataset, counted once (30,000 more still fit)
    code, more = await api("POST", "datasets/uploads", {"filename": "m.csv", "size": 30_000})
    assert code == 201, more
    code, body = await upload(api, csv_of(20_000), "late.csv")
    assert code == 507, body  # 60,000 stored + 30,000 reserved + 20,000 > 100,000
    assert (await api("DELETE", f"datasets/uploads/{more['id']}"))[0] == 200  # cancelled:
    code, late = await upload(api, csv_of(20_000), "late.csv")  # released
    assert code == 201, late


@config(max_workspace_bytes=QUOTA)
async def test_a_body_in_flight_holds_its_content_length(api, app, jp_http_port, jp_base_url,
                                                         http_server, jp_serverapp):
    import socket

    token = jp_serverapp.identity_provider.token
    sock = socket.create_connection(("127.0.0.1", jp_http_port), timeout=10)
    try:  # a 60,000-byte body, of which only the start has arrived
        sock.sendall(head(jp_base_url, token, 60_000).encode() + b"a,b\n1,2\n")
        await until_true(lambda: app.usage.held() == 60_000)
        code, body = await api("POST", "datasets/uploads", {"filename": "o.csv", "size": 50_000})
        assert code == 507 and body["error"]["details"]["used"] == 60_000, body
        code, body = await upload(api, csv_of(50_000), "other.csv")
        assert code == 507, body
    finally:
        sock.close()
    await until_true(lambda: app.usage.held() == 0)  # the client is gone: released
    code, up = await api("POST", "datasets/uploads", {"filename": "o.csv", "size": 50_000})
    assert code == 201, up


async def until_true(predicate, timeout: float = 60.0) -> None:
    """Poll a server-side condition (the bound only stops a broken build)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_two_reservations_that_together_pass_the_limit(tmp_path):
    usage = WorkspaceUsage([tmp_path], pending=lambda: 10)
    usage.reserve("a", 60, 100, "a.csv")
    with pytest.raises(TrainlabError) as caught:
        usage.reserve("b", 40, 100, "b.csv")  # 10 pending + 60 held + 40 > 100
    assert caught.value.code == "quota_exceeded" and caught.value.params["used"] == 70
    usage.hold("a", 80, 100, "a.csv")  # a chunked body grows: still fits alone
    with pytest.raises(TrainlabError):
        usage.hold("a", 91, 100, "a.csv")
    usage.release("a")
    usage.reserve("b", 40, 100, "b.csv")
    assert usage.admit(50, 100, "c.csv", lambda: "made") == "made"  # 10 + 40 + 50
    with pytest.raises(TrainlabError):
        usage.admit(1, 100, "d.csv", lambda: pytest.fail("created beyond the limit"))
    usage.reserve("x", 10**9, 0, "x.csv")  # no limit: nothing held
    assert usage.held() == 40


@config(max_workspace_bytes=QUOTA)
async def test_an_import_over_the_quota_is_507(api, jp_root_dir, workspace_dir):
    (jp_root_dir / "big.csv").write_bytes(csv_of(QUOTA + 4))
    (jp_root_dir / "small.csv").write_bytes(csv_of(1_000))
    code, body = await api("POST", "datasets/import", {"path": "big.csv"},
                           headers={"Accept-Language": "fa"})
    assert code == 507 and body["error"]["code"] == "quota_exceeded"
    assert "سهمیه" in body["error"]["message"] and "DELETE datasets" in body["error"]["message"]
    assert (await api("GET", "datasets"))[1]["items"] == []
    code, ds = await api("POST", "datasets/import", {"path": "small.csv"})
    assert code == 201, ds


async def test_no_quota_by_default(api, app):
    assert app.max_workspace_bytes == 0 and app.max_jobs_queued == 0
    assert app.write_rate_per_minute == 0 and app.max_job_seconds == 0
    for _ in range(40):  # writes are not counted
        assert (await api("DELETE", "jobs/job_00000000000000000000000000"))[0] == 404


def test_workspace_usage_walks_at_most_every_ttl(tmp_path):
    now = [0.0]
    (tmp_path / "datasets" / "ds_a").mkdir(parents=True)
    (tmp_path / "datasets" / "ds_a" / "f").write_bytes(b"x" * 100)
    usage = WorkspaceUsage([tmp_path / "datasets", tmp_path / "missing"], ttl_s=5,
                           clock=lambda: now[0])
    assert usage.used() == 100
    (tmp_path / "datasets" / "ds_a" / "g").write_bytes(b"x" * 50)
    usage.add(7)
    assert usage.used() == 107  # cached, moved on by what was added
    now[0] = 5.0
    assert usage.used() == 150  # walked again
    (tmp_path / "datasets" / "ds_a" / "g").unlink()
    usage.forget()
    assert usage.used() == 100
    assert usage.room(0) is None and usage.room(120) == 20 and usage.room(50) == 0


# -- the write rate limit ----------------------------------------------------------------------
def test_refilled_buckets_are_dropped_so_the_map_stays_small():
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])  # full again in 20 s
    for i in range(50):
        assert limiter.take(f"client-{i}") == 0
    limiter.take("alice")
    limiter.take("alice")
    assert len(limiter) == 51
    now[0] = 15.0  # alice's bucket is still short of full (1.5 of 2), the others are full
    limiter.take("bob")
    assert len(limiter) == 52  # not swept yet: less than one refill time since the first take
    now[0] = 20.0
    limiter.take("carol")  # the sweep: only keys that are not full again stay
    assert len(limiter) == 2  # bob (1.5 tokens) and carol; alice refilled to 2.0: dropped
    assert limiter.take("bob") == 0 and limiter.take("bob") == 5  # bob's bucket was kept
def test_the_token_bucket_refills_at_its_rate_and_says_when():
    now = [100.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])  # one token per 10 s
    assert limiter.take("alice") == 0 and limiter.take("alice") == 0
    assert limiter.take("alice") == 10  # empty: a token in 10 s
    assert limiter.take("bob") == 0  # each user has a bucket of their own
    now[0] += 4
    assert limiter.take("alice") == 6  # 0.4 of a token: 6 s more
    now[0] += 6
    assert limiter.take("alice") == 0 and limiter.take("alice") == 10
    now[0] += 1000
    assert [limiter.take("alice") for _ in range(3)] == [0, 0, 10]  # never more than burst
    assert RateLimiter(per_minute=0, burst=1).take("x") == 0  # off


@config(write_rate_per_minute=1, write_burst=3)
async def test_writes_past_the_rate_are_429_with_retry_after(api, app):
    import json

    now = [1000.0]  # the limiter's clock stands still: Retry-After is exact however slow we are
    app.rate_limiter.clock = lambda: now[0]

    for _ in range(3):  # the burst: answered as usual (here 404)
        assert (await api("DELETE", "jobs/job_00000000000000000000000000"))[0] == 404
    code, response = await api("POST", "datasets", raw=b"a\n1\n", params={"filename": "t.csv"},
                               parse=False)
    assert code == 429
    error = json.loads(response.body)["error"]
    assert error["code"] == "rate_limited"
    retry = int(response.headers["Retry-After"])
    assert retry == error["details"]["retry_after"] == 60  # 1 a minute, none left
    assert f"in {retry} s" in error["message"] and "burst of 3" in error["message"]
    assert (await api("GET", "datasets"))[1]["items"] == []  # the upload was not taken
    code, health = await api("GET", "health")  # reads are not limited
    assert code == 200
    code, body = await api("PUT", "datasets/uploads/up_00000000000000000000000000",
                           headers={"Content-Range": "bytes 0-0/1"}, raw=b"x")
    assert code == 429 and body["error"]["code"] == "rate_limited"
    now[0] += 45  # three quarters of a token: 15 s more
    code, body = await api("DELETE", "jobs/job_00000000000000000000000000")
    assert code == 429 and body["error"]["details"]["retry_after"] == 15
    now[0] += 15
    assert (await api("DELETE", "jobs/job_00000000000000000000000000"))[0] == 404


async def test_the_document_lists_429_on_writes_and_507_on_what_fills_the_disk(api):
    code, doc = await api("GET", "openapi.json")
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            has = "429" in op["responses"]
            assert has == (method != "get"), (method, path)
            if has:
                assert "Retry-After" in op["responses"]["429"]["headers"]
    for path, method in [("/datasets", "post"), ("/datasets/uploads", "post"),
                         ("/datasets/uploads/{upload_id}", "put"), ("/datasets/import", "post")]:
        assert "507" in doc["paths"][path][method]["responses"], path


@pytest.mark.parametrize(("name", "value", "low"), [
    ("max_jobs_queued", -1, 0), ("max_workspace_bytes", -1, 0), ("max_job_seconds", -0.5, 0),
    ("max_job_seconds", float("nan"), 0), ("write_rate_per_minute", -2.0, 0),
    ("write_burst", 0, 1), ("health_min_free_bytes", -1, 0)])
def test_a_negative_limit_is_refused_naming_the_trait_and_the_range(name, value, low):
    from traitlets import TraitError

    from trainlab.server.app import TrainlabApp

    with pytest.raises(TraitError) as caught:
        TrainlabApp(**{name: value})
    assert f"c.TrainlabApp.{name} = " in str(caught.value)
    assert f"use a number from {low} up" in str(caught.value)
    assert getattr(TrainlabApp(**{name: low}), name) == low  # the bound itself is allowed
