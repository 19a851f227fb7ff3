"""A write that fails for want of room is ``write_failed`` (507), whichever library writes
(issue 14, 2.9): safetensors raises its own ``SafetensorError`` and torch's checkpoint writer a
``RuntimeError`` where Python would raise ``OSError``.

The writes fail for real: a child process lowers ``RLIMIT_FSIZE`` (which binds root too, unlike
permissions), so writing past the limit fails with EFBIG, as a full disk fails with ENOSPC.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import trainlab
from trainlab.training import checkpoint
from trainlab.training.artifact import save_model

SRC = str(Path(trainlab.__file__).parents[1])
LIMIT = """
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
"""


def run_child(code: str, limit: int, *args: str) -> dict:
    script = LIMIT.format(limit=limit) + code
    env = {**os.environ, "PYTHONPATH": SRC, "TRAINLAB_LANG": "en"}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


SAVE_BOTH = """
import json, sys, pathlib, torch
from trainlab.training import checkpoint
from trainlab.training.artifact import save_model
d = pathlib.Path(sys.argv[1])
m = torch.nn.Linear(512, 512)  # 1 MiB of weights
out = {}
for name, write in (("checkpoint", lambda: checkpoint.save(d / "last.pt", {"model": m.state_dict()},
                                                           d / "tmp")),
                    ("model", lambda: save_model(d / "model", m, {}, d / "tmp"))):
    try:
        write()
        out[name] = None
    except Exception as exc:
        out[name] = [type(exc).__name__, getattr(exc, "code", None), getattr(exc, "status", None)]
print(json.dumps(out))
"""


def test_model_and_checkpoint_writes_that_fail_are_write_failed(tmp_path: Path) -> None:
    out = run_child(SAVE_BOTH, 65536, str(tmp_path))
    assert out == {"checkpoint": ["TrainlabError", "write_failed", 507],
                   "model": ["TrainlabError", "write_failed", 507]}
    assert list((tmp_path / "tmp").iterdir()) == []  # no partial file left
    assert not (tmp_path / "last.pt").exists()
    assert not (tmp_path / "model" / "model.safetensors").exists()


FIT = """
import json, sys, warnings
import trainlab
ws = trainlab.Workspace(sys.argv[1])
try:
    trainlab.fit(sys.argv[2], workspace=ws, columns={"target": "label"}, max_steps=3,
                 arch={"hidden": 1024, "layers": 2}, device="cpu")
    print(json.dumps(None))
except Exception as exc:
    print(json.dumps([type(exc).__name__, getattr(exc, "code", None), ws.jobs.list()[0].error]))
"""


def test_a_job_whose_disk_fills_fails_with_write_failed(ws, tabular_ds) -> None:
    kind, code, error = run_child(FIT, 2 << 20, str(ws.path), tabular_ds.id)  # 2 MiB a file
    assert (kind, code) == ("TrainlabError", "write_failed")
    assert error["code"] == "write_failed" and "Free some disk space" in error["message"]


def test_a_full_disk_is_named_by_its_state(tmp_path: Path, monkeypatch) -> None:
    """safetensors' error says nothing we may read: the disk's free space does."""
    real = os.statvfs(tmp_path)

    class Full:
        f_flag, f_bavail, f_frsize = real.f_flag & ~os.ST_RDONLY, 0, real.f_frsize

    class Failing:
        def __call__(self, *args, **kwargs):
            import safetensors

            raise safetensors.SafetensorError("opaque")

    import safetensors.torch

    monkeypatch.setattr(os, "statvfs", lambda path: Full)
    monkeypatch.setattr(safetensors.torch, "save_model", Failing())
    with pytest.raises(trainlab.TrainlabError) as err:
        save_model(tmp_path / "model", torch.nn.Linear(2, 2), {}, tmp_path / "tmp")
    assert err.value.code == "write_failed"
    assert err.value.params["detail"] == os.strerror(28)  # ENOSPC's words, from the disk
    assert checkpoint.write_failed(tmp_path, RuntimeError()).params["detail"] == os.strerror(28)
