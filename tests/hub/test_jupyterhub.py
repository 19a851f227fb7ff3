"""trainlab under a real JupyterHub (issue 17): everything over HTTP through the hub's proxy under
/user/<name>/trainlab/api/, with tokens the hub issued. The hub (tests/hub/conftest.py) is started
once for the module; every wait here has a hard bound, within the module's budget (conftest.py
states the worst case), and a wait for a job fails at once when the job ends otherwise."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.hub.conftest import ACTIVITY_S, CULL_EVERY_S, CULL_TIMEOUT_S, PASSWORD, Hub


def csv_bytes(n: int = 300, seed: int = 0) -> bytes:
    """A small tabular dataset: the label follows from x and the colour."""
    rng = random.Random(seed)
    lines = ["x,z,color,label"]
    for _ in range(n):
        x, z, color = rng.gauss(0, 1), rng.gauss(0, 1), rng.choice(["red", "green", "blue"])
        score = x + {"red": 1.0, "green": -1.0, "blue": 0.0}[color]
        lines.append(f"{x:.4f},{z:.4f},{color},{'high' if score > 0 else 'low'}")
    return ("\n".join(lines) + "\n").encode()


TERMINAL = ("completed", "failed", "stopped", "interrupted")


class User:
    """A user's server as a client sees it: the proxy's URL and the user's hub token."""

    def __init__(self, hub: Hub, name: str, server: str = "", url: str | None = None) -> None:
        self.hub, self.name, self.server = hub, name, server
        self.url = url or hub.start_server(name, server)  # url: started already
        self.api = self.url + "trainlab/api/"
        self.token = hub.token_for(name)

    def call(self, method: str, path: str, token: str | None = None, **kw):
        headers = {"Authorization": f"token {token or self.token}", **kw.pop("headers", {})}
        return self.hub.http.request(method, self.api + path, headers=headers,
                                     timeout=kw.pop("timeout", 60), **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw) -> dict:
        got = self.call(method, path, **kw)
        assert got.status_code == status, (method, path, got.status_code, got.text[:2000])
        return got.json()

    def wait_job(self, job_id: str, until, timeout: float = 120) -> dict:
        """Poll the job until ``until(job)``; fail at once if it ends (a terminal status) without
        ``until`` accepting it, and at the deadline."""
        deadline = self.hub.deadline(timeout)
        while True:
            job = self.ok("GET", f"jobs/{job_id}")
            if until(job):
                return job
            assert job["status"] not in TERMINAL, f"job {job_id} ended before it got there: {job}"
            assert time.monotonic() < deadline, f"job {job_id} never got there: {job}"
            time.sleep(0.2)

    def events(self, job_id: str, timeout: float = 120) -> list[tuple[str, object]]:
        """GET jobs/{id}/events through the proxy, read until the 'end' event."""
        events: list[tuple[str, object]] = []
        deadline = self.hub.deadline(timeout)
        with self.call("GET", f"jobs/{job_id}/events", stream=True, timeout=30) as stream:
            assert stream.status_code == 200
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            name, data = None, []
            for line in stream.iter_lines(decode_unicode=True):
                assert time.monotonic() < deadline, "the event stream did not end"
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif not line and name:
                    events.append((name, json.loads("\n".join(data))))
                    if name == "end":
                        break
                    name, data = None, []
        return events


@pytest.fixture(scope="module")
def users(hub) -> dict[str, User]:
    """alice's and bob's default servers, started together."""
    urls = hub.start_servers([("alice", ""), ("bob", "")])
    return {name: User(hub, name, url=url) for name, url in zip(("alice", "bob"), urls)}


@pytest.fixture(scope="module")
def alice(users) -> User:
    return users["alice"]


@pytest.fixture(scope="module")
def bob(users) -> User:
    return users["bob"]


LOG_EVERY = 10  # steps between the train loss points


def tiny_job(dataset_id: str, **params) -> dict:
    return {"dataset_id": dataset_id, "columns": {"target": "label"},
            "params": {"batch_size": 8, "early_stopping": None, "log_every": LOG_EVERY, **params}}


def train_steps(user: User, job_id: str) -> list[int]:
    points = user.ok("GET", f"jobs/{job_id}/metrics")["items"]
    return [p["step"] for p in points if p["name"] == "loss" and p["split"] == "train"]


