"""Every route of the API, walked from the route table: no token -> 403 and nothing changes;
a wrong token -> 403; a cookie-authenticated write without the XSRF token -> 403; the
token -> the documented success status. A route added without a case here fails the test."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

import trainlab
from tests.server.test_jobs_api import csv_bytes
from trainlab.server.openapi import document
from trainlab.server.routes import ROUTES

CSV = b"x,label\n1,a\n2,b\n3,a\n"


class World:
    """Fresh objects for each request, so a DELETE never spoils the next case."""

    def __init__(self, app, root) -> None:
        self.ws = app.workspace
        self.app = app
        self.root = root
        self.trained = None

    def dataset(self) -> str:
        path = self.root / "d.csv"
        path.write_bytes(csv_bytes(60))
        return self.ws.datasets.add(path).id

    def upload(self) -> str:
        return self.app.uploads.start("u.csv", len(CSV) * 2, None, None, 10**9)["id"]

    def job(self, status: str = "queued") -> str:
        from trainlab.jobs.records import Records

        job_id = trainlab.workspace.new_id("job")
        Records(self.ws).insert(job_id, name="j", task="tabular", dataset_id=None, columns={},
                                params={}, device="cpu", status=status, runner="worker")
        return job_id

    def trained_job(self) -> str:
        if self.trained is None:
            result = trainlab.fit(self.dataset(), workspace=self.ws, columns={"target": "label"},
                                  max_steps=5, batch_size=16)
            self.trained = result.job_id
        return self.trained

    def experiment(self, status: str = "running") -> str:
        """An experiment's record (no trials), straight into the store."""
        from trainlab.jobs.experiment_records import ExperimentRecords

        exp_id = trainlab.workspace.new_id("exp")
        ExperimentRecords(self.ws).insert({
            "id": exp_id, "name": "e", "dataset_id": "ds_x", "task": "tabular-classification",
            "columns": {}, "space": {"lr": [0.01]}, "params": {}, "trials": 1,
            "metric": "accuracy", "direction": "maximize", "max_concurrent": None,
            "strategy": "tpe", "pruner": "median", "seed": 0, "device": "cpu"})
        if status != "running":
            ExperimentRecords(self.ws).set_status(exp_id, status)
        return exp_id

    def snapshot(self):
        rows = self.ws.store.query("SELECT id, status, stop_requested FROM jobs ORDER BY id")
        experiments = [tuple(r) for r in self.ws.store.query(
            "SELECT id, status FROM experiments ORDER BY id")]
        datasets = [d.id for d in self.ws.datasets.list()]
        uploads = sorted((p.name, (p / "data").stat().st_size) for p in self.app.uploads.root.iterdir())
        return [tuple(r) for r in rows], datasets, uploads, experiments


