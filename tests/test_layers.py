"""The lower layers run where only torch, numpy, pandas and pyarrow are: no pydantic, no
Jupyter. A fresh interpreter that cannot import those trains and records a job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('pydantic', 'jupyter_server', 'tornado', 'ipywidgets', 'ipykernel',
                                  'prometheus_client'):
            raise ImportError('not on a bare GPU machine: ' + name)
sys.meta_path.insert(0, Block())
import json, trainlab
ws = trainlab.Workspace(sys.argv[1])
path = sys.argv[2]
with open(path, 'w') as f:
    for i in range(80):
        f.write(json.dumps({'x': i % 7, 'label': 'a' if i % 7 > 3 else 'b'}) + '\\n')
result = trainlab.fit(path, workspace=ws, max_steps=5)
model = trainlab.load_model(result.job_id, workspace=ws)
print(result.status, ws.jobs.get(result.job_id).runner, model.predict({'x': 6}))
import trainlab.jobs.scheduler  # its metrics hook is a plain callable (issue 17)
# the extras (issue 15) are imported only inside the functions that need them: not here
extras = {'transformers', 'peft', 'tokenizers', 'huggingface_hub', 'datasets', 'optuna', 'ray'}
print('extras:', sorted({name.split('.')[0] for name in sys.modules} & extras))
"""


def test_training_and_foreground_jobs_need_no_pydantic_or_jupyter(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "ws"), str(tmp_path / "d.jsonl")],
                         capture_output=True, text=True, timeout=180,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[:2] == ["completed", "foreground"]
    assert out.stdout.splitlines()[-1] == "extras: []"


EXPERIMENTS = """
import sys, trainlab
heavy = ("optuna", "torch", "pandas", "transformers", "sklearn", "matplotlib", "ray")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
space = {"lr": trainlab.loguniform(1e-4, 1e-2), "layers": trainlab.intrange(1, 4),
         "wd": trainlab.uniform(0.0, 0.1)}
ws = trainlab.Workspace(sys.argv[1])
print(ws.experiments.list(), sorted(space))
import trainlab.jobs.scheduler  # the scheduler's tick advances experiments
print("optuna" in sys.modules)
"""


def test_search_ranges_and_the_experiment_store_import_no_optuna(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", EXPERIMENTS, str(tmp_path / "ws")],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["[]", "[] ['layers', 'lr', 'wd']", "False"]


HF_PACKAGES = ("transformers", "peft", "tokenizers", "huggingface_hub", "datasets", "accelerate")
IMPORTS_NO_HF = """
import sys
import trainlab, trainlab.training, trainlab.training.fit, trainlab.training.artifact
import trainlab.training.hf, trainlab.training.hf.hub
print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1].split(','))))
"""


def test_importing_trainlab_and_training_imports_no_hugging_face_package() -> None:
    """The hf extra is imported only inside the functions that fine-tune a pretrained model."""
    out = subprocess.run([sys.executable, "-c", IMPORTS_NO_HF, ",".join(HF_PACKAGES)],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


IMPORTS_NO_RAY = """
import sys
import trainlab, trainlab.jobs, trainlab.jobs.scheduler, trainlab.jobs.ray_driver
import trainlab.jobs.ray_train
print(sorted({m.split('.')[0] for m in sys.modules} & {'ray'}))
"""


def test_the_ray_executor_modules_import_no_ray() -> None:
    """The ray extra (issue 20) is imported only inside the functions that run a Ray job."""
    out = subprocess.run([sys.executable, "-c", IMPORTS_NO_RAY], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


RAY_SIDE_NO_TORCH = """
import sys
import trainlab.jobs.ray_relay, trainlab.jobs.ray_train
print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'pandas', 'ray'}))
"""


def test_the_ray_relay_and_controller_side_import_no_torch() -> None:
    """Ray unpickles the relay and ``train_loop`` in processes on the driver's node (the relay
    actor, Ray Train's controller): those imports must not pull in torch (~0.5 GB each)."""
    out = subprocess.run([sys.executable, "-c", RAY_SIDE_NO_TORCH], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