def test_the_password_is_checked_at_the_hubs_login(hub):
    import requests

    for password, signed_in in (("wrong", False), (PASSWORD, True)):
        browser = requests.Session()
        form = browser.get(hub.url + "hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
        got = browser.post(hub.url + "hub/login", allow_redirects=False, timeout=30,
                           data={"username": "alice", "password": password, "_xsrf": xsrf})
        assert (got.status_code == 302) is signed_in, (password, got.status_code)
        assert any(c.name.startswith("jupyterhub-session") for c in browser.cookies) is signed_in


def test_each_user_has_a_workspace_of_their_own(hub, alice, bob):
    """alice's default workspace follows her home (SimpleLocalProcessSpawner's per-user home);
    bob's server is configured with workspace_dir = .../workspaces/{username}/trainlab."""
    where = {u.name: Path(u.ok("GET", "health")["workspace"]) for u in (alice, bob)}
    assert where["alice"] == (hub.tmp / "home" / "alice" / ".local/share/trainlab").resolve()
    assert where["bob"] == (hub.tmp / "workspaces" / "bob" / "trainlab").resolve()
    mine = alice.ok("POST", "datasets", 201, params={"filename": "alice.csv"}, data=csv_bytes(50))
    assert [d["id"] for d in alice.ok("GET", "datasets")["items"]] == [mine["id"]]
    assert bob.ok("GET", "datasets")["items"] == []
    assert bob.call("GET", f"datasets/{mine['id']}").status_code == 404
    assert (where["alice"] / "datasets" / mine["id"]).is_dir()


def dummy(path: str) -> str:
    return re.sub(r"\{(\w+)_id\}", lambda m: {"dataset": "ds_", "job": "job_", "upload": "up_",
                                                "experiment": "exp_"}[m.group(1)] + "0" * 12, path)


def test_a_token_reaches_only_the_servers_its_scopes_allow(hub, alice, bob):
    """Every trainlab route of bob's server, walked from bob's own openapi.json, refuses alice's
    token with 403 and changes nothing."""
    document = bob.ok("GET", "openapi.json")
    walked = 0
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            body = op.get("requestBody", {}).get("content", {})
            kw = {"data": b"x,y\n1,2\n"} if "application/octet-stream" in body else \
                {"json": {}} if body else {}
            got = bob.call(method.upper(), dummy(path.lstrip("/")), token=alice.token,
                           params={"filename": "t.csv"}, headers={"Content-Range": "bytes 0-7/8"},
                           **kw)
            assert got.status_code == 403, (method, path, got.status_code, got.text[:300])
            walked += 1
    assert walked == sum(len(ms) for ms in document["paths"].values()) >= 30
    assert bob.ok("GET", "datasets")["items"] == [] and bob.ok("GET", "jobs")["items"] == []
    # Service tokens, by the scopes of their roles in conftest.py (JupyterHub's scope model:
    # a server's URLs need access:servers for that server; reading the hub's user records is a
    # different scope and grants nothing on the servers themselves):
    # - the admin service has the built-in 'admin' role, which includes access:servers (every
    #   server) and admin:users: it reaches both users' trainlab and the hub's user list;
    for user in (alice, bob):
        assert user.call("GET", "health", token=hub.admin_token).status_code == 200
    assert hub.hub_api("GET", "users", token=hub.admin_token).status_code == 200
    # - 'reader' has read:users only: it reads bob's hub record, but no server lets it in;
    assert hub.hub_api("GET", "users/bob", token=hub.reader_token).status_code == 200
    assert bob.call("GET", "health", token=hub.reader_token).status_code == 403
    assert bob.call("GET", "datasets", token=hub.reader_token).status_code == 403
    # - 'bob-helper' has access:servers!user=bob: bob's server (every route, this is jupyter
    #   server's all-or-nothing access), not alice's, and not the hub's user records
    assert bob.call("GET", "datasets", token=hub.bob_helper_token).status_code == 200
    assert alice.call("GET", "datasets", token=hub.bob_helper_token).status_code == 403
    assert hub.hub_api("GET", "users/bob", token=hub.bob_helper_token).status_code == 403
    # - a user's own token with fewer scopes than the user: read:users!user=alice only
    narrow = hub.token_for("alice", scopes=["read:users!user=alice"])
    assert alice.call("GET", "health", token=narrow).status_code == 403


def test_uploads_jobs_events_and_models_through_the_proxy(alice):
    data = csv_bytes(300, seed=1)
    # a streamed upload: the body is sent chunked, as it is read (no Content-Length)
    streamed = alice.ok("POST", "datasets", 201, params={"filename": "streamed.csv"},
                        data=(data[i:i + 1000] for i in range(0, len(data), 1000)))
    assert streamed["rows"] == 300 and streamed["sha256"] == hashlib.sha256(data).hexdigest()
    # a resumable upload in parts, with a retried part, then the sha256 check on the last one
    digest = hashlib.sha256(data).hexdigest()
    up = alice.ok("POST", "datasets/uploads", 201,
                  json={"filename": "parts.csv", "size": len(data), "sha256": digest})
    part, start, result = 2048, 0, None
    while start < len(data):
        end = min(start + part, len(data))
        got = alice.call("PUT", f"datasets/uploads/{up['id']}", data=data[start:end],
                         headers={"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"})
        assert got.status_code == (201 if end == len(data) else 200), got.text
        result = got.json()
        if start == 0:  # the same part again (a retry after a lost answer): 409 with the offset
            again = alice.call("PUT", f"datasets/uploads/{up['id']}", data=data[:end],
                               headers={"Content-Range": f"bytes 0-{end - 1}/{len(data)}"})
            assert again.status_code == 409 and again.json()["error"]["details"]["offset"] == end
        start = end
    assert result["sha256"] == digest and result["rows"] == 300
    wrong = alice.ok("POST", "datasets/uploads", 201,
                     json={"filename": "bad.csv", "size": len(data), "sha256": "0" * 64})
    got = alice.call("PUT", f"datasets/uploads/{wrong['id']}", data=data,
                     headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    assert got.status_code == 422 and got.json()["error"]["code"] == "upload_checksum_mismatch"
    # a job, followed through its events until the end, then its model downloaded
    job = alice.ok("POST", "jobs", 201, json=tiny_job(streamed["id"], max_steps=40))
    events = alice.events(job["id"])
    names = [name for name, _ in events]
    assert names[-1] == "end" and events[-1][1] == {"id": job["id"], "status": "completed"}
    assert {"status", "progress", "metrics"} <= set(names)
    assert train_steps(alice, job["id"]) == list(range(LOG_EVERY, 41, LOG_EVERY))
    model = alice.call("GET", f"jobs/{job['id']}/model")
    assert model.status_code == 200 and model.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(model.content)) as archive:
        assert archive.testzip() is None and len(archive.namelist()) >= 2
    out = alice.ok("POST", f"jobs/{job['id']}/predict",
                   json={"records": [{"x": 2.0, "z": 0.0, "color": "red"}]})
    assert out["predictions"] in (["high"], ["low"])


def test_a_server_stopped_by_the_hub_mid_job_leaves_it_interrupted_then_it_resumes(hub, alice):
    """The job cannot end by itself before the stop (10**6 steps, no early stopping): the hub
    stops alice's server as soon as the job is seen running at step >= 10; after the restart the
    job resumes, runs on past the stop point, and is stopped through the API. Its train loss
    history (log_every=1) is then one run of steps 1..last, with no gap and no step twice."""
    import psutil

    import trainlab

    ds = alice.ok("POST", "datasets", 201, params={"filename": "long.csv"}, data=csv_bytes(200))
    job = alice.ok("POST", "jobs", 201, json=tiny_job(
        ds["id"], max_steps=10**6, epochs=10**5, eval_every=10**5, log_every=1))
    alice.wait_job(job["id"], lambda j: j["status"] == "running" and j["progress"]["step"] >= 10)
    workspace = alice.ok("GET", "health")["workspace"]
    server_pid = hub.server_pid("alice")
    hub.stop_server("alice")  # the spawner signals the server; the server stops its workers
    assert alice.call("GET", "health").status_code != 200  # nothing serves alice now
    assert not psutil.pid_exists(server_pid) or psutil.Process(server_pid).status() == \
        psutil.STATUS_ZOMBIE
    ended = trainlab.Workspace(workspace).jobs.get(job["id"])  # what the server left on disk
    assert ended.status == "interrupted", (ended.status, ended.note)
    workers = [p for p in psutil.process_iter(["cmdline"]) if job["id"] in " ".join(
        p.info["cmdline"] or []) or workspace in " ".join(p.info["cmdline"] or [])]
    assert workers == [], [p.info["cmdline"] for p in workers]
    again = User(hub, "alice")
    stopped_at = again.ok("GET", f"jobs/{job['id']}")
    assert stopped_at["status"] == "interrupted"
    before = max(train_steps(again, job["id"]))
    assert before >= 10
    # the answer is the job right after the action: the restarted server's scheduler (its
    # worker prewarmed) may have claimed it already (seen in a fresh-check)
    assert again.ok("POST", f"jobs/{job['id']}/resume")["status"] in ("queued", "running")
    again.wait_job(job["id"], lambda j: j["status"] == "running"
                   and j["progress"]["step"] >= before + 10)
    assert again.ok("POST", f"jobs/{job['id']}/stop")["id"] == job["id"]
    assert again.wait_job(job["id"], lambda j: j["status"] == "stopped", timeout=60)
    # one history: strictly increasing, no gap, no step twice (the part before the stop, then
    # the rest from the checkpoint)
    steps = train_steps(again, job["id"])
    assert steps == list(range(1, steps[-1] + 1)) and steps[-1] >= before + 10, \
        (before, steps[:5], steps[-5:], len(steps))


def hub_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_idle_culler_spares_a_training_server_and_culls_it_once_idle(hub):
    """jupyterhub-idle-culler (a hub-managed service, --timeout=CULL_TIMEOUT_S) culls named
    servers only here: carol's server 'cull' is left untouched while a job trains on it, until
    the hub has seen it report activity for well past the culler's timeout; then the job is
    stopped and the server left idle, and the culler stops it. The waits follow the hub's own
    records (no assertion on elapsed time), each bounded generously by multiples of the
    culler's timeout."""
    import psutil

    carol = User(hub, "carol", "cull")
    server = psutil.Process(hub.server_pid("carol", "cull"))
    assert server.is_running()
    ds = carol.ok("POST", "datasets", 201, params={"filename": "c.csv"}, data=csv_bytes(100))
    job = carol.ok("POST", "jobs", 201, json=tiny_job(ds["id"], max_steps=10**6,
                                                      epochs=10**5, eval_every=500))
    carol.wait_job(job["id"], lambda j: j["status"] == "running")
    culler = hub.start_culler()
    try:
        culled_while_idle(hub, carol, job["id"], server)
    finally:
        culler.terminate()
        culler.wait(30)


def culled_while_idle(hub: Hub, carol: User, job_id: str, server) -> None:
    import psutil

    touched = datetime.now(UTC)  # from here on, nobody sends carol's server a request
    # Hands off until the hub has recorded activity of the server from more than the culler's
    # timeout (plus two culler passes) after the last request: only the training job can have
    # made the server report it, and the culler, which looks every CULL_EVERY_S, has had
    # passes in which the server would have been idle for its whole timeout without it.
    needed = CULL_TIMEOUT_S + 2 * CULL_EVERY_S + ACTIVITY_S
    deadline = hub.deadline(3 * needed + 60)
    while True:
        state = hub.user("carol")["servers"].get("cull")
        assert state is not None, "culled while its job was training"
        if (hub_time(state["last_activity"]) - touched).total_seconds() > needed:
            break
        assert time.monotonic() < deadline, f"no activity reported past {needed} s: {state}"
        time.sleep(0.5)
    assert carol.ok("POST", f"jobs/{job_id}/stop")["id"] == job_id
    carol.wait_job(job_id, lambda j: j["status"] == "stopped", timeout=60)
    # now idle: culled after CULL_TIMEOUT_S (+ culler rounds and an activity report, generously)
    assert hub.wait_gone("carol", "cull", 3 * CULL_TIMEOUT_S + 60), hub.log()
    assert carol.call("GET", "health").status_code != 200
    # the hub's REST says the server is gone; its process is gone too
    try:
        server.wait(30)
    except psutil.TimeoutExpired as still:
        raise AssertionError(f"carol's server (pid {server.pid}) runs after the cull") from still