# (method, path) -> world -> (url path, request kwargs)
CASES = {
    ("GET", "health"): lambda w: ("health", {}),
    ("GET", "openapi.json"): lambda w: ("openapi.json", {}),
    ("GET", "models"): lambda w: ("models", {}),
    ("GET", "datasets"): lambda w: ("datasets", {}),
    ("POST", "datasets"): lambda w: ("datasets", {"params": {"filename": "a.csv"}, "body": CSV}),
    ("POST", "datasets/uploads"): lambda w: ("datasets/uploads", {"body": json.dumps(
        {"filename": "x.csv", "size": 10})}),
    ("GET", "datasets/uploads"): lambda w: ("datasets/uploads", {}),
    ("GET", "datasets/uploads/{upload_id}"): lambda w: (f"datasets/uploads/{w.upload()}", {}),
    ("PUT", "datasets/uploads/{upload_id}"): lambda w: (f"datasets/uploads/{w.upload()}", {
        "body": CSV, "headers": {"Content-Range": f"bytes 0-{len(CSV) - 1}/{len(CSV) * 2}"}}),
    ("DELETE", "datasets/uploads/{upload_id}"): lambda w: (f"datasets/uploads/{w.upload()}", {}),
    ("POST", "datasets/import"): lambda w: ("datasets/import", {"body": json.dumps({"path": "in.csv"})}),
    ("GET", "datasets/{dataset_id}"): lambda w: (f"datasets/{w.dataset()}", {}),
    ("GET", "datasets/{dataset_id}/report"): lambda w: (f"datasets/{w.dataset()}/report", {}),
    ("GET", "datasets/{dataset_id}/preview"): lambda w: (f"datasets/{w.dataset()}/preview", {}),
    ("GET", "datasets/{dataset_id}/profile"): lambda w: (f"datasets/{w.dataset()}/profile", {}),
    ("POST", "datasets/{dataset_id}/check"): lambda w: (f"datasets/{w.dataset()}/check", {
        "body": json.dumps({"task": "tabular", "columns": {"target": "label"}})}),
    ("GET", "datasets/{dataset_id}/histograms"): lambda w: (
        f"datasets/{w.dataset()}/histograms", {}),
    ("GET", "datasets/{dataset_id}/file"): lambda w: (f"datasets/{w.dataset()}/file", {}),
    ("DELETE", "datasets/{dataset_id}"): lambda w: (f"datasets/{w.dataset()}", {}),
    ("GET", "jobs"): lambda w: ("jobs", {}),
    ("POST", "jobs"): lambda w: ("jobs", {"body": json.dumps(
        {"dataset_id": w.dataset(), "columns": {"target": "label"}})}),
    ("GET", "jobs/{job_id}"): lambda w: (f"jobs/{w.job()}", {}),
    ("POST", "jobs/{job_id}/stop"): lambda w: (f"jobs/{w.job()}/stop", {"body": b""}),
    ("POST", "jobs/{job_id}/resume"): lambda w: (f"jobs/{w.job('stopped')}/resume", {"body": b""}),
    ("DELETE", "jobs/{job_id}"): lambda w: (f"jobs/{w.job('failed')}", {}),
    ("GET", "jobs/{job_id}/metrics"): lambda w: (f"jobs/{w.trained_job()}/metrics", {}),
    ("GET", "jobs/{job_id}/logs"): lambda w: (f"jobs/{w.trained_job()}/logs", {}),
    ("GET", "jobs/{job_id}/events"): lambda w: (f"jobs/{w.trained_job()}/events", {}),
    ("GET", "jobs/{job_id}/model"): lambda w: (f"jobs/{w.trained_job()}/model", {}),
    ("POST", "jobs/{job_id}/predict"): lambda w: (f"jobs/{w.trained_job()}/predict", {
        "body": json.dumps({"records": [{"x": 1, "z": 0, "color": "red"}]})}),
    ("POST", "jobs/{job_id}/evaluate"): lambda w: (f"jobs/{w.trained_job()}/evaluate", {
        "body": json.dumps({"dataset_id": w.dataset()})}),
    ("GET", "experiments"): lambda w: ("experiments", {}),
    ("POST", "experiments"): lambda w: ("experiments", {"body": json.dumps(
        {"name": "e", "dataset_id": w.dataset(), "columns": {"target": "label"},
         "space": {"lr": [0.01, 0.1]}, "trials": 2})}),
    ("GET", "experiments/{experiment_id}"): lambda w: (f"experiments/{w.experiment()}", {}),
    ("POST", "experiments/{experiment_id}/stop"): lambda w: (
        f"experiments/{w.experiment()}/stop", {"body": b""}),
    ("DELETE", "experiments/{experiment_id}"): lambda w: (
        f"experiments/{w.experiment('stopped')}", {}),
    ("GET", "experiments/{experiment_id}/results"): lambda w: (
        f"experiments/{w.experiment()}/results", {}),
}
OPS = [(op.method, op.path) for op in ROUTES]


def test_every_route_has_a_case_and_is_documented():
    assert sorted(CASES) == sorted(OPS)
    paths = document(ROUTES)["paths"]
    documented = {(m.upper(), p.lstrip("/")) for p, ops in paths.items() for m in ops}
    assert documented == set(OPS)


@pytest.fixture()
def world(app, jp_root_dir):
    (jp_root_dir / "in.csv").write_bytes(CSV)
    return World(app, jp_root_dir)


