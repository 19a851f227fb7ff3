"""Hyperparameters: what a user may pass, their ranges, and the defaults derived from the data.

Every default is filled in before training starts, so the result's ``config`` shows what
actually ran (``TrainResult.config``).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from trainlab.errors import TrainlabError

# per task: batch size, learning rate, a step budget, the longest default run in epochs, the
# share of the rows held out for validation, the evaluations early stopping waits. Tables: lr
# 1e-3, a 20% validation split and a patience of 20, chosen with benchmarks/bench_quality.py on
# its development datasets (docs/benchmarks.md): a 10% split of a few hundred rows is too few
# rows to tell a better epoch from a worse one, and an epoch of a small table is a few steps.
_TABLES = {"batch_size": 256, "lr": 1e-3, "steps": 3000, "max_epochs": 200, "val_fraction": 0.2,
           "early_stopping": 20}
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "tabular-classification": dict(_TABLES),
    "tabular-regression": dict(_TABLES),
    "text-classification": {"batch_size": 64, "lr": 1e-3, "steps": 1500, "max_epochs": 30,
                            "val_fraction": 0.1, "early_stopping": 5},
    "causal-lm": {"batch_size": 32, "lr": 1e-3, "steps": 2000, "max_epochs": 50,
                  "val_fraction": 0.1, "early_stopping": 5},
    "custom": {"batch_size": 64, "lr": 1e-3, "steps": 1000, "max_epochs": 20, "val_fraction": 0.1,
               "early_stopping": 5},
}


def task_default(task: str | None, name: str) -> Any:
    """A setting's default for a task (``val_fraction``, ``early_stopping``, ``lr`` ...);
    the unresolved ``tabular`` has the tables' defaults."""
    if task not in TASK_DEFAULTS:
        task = "tabular-classification" if (task or "").startswith("tabular") else "custom"
    return TASK_DEFAULTS[task][name]


LARGE = 5  # on data whose one epoch exceeds 5 step budgets, train for 5 budgets by default


class ConfigError(TrainlabError):
    status = 400


