"""``trainlab.fit(..., devices=2)`` from a process that plays the kernel: the ranks are new child
processes (never forks), rank 0 records the job as a foreground run and its events reach the
caller's callbacks; a custom module from a module works, one from ``__main__`` (a notebook
cell) is refused before anything starts; Ctrl-C stops every rank and leaves no child; a resume
by job id starts as many processes again; a killed rank ends the run, no child left; rank 0's
own error is raised in the caller (its peers, waiting for it, do not hang)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import trainlab
from tests.jobs.conftest import gone
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.jobs.gpus import DevicesError

KERNEL = '''
import json, os, signal, sys
import torch
import torch.nn.functional as F
import trainlab
from tests.jobs.tiny_net import FailOnRankZero, TinyNet
from trainlab.jobs.processes import ranks

STEPS = {"batch_size": 16, "early_stopping": None, "log_every": 1, "device": "cpu", "devices": 2}


class Record(trainlab.Callback):
    def __init__(self):
        self.steps, self.ends, self.started = [], 0, None

    def on_start(self, info):
        self.started = info["job_id"]

    def on_step(self, step, *rest):
        self.steps.append(step)

    def on_end(self, result):
        self.ends += 1


class Interrupt(Record):
    def on_step(self, step, *rest):
        super().on_step(step)
        if step == 5:
            os.kill(os.getpid(), signal.SIGINT)  # what Jupyter's interrupt button sends


class KillRank(trainlab.Callback):
    def __init__(self, ws):
        self.ws, self.victim = ws, None

    def on_start(self, info):
        self.job_id = info["job_id"]

    def on_step(self, step, *rest):
        if step == 3:
            self.victim = ranks(self.ws.jobs_dir / self.job_id)[1]
            os.kill(self.victim["pid"], signal.SIGKILL)


class Broken(Record):  # a callback of the kernel's own that raises
    def on_step(self, step, *rest):
        if step == 3:
            raise RuntimeError("a callback that breaks at step 3")


class CellNet(torch.nn.Module):  # defined in __main__, as in a notebook cell
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(3, 1)

    def forward(self, x):
        return self.layer(x)


if __name__ == "__main__":
    ws, ds, out = trainlab.Workspace(sys.argv[1]), sys.argv[2], {}
    x = torch.randn(256, 3)
    y = x.sum(1, keepdim=True)
    custom = {"train": (x, y), "loss": F.mse_loss, "workspace": ws}
    before = len(ws.jobs.list())
    try:
        trainlab.fit(model=CellNet(), max_steps=2, device="cpu", devices=2, **custom)
    except trainlab.TrainlabError as exc:
        out["cell"] = {"code": exc.code, "message": str(exc),
                       "new_jobs": len(ws.jobs.list()) - before}
    record = Interrupt()  # your own module, from a module: Ctrl-C at step 5
    r = trainlab.fit(model=TinyNet(), epochs=100, max_steps=300, callbacks=[record], **custom,
                     **STEPS)
    job = ws.jobs.get(r.job_id)
    out["ctrl_c"] = {"status": r.status, "reason": r.stop_reason, "steps": r.steps,
                     "job": job.status, "runner": job.runner, "params": job.params,
                     "seen": record.steps, "ends": record.ends, "started": record.started,
                     "job_id": r.job_id, "world": r.config["world_size"],
                     "module": type(r.module).__name__,
                     "pids": [e["pid"] for e in ranks(ws.jobs_dir / r.job_id)]}
    again = trainlab.fit(model=TinyNet(), resume_from=r.job_id, **custom)  # devices: as it ran
    out["resumed"] = {"status": again.status, "steps": again.steps, "job_id": again.job_id,
                      "world": again.config["world_size"], "module": type(again.module).__name__}
    killer = KillRank(ws)
    try:
        trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=3000,
                     callbacks=[killer], **STEPS)
    except trainlab.TrainlabError as exc:
        job = ws.jobs.get(killer.job_id)
        out["killed"] = {"code": exc.code, "victim": killer.victim["pid"], "job": job.status,
                         "note": job.note, "pids": [e["pid"] for e in ranks(ws.jobs_dir / job.id)]}
    try:  # rank 0's own error, its peer waiting for it: raised here, no hang
        trainlab.fit(model=TinyNet(), epochs=100, max_steps=300,
                     **{**custom, **STEPS, "loss": FailOnRankZero()})
    except ValueError as exc:
        failed = ws.jobs.list()[0]
        out["rank0"] = {"message": str(exc), "job": failed.status, "error": failed.error["message"],
                        "pids": [e["pid"] for e in ranks(ws.jobs_dir / failed.id)]}
    broken = Broken()
    try:  # the kernel's callback raised: the ranks are ended and so is the record
        trainlab.fit(model=TinyNet(), epochs=100, max_steps=300, callbacks=[broken],
                     **custom, **STEPS)
    except RuntimeError as exc:
        job = ws.jobs.get(broken.started)
        out["callback"] = {"message": str(exc), "job": job.status, "error": job.error["message"],
                           "pids": [e["pid"] for e in ranks(ws.jobs_dir / job.id)]}
    with open(sys.argv[3], "w") as f:
        json.dump(out, f)
'''


def test_fit_on_two_processes_from_a_kernel(ws: trainlab.Workspace, tmp_path: Path) -> None:
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(300)))
    script = tmp_path / "kernel.py"
    script.write_text(KERNEL)
    out = tmp_path / "out.json"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
    proc = subprocess.run([sys.executable, str(script), str(ws.path), ds.id, str(out)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    got = json.loads(out.read_text())
    cell = got["cell"]
    assert cell["code"] == "devices_not_importable" and cell["new_jobs"] == 0
    assert "__main__.CellNet" in cell["message"]
    stopped = got["ctrl_c"]
    assert stopped["status"] == "stopped" and stopped["reason"] == "interrupted"
    assert stopped["world"] == 2 and 5 <= stopped["steps"] < 300 and stopped["module"] == "TinyNet"
    # rank 0 recorded it as a notebook run, and its events reached the kernel's callbacks
    assert stopped["job"] == "stopped" and stopped["runner"] == "foreground"
    assert stopped["params"]["devices"] == 2
    assert stopped["started"] == stopped["job_id"] and stopped["ends"] == 1
    assert stopped["seen"][:5] == [1, 2, 3, 4, 5] and stopped["seen"][-1] == stopped["steps"]
    assert len(stopped["pids"]) == 2 and all(gone(p) for p in stopped["pids"])  # no child left
    resumed = got["resumed"]
    assert resumed["job_id"] == stopped["job_id"]
    assert resumed["status"] == "completed" and resumed["steps"] == 300 and resumed["world"] == 2
    assert resumed["module"] == "TinyNet" and ws.jobs.get(resumed["job_id"]).status == "completed"
    killed = got["killed"]  # a rank that dies: the run raises, the job is interrupted
    assert killed["code"] == "rank_died" and killed["job"] == "interrupted"
    assert f"Process 1 of its 2 (pid {killed['victim']})" in killed["note"]
    assert all(gone(p) for p in killed["pids"])
    rank0 = got["rank0"]  # rank 0's own error: the job failed with it, not interrupted
    assert rank0["message"] == "a loss that fails on rank 0" and rank0["job"] == "failed"
    assert rank0["error"] == "a loss that fails on rank 0" and all(gone(p) for p in rank0["pids"])
    broken = got["callback"]  # the job does not stay 'running' with its ranks gone
    assert broken["message"] == "a callback that breaks at step 3" and broken["job"] == "failed"
    assert broken["error"] == "a callback that breaks at step 3"
    assert all(gone(p) for p in broken["pids"])
    losses = [m["step"] for m in ws.jobs.metrics(resumed["job_id"])
              if m["name"] == "loss" and m["split"] == "train"]
    assert losses == list(range(1, 301))  # one history: the stopped part, then the rest


def test_what_cannot_reach_the_ranks_is_refused_before_they_start(ws, tmp_path) -> None:
    import torch

    x = torch.randn(16, 3)
    with pytest.raises(DevicesError) as caught:  # a lambda does not pickle
        trainlab.fit(model=torch.nn.Linear(3, 1), train=(x, x[:, :1]), workspace=ws,
                     loss=lambda a, b: (a - b).pow(2).mean(), device="cpu", devices=2)
    assert caught.value.code == "devices_not_picklable" and "loss=" in str(caught.value)
    with pytest.raises(DevicesError) as caught:
        trainlab.fit(model=torch.nn.Linear(3, 1), train=(x, x[:, :1]), workspace=ws,
                     loss=torch.nn.functional.mse_loss, device="cpu", devices=[0, 1])
    assert caught.value.code == "devices_list_needs_gpu"
    assert ws.jobs.list() == [] and not list(ws.jobs_dir.iterdir())


@pytest.mark.gpu
@pytest.mark.skipif(not __import__("torch").cuda.is_available()
                    or __import__("torch").cuda.device_count() < 2, reason="needs 2 GPUs")
def test_fit_on_two_gpus(ws, tmp_path) -> None:
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(2000)))
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=50,
                          device="cuda", devices=2)
    assert result.status == "completed" and result.config["world_size"] == 2
    assert result.device.startswith("cuda")
