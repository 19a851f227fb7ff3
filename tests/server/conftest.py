"""A Jupyter server with the trainlab extension on a scratch workspace (pytest-jupyter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# pytest-jupyter's fixtures and its async test runner, for the tests in this folder only (as a
# plugin its autouse fixtures would build a ServerApp around every test of the suite).
from pytest_jupyter.jupyter_core import *  # noqa: F403
from pytest_jupyter.jupyter_core import pytest_pyfunc_call  # noqa: F401
from pytest_jupyter.jupyter_server import *  # noqa: F403


@pytest.fixture()
def workspace_dir(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture()
def trainlab_config() -> dict:
    """Overrides of c.TrainlabApp for one test (scheduler off by default: it is started where a
    test trains)."""
    return {"run_scheduler": False, "prewarm_worker": False}


@pytest.fixture()
def jp_server_config(workspace_dir: Path, trainlab_config: dict) -> dict:
    return {"ServerApp": {"jpserver_extensions": {"trainlab": True}},
            "TrainlabApp": {"workspace_dir": str(workspace_dir), "validate_responses": True,
                            **trainlab_config}}


@pytest.fixture()
def api(jp_fetch, jp_serverapp):
    """api(method, path, body=None, **kw) -> (status, json); never raises on an HTTP error."""
    from tornado.httpclient import HTTPClientError

    async def call(method: str, path: str, body=None, *, params=None, headers=None,
                   raw: bytes | None = None, parse: bool = True):
        kwargs = {"method": method, "headers": headers or {}, "params": params or {}}
        if raw is not None:
            kwargs["body"] = raw
        elif body is not None:
            kwargs["body"] = json.dumps(body)
        elif method in ("POST", "PUT"):
            kwargs["body"] = b""
        kwargs["allow_nonstandard_methods"] = True
        try:
            response = await jp_fetch("trainlab", "api", *path.split("/"), **kwargs)
        except HTTPClientError as exc:
            response = exc.response
        text = response.body
        if not parse:
            return response.code, response
        return response.code, (json.loads(text) if text else None)

    return call


@pytest.fixture()
def raw(http_server_client, jp_auth_header, jp_base_url, jp_serverapp):
    """raw(method, "datasets?filename=%FF.csv", body) -> (status, json): the URL sent as written."""
    from tornado.httpclient import HTTPClientError

    async def call(method: str, suffix: str, body: bytes | None = None, headers=None):
        url = jp_base_url.rstrip("/") + "/trainlab/api/" + suffix
        try:
            response = await http_server_client.fetch(
                url, method=method, body=body, headers={**jp_auth_header, **(headers or {})},
                allow_nonstandard_methods=True, request_timeout=20)
        except HTTPClientError as exc:
            if exc.response is None:  # the server closed the connection without an answer
                return exc.code, None
            response = exc.response
        except OSError:  # e.g. StreamClosedError
            return 599, None
        return response.code, (json.loads(response.body) if response.body else None)

    return call


@pytest.fixture()
def app(jp_serverapp, jp_asyncio_loop):
    """The running TrainlabApp, started as `jupyter server` starts it (pytest-jupyter does not
    run the extensions' start hooks: this does, so the scheduler runs where it is on)."""
    extension = jp_serverapp.extension_manager.extension_points["trainlab"].app
    jp_asyncio_loop.run_until_complete(extension._start_jupyter_server_extension(jp_serverapp))
    return extension


# -- a real `jupyter server` process, driven over HTTP as a script would --------------------------
class LiveServer:
    def __init__(self, url: str, token: str, workspace: Path, process, root: Path) -> None:
        self.url, self.token, self.workspace = url, token, workspace
        self.process, self.root = process, root
        self.api = url + "trainlab/api/"

    def headers(self, **more: str) -> dict:
        return {"Authorization": f"token {self.token}", **more}


def start_live_server(tmp: Path, *extra: str, env: dict | None = None,
                      app: str = "server") -> LiveServer:
    """`jupyter server` (or `jupyter lab`) on a free loopback port, with a token."""
    import os
    import secrets
    import socket
    import subprocess
    import sys
    import time

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    workspace, root = tmp / "workspace", tmp / "root"
    root.mkdir(parents=True, exist_ok=True)
    log = open(tmp / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", app, "--allow-root", "--no-browser",
         f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         f"--TrainlabApp.workspace_dir={workspace}", "--TrainlabApp.validate_responses=True",
         *extra],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL, start_new_session=True)  # no terminal, as under a spawner
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp / "server.log").read_text(errors="replace")[-3000:])
        try:
            if requests.get(url + "trainlab/api/health", timeout=2,
                            headers={"Authorization": f"token {token}"}).status_code == 200:
                return LiveServer(url, token, workspace, process, root)
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("jupyter server did not start: "
                       + (tmp / "server.log").read_text(errors="replace")[-3000:])


def stop_live_server(server: LiveServer, timeout: float = 60) -> int:
    import signal
    import subprocess

    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            return server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            return server.process.wait()
    return server.process.returncode


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_live_server(tmp_path_factory.mktemp("live"),
                               "--TrainlabApp.prewarm_worker=False")
    yield server
    stop_live_server(server)