@dataclass
class TrainConfig:
    """The hyperparameters of one run; ``None`` means "derive from the data"."""

    epochs: int | None = None
    max_steps: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    weight_decay: float = 0.01
    warmup: float = 0.05          # fraction of the steps spent warming up the learning rate
    min_lr_ratio: float = 0.1     # cosine decays to lr * min_lr_ratio
    grad_clip: float | None = 1.0
    grad_accum: int = 1
    val_fraction: float | None = None  # None: the task's default (tables 0.2, others 0.1)
    seed: int = 0
    # evaluations without improvement before stopping; None: off; "auto": the task's default
    # (tables 20, other tasks 5)
    early_stopping: int | str | None = "auto"
    eval_every: int | None = None   # steps; None: each epoch (at most every 1000 steps)
    checkpoint_every: int | None = None  # steps; checkpoints are also kept each epoch and on stop
    log_every: int = 10             # steps between on_step callbacks
    device: str = "auto"
    precision: str = "auto"         # auto | fp32 | bf16 | fp16
    compile: bool = False
    skip_invalid: bool = False
    max_length: int | None = None   # tokens per text (text tasks)
    arch: dict[str, Any] = field(default_factory=dict)  # architecture overrides, e.g. {"layers": 4}
    # Pretrained Hugging Face models (text tasks): a Hub id or a save_pretrained folder
    base_model: str | None = None
    lora: bool | None = None        # None: LoRA for models over ~300M parameters, else full
    lora_r: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.05
    lora_targets: list[str] | None = None  # None: inferred from the architecture
    gradient_checkpointing: bool = False
    chat_template: bool = False     # causal-lm prompt/completion through the model's template
    merge: bool = False             # LoRA: also write the merged weights into the artifact
    # Processes (one per GPU, or CPU processes with gloo): a count or a list of GPU indices;
    # None: as launched (1, or WORLD_SIZE under torchrun). trainlab.fit and the scheduler start them.
    devices: int | list[int] | None = None

    @classmethod
    def from_kwargs(cls, params: dict[str, Any]) -> TrainConfig:
        known = [f.name for f in fields(cls)]
        for name in params:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                raise ConfigError("unknown_parameter", name=name,
                                  hint=f" Did you mean '{close[0]}'?" if close else "",
                                  known=", ".join(known))
        config = cls(**params)
        config.validate()
        return config

    def validate(self) -> None:
        def need(name: str, ok: bool, expected: str) -> None:
            if not ok:
                raise ConfigError("parameter_out_of_range", name=name, value=getattr(self, name),
                                  expected=expected)

        def positive_int(name: str, optional: bool = True) -> None:
            value = getattr(self, name)
            if value is None and optional:
                return
            need(name, isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                 "a whole number >= 1" + (" or None" if optional else ""))

        for name in ("epochs", "max_steps", "batch_size", "eval_every", "checkpoint_every",
                     "max_length"):
            positive_int(name)
        for name in ("grad_accum", "log_every"):
            positive_int(name, optional=False)
        need("lr", self.lr is None or (_number(self.lr) and 0 < self.lr <= 10), "a number in (0, 10]")
        need("weight_decay", _number(self.weight_decay) and 0 <= self.weight_decay <= 10,
             "a number in [0, 10]")
        need("warmup", _number(self.warmup) and 0 <= self.warmup < 1, "a fraction in [0, 1)")
        need("min_lr_ratio", _number(self.min_lr_ratio) and 0 <= self.min_lr_ratio <= 1,
             "a fraction in [0, 1]")
        need("grad_clip", self.grad_clip is None or (_number(self.grad_clip) and self.grad_clip > 0),
             "a number > 0 or None")
        need("val_fraction", self.val_fraction is None or (
            _number(self.val_fraction) and 0 < self.val_fraction < 0.9), "a fraction in (0, 0.9)")
        need("seed", isinstance(self.seed, int) and not isinstance(self.seed, bool), "a whole number")
        need("early_stopping", self.early_stopping in (None, "auto") or (
            isinstance(self.early_stopping, int) and self.early_stopping >= 1),
             "a whole number >= 1, None (off) or 'auto'")
        need("precision", self.precision in ("auto", "fp32", "bf16", "fp16"), "auto, fp32, bf16 or fp16")
        need("arch", isinstance(self.arch, dict), "a dict of architecture settings")
        need("base_model", self.base_model is None or (
            isinstance(self.base_model, str) and bool(self.base_model.strip())),
             "a Hub id or a folder path, or None")
        for name in ("gradient_checkpointing", "chat_template", "merge"):
            need(name, isinstance(getattr(self, name), bool), "True or False")
        need("devices", self.devices is None or device_count(self.devices) > 0,
             "a whole number >= 1, or a list of distinct GPU indices (whole numbers >= 0)")
        need("lora", self.lora is None or isinstance(self.lora, bool), "True, False or None")
        positive_int("lora_r", optional=False)
        need("lora_alpha", _number(self.lora_alpha) and self.lora_alpha > 0, "a number > 0")
        need("lora_dropout", _number(self.lora_dropout) and 0 <= self.lora_dropout < 1,
             "a fraction in [0, 1)")
        need("lora_targets", self.lora_targets is None or (
            isinstance(self.lora_targets, list) and bool(self.lora_targets)
            and all(isinstance(t, str) and t for t in self.lora_targets)),
             "a non-empty list of module names, or None")

    def resolved(self, task: str, n_train: int) -> TrainConfig:
        """A copy with every ``None`` default derived from the task and the training rows.

        The step budget: enough epochs to reach the task's budget of optimizer steps (early
        stopping ends sooner when validation stops improving), never fewer than one epoch,
        unless one epoch is over ``LARGE`` budgets: then the run is that many budgets long.
        """
        base = TASK_DEFAULTS[task]
        out = TrainConfig(**asdict(self))
        if out.batch_size is None:
            out.batch_size = int(max(8, min(base["batch_size"], _pow2_floor(max(n_train // 8, 8)))))
        if out.lr is None:
            out.lr = base["lr"]
        if out.val_fraction is None:
            out.val_fraction = base["val_fraction"]
        if out.early_stopping == "auto":
            out.early_stopping = base["early_stopping"]
        per_epoch = steps_per_epoch(n_train, out.batch_size, out.grad_accum)
        if out.epochs is None and out.max_steps is None and per_epoch > LARGE * base["steps"]:
            out.epochs, out.max_steps = 1, LARGE * base["steps"]  # large data: part of an epoch
        if out.epochs is None:
            wanted = math.ceil(base["steps"] / per_epoch) if out.max_steps is None else \
                math.ceil(out.max_steps / per_epoch)
            out.epochs = int(max(1, min(base["max_epochs"], wanted)))
        if out.eval_every is None:
            out.eval_every = int(min(per_epoch, 1000))
        return out

    def split_for(self, task: str) -> TrainConfig:
        """A copy whose ``val_fraction`` is set: the task's default where it was left out."""
        if self.val_fraction is not None:
            return self
        return TrainConfig(**{**asdict(self), "val_fraction": task_default(task, "val_fraction")})

    def total_steps(self, n_train: int) -> int:
        assert self.epochs is not None and self.batch_size is not None
        steps = self.epochs * steps_per_epoch(n_train, self.batch_size, self.grad_accum)
        return min(steps, self.max_steps) if self.max_steps else steps

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def device_count(devices: Any) -> int:
    """How many processes ``devices`` asks for (None: 1); 0 when it is not a count >= 1 or a
    non-empty list of distinct whole numbers >= 0."""
    def whole(v: Any, low: int) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= low

    if devices is None:
        return 1
    if whole(devices, 1):
        return int(devices)
    if isinstance(devices, list | tuple) and devices and all(whole(v, 0) for v in devices) \
            and len(set(devices)) == len(devices):
        return len(devices)
    return 0


def steps_per_epoch(n_train: int, batch_size: int, grad_accum: int = 1) -> int:
    return max(1, math.ceil(n_train / (batch_size * grad_accum)))


def _pow2_floor(value: int) -> int:
    return 1 << (max(1, value).bit_length() - 1)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
