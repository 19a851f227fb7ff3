"""Training: tasks, one loop, checkpoints and resume, devices, loadable models.

This layer imports torch, numpy, pandas, pyarrow and safetensors and our lower layers only,
so it runs in a kernel, in a worker process and on a bare GPU machine.
"""

from __future__ import annotations

from trainlab.training.artifact import TrainedModel, load_model
from trainlab.training.callbacks import Callback
from trainlab.training.config import TrainConfig
from trainlab.training.devices import devices
from trainlab.training.fit import fit
from trainlab.training.result import TrainResult

__all__ = ["Callback", "TrainConfig", "TrainResult", "TrainedModel", "devices", "fit", "load_model"]
