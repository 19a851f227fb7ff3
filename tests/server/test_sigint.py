"""SIGINT to a server without a terminal (how JupyterHub's local spawners stop a server) stops it
cleanly, as SIGTERM does: running jobs checkpoint and end `interrupted`, and no worker is left.
Found by tests/hub (issue 17): jupyter_server raised KeyboardInterrupt and exited without
stopping the extension, so the worker went on training with its job 'running'."""

from __future__ import annotations

import signal

import psutil

import trainlab
from tests.server.conftest import start_live_server
from tests.server.test_real_server import training


def test_sigint_without_a_terminal_interrupts_running_jobs_resumably(tmp_path):
    server = start_live_server(tmp_path, "--TrainlabApp.prewarm_worker=False",
                               "--TrainlabApp.stop_grace_seconds=20")
    try:
        job = training(server, past_step=20)
        workers = psutil.Process(server.process.pid).children(recursive=True)
    finally:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(60)
        finally:
            if server.process.poll() is None:
                server.process.kill()
    ended = trainlab.Workspace(server.workspace).jobs.get(job["id"])
    assert ended.status == "interrupted", (ended.status, ended.note)
    assert (server.workspace / "jobs" / job["id"] / "checkpoints" / "last.pt").exists()
    assert workers and not [p for p in workers if p.is_running() and p.status() != "zombie"]
