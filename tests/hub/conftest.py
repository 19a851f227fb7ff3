"""A real JupyterHub on loopback for tests/hub (issue 17): the hub, configurable-http-proxy from
tests/hub/proxy/node_modules (installed by make's set-up with `npm ci`), DummyAuthenticator with a
password, SimpleLocalProcessSpawner with a home folder per user, and jupyterhub-idle-culler as a
hub-managed service. One hub per module.

Processes: only what this module started is ever stopped. The hub's process, and every
descendant of it seen while it runs (the proxy, the single-user servers, their job workers, the
culler), are recorded by pid and start time (a background thread walks the hub's process tree);
nothing is matched by command line or path. At the end the hub is stopped (it stops its servers
and proxy), and a recorded process still alive after that is killed and fails the test. If
pytest is interrupted, an atexit handler kills the recorded processes, and if pytest itself is
killed the hub gets SIGTERM from the kernel (PR_SET_PDEATHSIG) and stops its servers.

Time: every wait is bounded by its own timeout and by the module's budget, MODULE_BUDGET_S from
the hub's start, and every HTTP call by its own timeout (at most 60 s). Worst case: hub start
90 s + the budget 420 s + one HTTP call 60 s + the hub's stop 60 s + the processes' end 30 s,
about 11 minutes; a good run takes about 2 minutes (2 cores, loaded)."""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHP = HERE / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
SRC = Path(__import__("trainlab").__file__).resolve().parents[1]  # this checkout's trainlab
PASSWORD = "hub-test-password"
# The culler: 10 s without activity (the servers report every ACTIVITY_S, so a report can stall
# ~9 s on a loaded machine before a training server looks idle), a pass every second.
CULL_TIMEOUT_S = 10  # the idle culler's --timeout
CULL_EVERY_S = 1  # and its --cull-every
ACTIVITY_S = 1  # trainlab's activity_interval and the single-user JUPYTERHUB_ACTIVITY_INTERVAL
MODULE_BUDGET_S = 420  # every wait of the module ends by then (see the docstring)
# The proxy's settings. configurable-http-proxy (5.3) has no body-size limit. --timeout and
# --proxy-timeout are *idle* timeouts (ms without a byte on the client's socket, and without an
# answer from the server), not limits on a request's length. But Node (>= 18) ends any request
# whose body is not through after http.Server.requestTimeout, 300 s, which CHP 5.3 does not set
# and has no flag for: a single upload request must finish within 5 minutes whatever these say,
# so large files use the resumable upload (its parts are short requests). On Kubernetes the
# ingress in front of the proxy has its own limits: nginx-ingress's `proxy-body-size` annotation
# (1m by default: set 0, or above the largest part) and its proxy-read/send timeouts. The proxy
# keeps connections to the servers alive: an answer before the whole body must say
# Connection: close (trainlab's stream handler does), or the proxy reuses a closing socket and
# answers 503.
PROXY_TIMEOUT_MS = 3_600_000
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def culler_token(admin_token: str) -> str:
    return admin_token[len(admin_token) // 2:] + admin_token[:len(admin_token) // 2]


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
        # the idle culler, a service the culler test starts itself (Hub.start_culler) once its
        # server is up and training: a server that took longer than the culler's timeout to
        # start on a loaded machine was culled before the test reached it
        {"name": "idle-culler", "api_token": culler_token(admin_token)},
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


class Processes:
    """The hub's process and its descendants, recorded by pid and start time (psutil.Process:
    signalling one checks that its pid was not reused). A thread walks the hub's tree every
    0.2 s while the hub runs, so a server's job workers are recorded while their server lives."""

    def __init__(self, hub_pid: int) -> None:
        import psutil

        self.hub = psutil.Process(hub_pid)
        self.seen: dict[tuple[int, float], psutil.Process] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.record()
        self.thread = threading.Thread(target=self.watch, daemon=True, name="tests/hub processes")
        self.thread.start()

    def add(self, pid: int) -> None:
        """Record a process this module started outside the hub."""
        import psutil

        proc = psutil.Process(pid)
        with self.lock:
            self.seen.setdefault((proc.pid, proc.create_time()), proc)

    def record(self) -> None:
        import psutil

        try:
            found = [self.hub, *self.hub.children(recursive=True)]
        except psutil.Error:  # the hub has ended
            return
        with self.lock:
            for proc in found:
                try:
                    self.seen.setdefault((proc.pid, proc.create_time()), proc)
                except psutil.Error:
                    pass

    def watch(self) -> None:
        while not self.done.wait(0.2):
            self.record()

    def alive(self) -> list:
        """The recorded processes still running (a zombie counts as ended)."""
        import psutil

        with self.lock:
            procs = list(self.seen.values())
        left = []
        for proc in procs:
            try:
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    left.append(proc)
            except psutil.Error:
                pass
        return left

    def kill_all(self) -> None:
        """SIGKILL every recorded process still running (teardown, atexit)."""
        import psutil

        self.done.set()
        for proc in self.alive():
            try:
                proc.kill()
            except psutil.Error:
                pass


def set_pdeathsig() -> None:  # in the hub's child process, before exec (Linux)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the atexit handler alone


class Hub:
    """The running hub: its public URL (the proxy), tokens, and helpers over its REST API."""

    def __init__(self, tmp: Path, process: subprocess.Popen, url: str, admin_token: str,
                 processes: Processes) -> None:
        import requests

        self.tmp, self.process, self.url = tmp, process, url
        self.admin_token = admin_token
        self.reader_token, self.bob_helper_token = admin_token[::-1], admin_token.upper()
        self.http = requests.Session()
        self.processes = processes
        self.budget_end = time.monotonic() + MODULE_BUDGET_S

    def start_culler(self) -> subprocess.Popen:
        """jupyterhub-idle-culler as the hub's 'idle-culler' service, culling named servers
        only (the default servers the other tests use stay up however long they idle); it is
        recorded with the hub's processes. The caller stops it."""
        log = open(self.tmp / "culler.log", "ab")
        culler = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub_idle_culler", f"--url={self.url}hub/api",
             f"--timeout={CULL_TIMEOUT_S}", f"--cull-every={CULL_EVERY_S}",
             "--cull-default-servers=False"],
            env={**os.environ, "JUPYTERHUB_API_TOKEN": culler_token(self.admin_token)},
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes.add(culler.pid)
        return culler

    def deadline(self, timeout: float) -> float:
        """A wait's deadline: ``timeout`` from now, but never past the module's budget."""
        now = time.monotonic()
        assert now < self.budget_end, f"tests/hub ran past its budget of {MODULE_BUDGET_S} s"
        return min(now + timeout, self.budget_end)

    def log(self) -> str:
        return (self.tmp / "hub.log").read_text(errors="replace")[-6000:]

    def hub_api(self, method: str, path: str, token: str | None = None, **kw):
        return self.http.request(method, self.url + "hub/api/" + path, timeout=30, headers={
            "Authorization": f"token {token or self.admin_token}"}, **kw)

    def user(self, name: str) -> dict:
        got = self.hub_api("GET", f"users/{name}")
        assert got.status_code == 200, got.text
        return got.json()

    def server_pid(self, user: str, server: str = "") -> int:
        """The single-user server's pid, from the hub's record of it (the admin's
        admin:server_state scope shows the spawner's state)."""
        state = self.user(user)["servers"][server]["state"]
        assert isinstance(state, dict) and isinstance(state.get("pid"), int), state
        return state["pid"]

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
        deadline = self.deadline(timeout)
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
        deadline = self.deadline(timeout)
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


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A JupyterHub with users alice, bob and carol (carol's named server is for the culler)."""
    import requests

    if shutil.which("node") is None:
        pytest.skip("node is not installed: configurable-http-proxy (JupyterHub's proxy) needs "
                    "Node.js and npm; install them (e.g. apt-get install nodejs npm), then run "
                    "`make proxy` or `cd tests/hub/proxy && npm ci`")
    if not CHP.exists():
        pytest.skip(f"configurable-http-proxy is not installed ({CHP} is missing): run make's "
                    "set-up (`make proxy`, part of `make test`; it needs npm) or "
                    "`cd tests/hub/proxy && npm ci`")
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
        cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=set_pdeathsig if sys.platform == "linux" else None)
    processes = Processes(process.pid)
    atexit.register(processes.kill_all)  # pytest interrupted: nothing of ours outlives it
    the_hub = Hub(tmp, process, f"http://127.0.0.1:{ports['public']}/", admin_token, processes)
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
        processes.record()
        if process.poll() is None:  # the hub stops every single-user server, then the proxy
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        deadline = time.monotonic() + 30
        while (left := processes.alive()) and time.monotonic() < deadline:
            time.sleep(0.2)
        described = []
        for proc in left:
            try:
                described.append(" ".join(proc.cmdline()))
            except Exception:  # ended meanwhile
                described.append(str(proc.pid))
        processes.kill_all()  # never leave them behind, but say so
        atexit.unregister(processes.kill_all)
        assert not left, "processes left after the hub stopped: " + json.dumps(described)
