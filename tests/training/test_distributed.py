"""DDP: two processes on the CPU (gloo) train to identical weights; rank 0 alone saves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl

SCRIPT = """
import hashlib, json, os, sys
import trainlab
ws = trainlab.Workspace(sys.argv[1])
result = trainlab.fit(sys.argv[2], workspace=ws, columns={"target": "label"}, epochs=3,
                      batch_size=16, seed=3, device="cpu", early_stopping=None)
digest = hashlib.sha256()
for name, tensor in sorted(result.module.state_dict().items()):
    digest.update(name.encode()); digest.update(tensor.numpy().tobytes())
rank = int(os.environ["RANK"])
out = {"rank": rank, "status": result.status, "job_id": result.job_id, "digest": digest.hexdigest(),
       "model_path": result.model_path, "steps": result.steps, "world": result.config["world_size"]}
with open(os.path.join(sys.argv[3], f"rank{rank}.json"), "w") as f:
    json.dump(out, f)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def two_ranks(ws: trainlab.Workspace, tmp_path: Path, text: str) -> list[dict]:
    """Run ``text`` under torchrun with 2 CPU ranks on a small table; what each rank wrote."""
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(200)))
    script = tmp_path / "ranks.py"
    script.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
         f"--master_port={_free_port()}", f"--log-dir={tmp_path / 'torchrun'}", str(script),
         str(ws.path), ds.id, str(out)],
        env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]


def test_two_cpu_processes_train_the_same_weights(ws: trainlab.Workspace, tmp_path: Path) -> None:
    ranks = two_ranks(ws, tmp_path, SCRIPT)
    assert all(r["status"] == "completed" for r in ranks)
    assert ranks[0]["job_id"] == ranks[1]["job_id"]
    assert ranks[0]["steps"] == ranks[1]["steps"] > 0
    assert ranks[0]["world"] == 2
    assert ranks[0]["digest"] == ranks[1]["digest"]
    assert ranks[0]["model_path"] and ranks[1]["model_path"] is None  # rank 0 alone saves
    assert len(list(ws.jobs_dir.iterdir())) == 1


ONE_RANK_STOPS = """
import itertools, json, os, sys
import trainlab
rank = int(os.environ["RANK"])
calls = itertools.count()
stop = (lambda: next(calls) >= 10) if rank == 1 else None  # only rank 1 sees the request
ws = trainlab.Workspace(sys.argv[1])
result = trainlab.fit(sys.argv[2], workspace=ws, columns={"target": "label"}, epochs=50,
                      batch_size=16, seed=3, device="cpu", early_stopping=None, stop=stop)
with open(os.path.join(sys.argv[3], f"rank{rank}.json"), "w") as f:
    json.dump({"status": result.status, "reason": result.stop_reason, "steps": result.steps}, f)
"""


def test_a_stop_seen_by_one_rank_stops_every_rank_as_a_stop(ws: trainlab.Workspace,
                                                            tmp_path: Path) -> None:
    """Rank 0 used to ask its own flag again after the ranks agreed to end, and recorded a stop
    that only rank 1 had seen as 'completed, early stopping' (seen once under Ray)."""
    ranks = two_ranks(ws, tmp_path, ONE_RANK_STOPS)
    assert ranks[0] == ranks[1], ranks
    assert ranks[0]["status"] == "stopped" and ranks[0]["reason"] == "requested"
    assert ranks[0]["steps"] == 11
    job = ws.jobs.list()[0]
    assert job.status == "stopped", job