@pytest.fixture()
def send(http_server_client, jp_base_url):
    async def call(method, path, headers=None, params=None, body=None):
        from urllib.parse import urlencode

        url = jp_base_url.rstrip("/") + "/trainlab/api/" + path
        if params:
            url += "?" + urlencode(params)
        if body is None and method in ("POST", "PUT"):
            body = b""
        try:
            response = await http_server_client.fetch(url, method=method, headers=headers or {},
                                                      body=body, allow_nonstandard_methods=True,
                                                      request_timeout=60, follow_redirects=False)
        except HTTPClientError as exc:
            response = exc.response
        return response
    return call


@pytest.mark.parametrize(("method", "path"), OPS, ids=[f"{m} {p}" for m, p in OPS])
async def test_route_needs_authentication(method, path, world, send, jp_serverapp, jp_base_url,
                                          http_server_client):
    url, kw = CASES[(method, path)](world)
    token = jp_serverapp.identity_provider.token
    op = next(o for o in ROUTES if (o.method, o.path) == (method, path))
    before = world.snapshot()

    for headers in ({}, {"Authorization": "token wrong-" + token}):
        response = await send(method, url, headers={**headers, **kw.get("headers", {})},
                              params=kw.get("params"), body=kw.get("body"))
        assert response.code == 403, (headers, response.body[:300])
        error = json.loads(response.body)["error"]
        assert error["code"] == "not_authenticated" and error["message"]
    assert world.snapshot() == before  # no side effect

    if method != "GET":  # signed in by cookie, but no XSRF token: refused, nothing changes
        login = await http_server_client.fetch(jp_base_url + f"api/status?token={token}")
        cookie = login.headers["Set-Cookie"].split(";")[0]
        response = await send(method, url, headers={"Cookie": cookie, **kw.get("headers", {})},
                              params=kw.get("params"), body=kw.get("body"))
        assert response.code == 403, response.body[:300]
        assert world.snapshot() == before

    response = await send(method, url, headers={"Authorization": f"token {token}",
                                                **kw.get("headers", {})},
                          params=kw.get("params"), body=kw.get("body"))
    assert response.code == op.status, response.body[:500]
    assert response.headers["Content-Type"].split(";")[0] in op.media_types


async def test_cookie_session_with_the_xsrf_token_may_write(world, send, jp_serverapp, jp_base_url,
                                                            http_server_client):
    token = jp_serverapp.identity_provider.token
    page = await http_server_client.fetch(jp_base_url + f"tree?token={token}", raise_error=False,
                                          follow_redirects=False)
    cookies = dict(c.split(";")[0].split("=", 1) for c in page.headers.get_list("Set-Cookie"))
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    xsrf = cookies["_xsrf"]
    response = await send("POST", "datasets", params={"filename": "c.csv"}, body=CSV,
                          headers={"Cookie": header, "X-XSRFToken": xsrf})
    assert response.code == 201


async def test_a_read_only_authorizer_blocks_writes(jp_serverapp, world, send):
    """A custom Authorizer that allows only reading trainlab:datasets: GET works, POST is 403
    'forbidden' (authenticated, not allowed)."""
    from jupyter_server.auth.authorizer import Authorizer

    class ReadOnly(Authorizer):
        def is_authorized(self, handler, user, action, resource):
            return not resource.startswith("trainlab:") or action == "read"

    jp_serverapp.web_app.settings["authorizer"] = ReadOnly(parent=jp_serverapp)
    token = jp_serverapp.identity_provider.token
    headers = {"Authorization": f"token {token}"}
    assert (await send("GET", "datasets", headers=headers)).code == 200
    before = world.snapshot()
    response = await send("POST", "datasets", params={"filename": "r.csv"}, body=CSV, headers=headers)
    assert response.code == 403 and json.loads(response.body)["error"]["code"] == "forbidden"
    response = await send("DELETE", f"jobs/{world.job('failed')}", headers=headers)
    assert response.code == 403 and json.loads(response.body)["error"]["code"] == "forbidden"
    after = world.snapshot()
    assert after[1:] == before[1:]
