"""tmp/ after kill -9: what a dead process left is removed at the next start, at once (not
after 24 h), while what a living process writes is kept; no spare worker output piles up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import trainlab
from tests.jobs.conftest import wait_until
from trainlab.jobs import Scheduler
from trainlab.server.uploads import Spool

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

KILLED_MID_UPLOAD = """
import os, signal, sys, time
from pathlib import Path
from trainlab.server.uploads import Spool
spool = Spool(Path(sys.argv[1]) / "up_partial.csv")  # as POST datasets spools a body
spool.feed(b"a,b\\n" + b"1,2\\n" * 250_000)
while spool.pending:
    time.sleep(0.01)
spool.file.flush()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_partial_upload_of_a_killed_server_is_swept_at_the_next_start(ws) -> None:
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_UPLOAD, str(ws.tmp_dir)], env=ENV)
    assert proc.returncode == -signal.SIGKILL
    left = [p for p in ws.tmp_dir.iterdir() if p.name.startswith("up_partial")]
    assert left and left[0].stat().st_size == 1_000_004  # young: the 24 h rule keeps it
    trainlab.Workspace(ws.path)  # the next start
    assert not [p for p in ws.tmp_dir.iterdir() if p.name.startswith("up_partial")]


def test_a_partial_upload_of_a_living_process_is_kept(ws) -> None:
    spool = Spool(ws.tmp_dir / "up_live.csv")
    try:
        spool.feed(b"a,b\n1,2\n")
        old = time.time() - 3600
        os.utime(spool.path, (old, old))
        trainlab.Workspace(ws.path)
        assert spool.path.is_file()
        assert spool.finish()
        assert spool.path.read_bytes() == b"a,b\n1,2\n"
    finally:
        spool.path.unlink(missing_ok=True)


def test_a_closed_scheduler_leaves_no_spare_output(ws) -> None:
    s = Scheduler(ws, gpus=[], poll_s=0.05).start()
    try:
        wait_until(lambda: s._spare)
    finally:
        s.close(timeout=10)
    assert not list(ws.tmp_dir.glob("spare-*"))


def test_the_spare_output_of_a_killed_scheduler_is_swept_at_the_next_start(ws) -> None:
    old = subprocess.Popen([sys.executable, "-m", "trainlab.jobs.scheduler", str(ws.path),
                            "--gpus", ""], env=ENV, stdout=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        wait_until(lambda: list(ws.tmp_dir.glob("spare-*")), timeout=60)
    finally:
        os.killpg(old.pid, signal.SIGKILL)  # the scheduler and its spare
        old.wait()
    trainlab.Workspace(ws.path)
    assert not list(ws.tmp_dir.glob("spare-*"))
