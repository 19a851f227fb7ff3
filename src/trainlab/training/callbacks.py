"""The events a run reports, for the job runtime and the notebook panels.

Subclass :class:`Callback` and override what you need. ``on_step`` is called every
``log_every`` optimizer steps (default 10) with the mean loss since the last call, so the
loss is read off the device once per call, not once per step; that keeps callbacks free on
a GPU. Callbacks run on the training thread: keep them short (set a value, append a line).
"""

from __future__ import annotations

from typing import Any


class Callback:
    def on_start(self, info: dict[str, Any]) -> None:
        """The run is set up: ``info`` has job_id, task, config, total_steps, device, parameters,
        notes, main_metric and mode (how validation is judged), select ([metric, mode] that
        early stopping and the kept weights follow), start_step (> 0 when resumed)."""

    def on_step(self, step: int, total_steps: int, epoch: int, loss: float, lr: float,
                samples_per_s: float, eta_s: float) -> None:
        """Progress: optimizer step ``step`` of ``total_steps`` (epochs count from 0)."""

    def on_throughput(self, step: int, samples_per_s: float, tokens_per_s: float | None) -> None:
        """Throughput over the window that ended at ``step`` (called just before ``on_step``):
        samples/s, and tokens/s for tasks that count tokens (text, causal LM; else None)."""

    def on_eval(self, metrics: dict[str, Any]) -> None:
        """Validation metrics, with ``step`` and ``epoch``."""

    def on_checkpoint(self, path: str) -> None:
        """A checkpoint was written to ``path``."""

    def on_end(self, result: Any) -> None:
        """The run ended; ``result`` is the :class:`~trainlab.training.TrainResult`."""


class CallbackList(Callback):
    def __init__(self, callbacks: list[Callback] | None = None) -> None:
        self.callbacks = list(callbacks or [])

    def on_start(self, info: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_start(info)

    def on_step(self, *args: Any) -> None:
        for cb in self.callbacks:
            cb.on_step(*args)

    def on_throughput(self, *args: Any) -> None:
        for cb in self.callbacks:
            hook = getattr(cb, "on_throughput", None)  # a callback not derived from Callback
            if hook is not None:
                hook(*args)

    def on_eval(self, metrics: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_eval(metrics)

    def on_checkpoint(self, path: str) -> None:
        for cb in self.callbacks:
            cb.on_checkpoint(path)

    def on_end(self, result: Any) -> None:
        for cb in self.callbacks:
            cb.on_end(result)
