"""A real JupyterHub on loopback for tests/hub (issue 17): the hub, configurable-http-proxy from
tests/hub/proxy/node_modules (installed by make's set-up with `npm ci`), DummyAuthenticator with a
password, SimpleLocalProcessSpawner with a home folder per user, and jupyterhub-idle-culler as a
hub-managed service. One hub per module; everything it started is stopped at the end, and the
test fails if a process of it is left."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHP = HERE / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
SRC = Path(__import__("trainlab").__file__).resolve().parents[1]  # this checkout's trainlab
PASSWORD = "hub-test-password"
CULL_TIMEOUT_S = 6  # the idle culler's --timeout
CULL_EVERY_S = 1  # and its --cull-every
ACTIVITY_S = 1  # trainlab's activity_interval and the single-user JUPYTERHUB_ACTIVITY_INTERVAL
# The proxy's settings for large uploads. configurable-http-proxy has no body-size limit. It drops
# a request after --timeout ms, and gives up on a target that has not answered after
# --proxy-timeout ms. A streamed upload is one long request whose answer comes only after the
# whole body (then its validation) is through, so both must exceed the slowest upload's transfer
# time (a resumable upload's parts are short requests each). On Kubernetes the ingress in front
# of the proxy has its own limits: nginx-ingress's `proxy-body-size` annotation (1m by default:
# set 0, or above the largest part) and its proxy-read/send timeouts. The proxy keeps connections
# to the servers alive: an answer before the whole body must say Connection: close (trainlab's
# stream handler does), or the proxy reuses a closing socket and answers 503.
PROXY_TIMEOUT_MS = 3_600_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_config(tmp: Path, admin_token: str, ports: dict[str, int]) -> str:
    """jupyterhub_config.py for the test hub."""
    singleuser = Path(sys.executable).parent / "jupyterhub-singleuser"
    services = [
        # a full admin (the built-in 'admin' role: admin:users, admin:servers, tokens,
        # access:servers, ...): creates users, starts and stops servers, issues tokens
        {"name": "test-admin", "api_token": admin_token},
        # two narrower service tokens, for what "the hub's scopes allow, no more" means
        {"name": "reader", "api_token": admin_token[::-1]},
        {"name": "bob-helper", "api_token": admin_token.upper()},
        # the idle culler, started and stopped by the hub; it culls named servers only, so the
        # default servers the other tests use stay up however long those tests idle
        {"name": "idle-culler", "command": [
            sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_TIMEOUT_S}",
            f"--cull-every={CULL_EVERY_S}", "--cull-default-servers=False"]},
    ]
    roles = [
        {"name": "admin", "services": ["test-admin"]},
        {"name": "reader", "scopes": ["read:users"], "services": ["reader"]},
        {"name": "bob-helper", "scopes": ["access:servers!user=bob"], "services": ["bob-helper"]},
        {"name": "idle-culler", "services": ["idle-culler"],
         "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    ]
    args = ["--allow-root", "--TrainlabApp.prewarm_worker=False",
            "--TrainlabApp.max_upload_bytes=10000000", "--TrainlabApp.stop_grace_seconds=20",
            f"--TrainlabApp.activity_interval={ACTIVITY_S}", "--TrainlabApp.threads=2"]
    return f"""
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{ports['public']}/"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{ports['hub']}"
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"
c.JupyterHub.allow_named_servers = True
# the hub would also count traffic through the proxy as activity, polling the proxy every
# last_activity_interval; far beyond the test's length, so only the servers' own reports count
c.JupyterHub.last_activity_interval = 3600
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = [{str(singleuser)!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {{"JUPYTERHUB_ACTIVITY_INTERVAL": "{ACTIVITY_S}",
                          "PYTHONPATH": {str(SRC)!r}}}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.interrupt_timeout = 30
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}, "--timeout={PROXY_TIMEOUT_MS}",
                                   "--proxy-timeout={PROXY_TIMEOUT_MS}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.auth_token = {secrets.token_hex(16)!r}
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"


def bobs_workspace(spawner):  # bob's workspace comes from the {{username}} template instead
    if spawner.user.name == "bob":
        spawner.args = [*spawner.args,
                        "--TrainlabApp.workspace_dir={tmp}/workspaces/{{username}}/trainlab"]


c.Spawner.pre_spawn_hook = bobs_workspace
c.JupyterHub.services = {services!r}
c.JupyterHub.load_roles = {roles!r}
"""


class Hub:
    """The running hub: its public URL (the proxy), tokens, and helpers over its REST API."""

    def __init__(self, tmp: Path, process: subprocess.Popen, url: str, admin_token: str) -> None:
        import requests

        self.tmp, self.process, self.url = tmp, process, url
        self.admin_token = admin_token
        self.reader_token, self.bob_helper_token = admin_token[::-1], admin_token.upper()
        self.http = requests.Session()

    def log(self) -> str:
        return (self.tmp / "hub.log").read_text(errors="replace")[-6000:]

    def hub_api(self, method: str, path: str, token: str | None = None, **kw):
        return self.http.request(method, self.url + "hub/api/" + path, timeout=30, headers={
            "Authorization": f"token {token or self.admin_token}"}, **kw)

    def user(self, name: str) -> dict:
        got = self.hub_api("GET", f"users/{name}")
        assert got.status_code == 200, got.text
        return got.json()

    def server_url(self, user: str, server: str = "") -> str:
        return self.url + f"user/{user}/" + (f"{server}/" if server else "")

    def start_server(self, user: str, server: str = "", timeout: float = 120) -> str:
        """Start a server through the hub's REST API; wait until the hub says it is ready."""
        return self.start_servers([(user, server)], timeout)[0]

    def start_servers(self, which: list[tuple[str, str]], timeout: float = 120) -> list[str]:
        """Start (user, server name) servers at once; wait until each is ready; their URLs."""
        for user, server in which:
            path = f"users/{user}/servers/{server}" if server else f"users/{user}/server"
            started = self.hub_api("POST", path)
            assert started.status_code in (201, 202), started.text
        deadline = time.monotonic() + timeout
        for user, server in which:
            while not ((state := self.user(user)["servers"].get(server)) and state["ready"]):
                assert time.monotonic() < deadline, \
                    f"{user}'s server {server!r} did not start:\n{self.log()}"
                time.sleep(0.2)
        return [self.server_url(user, server) for user, server in which]

    def stop_server(self, user: str, server: str = "", timeout: float = 90) -> None:
        """Stop a server through the hub's REST API; wait until it is gone."""
        path = f"users/{user}/servers/{server}" if server else f"users/{user}/server"
        stopped = self.hub_api("DELETE", path)
        assert stopped.status_code in (202, 204), stopped.text
        assert self.wait_gone(user, server, timeout), f"{user}'s server is not stopped:\n{self.log()}"

    def wait_gone(self, user: str, server: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server not in self.user(user)["servers"]:
                return True
            time.sleep(0.2)
        return False

    def token_for(self, user: str, scopes: list[str] | None = None) -> str:
        """A hub API token of ``user`` (by default with the user's own scopes)."""
        body: dict = {"note": "tests/hub", "expires_in": 3600}
        if scopes is not None:
            body["scopes"] = scopes
        made = self.hub_api("POST", f"users/{user}/tokens", json=body)
        assert made.status_code == 201, made.text
        return made.json()["token"]


def our_processes(tmp: Path) -> list:
    """Processes started for this hub: their command line or working folder is under ``tmp``,
    or they run the proxy of tests/hub."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        if proc.pid == os.getpid():
            continue
        cmd = " ".join(proc.info["cmdline"] or [])
        cwd = proc.info["cwd"] or ""
        if str(tmp) in cmd or cwd.startswith(str(tmp)) or str(CHP.parent.parent) in cmd:
            found.append(proc)
    return found


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A JupyterHub with users alice, bob and carol (carol's named server is for the culler)."""
    import requests

    if shutil.which("node") is None:
        pytest.skip("node is not installed: configurable-http-proxy (JupyterHub's proxy) needs it")
    if not CHP.exists():
        pytest.skip(f"{CHP} is missing: run `cd tests/hub/proxy && npm ci` (make's set-up does)")
    tmp = tmp_path_factory.mktemp("hub")
    (tmp / "home").mkdir()
    admin_token = secrets.token_hex(24)
    ports = {"public": free_port(), "hub": free_port(), "proxy_api": free_port()}
    (tmp / "jupyterhub_config.py").write_text(hub_config(tmp, admin_token, ports))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "TRAINLAB"))}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *[str(Path(p).resolve()) for p in
                                                     env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    log = open(tmp / "hub.log", "wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(tmp / "jupyterhub_config.py")],
        cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    the_hub = Hub(tmp, process, f"http://127.0.0.1:{ports['public']}/", admin_token)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"jupyterhub exited:\n{the_hub.log()}"
            assert time.monotonic() < deadline, f"jupyterhub did not start:\n{the_hub.log()}"
            try:
                if requests.get(the_hub.url + "hub/api/", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        made = the_hub.hub_api("POST", "users", json={"usernames": ["alice", "bob", "carol"]})
        assert made.status_code == 201, made.text
        yield the_hub
    finally:
        if process.poll() is None:  # the hub stops every single-user server, then the proxy
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        deadline = time.monotonic() + 30
        while (left := our_processes(tmp)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for proc in left:  # never leave them behind, but say so
            proc.kill()
        assert not left, "processes left after the hub stopped: " + json.dumps(
            [" ".join(p.info["cmdline"] or []) for p in left])
