"""What a run returns."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class TrainResult:
    """The outcome of :func:`trainlab.fit`.

    ``metrics`` are the validation metrics of the saved (best) model; ``config`` shows every
    setting the run used, defaults included.
    """

    status: str                     # completed | stopped
    job_id: str | None
    model_path: str | None
    metrics: dict[str, Any]
    config: dict[str, Any]
    task: str
    device: str
    precision: str
    steps: int
    epochs: int
    history: list[dict[str, Any]] = field(default_factory=list)
    train_history: list[dict[str, Any]] = field(default_factory=list)  # step, epoch, loss
    last_metrics: dict[str, Any] | None = None
    checkpoint_path: str | None = None
    stop_reason: str | None = None
    train_seconds: float = 0.0
    samples_per_s: float = 0.0
    tokens_per_s: float | None = None
    mfu: float | None = None
    cached_tensors: bool = False
    notes: list[str] = field(default_factory=list)
    module: Any = field(default=None, repr=False, compare=False)  # the trained nn.Module

    def to_dict(self) -> dict[str, Any]:
        """Everything but the module, as plain JSON-able values."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "module"}

    def load(self, device: str = "cpu") -> Any:
        """The trained model, ready to ``predict`` (see :func:`trainlab.load_model`)."""
        from trainlab.training.artifact import load_model

        return load_model(self.model_path, device=device)

    def _repr_html_(self) -> str:
        shown = ", ".join(f"{k} <b>{v:.4g}</b>" for k, v in self.metrics.items()
                          if isinstance(v, float) and math.isfinite(v) and k not in ("step", "epoch"))
        notes = "".join(f"<br><i>{html.escape(n)}</i>" for n in self.notes)
        return (f"<b>{html.escape(self.task)}</b> {html.escape(self.status)} after {self.steps} steps "
                f"({self.train_seconds:.1f} s on {html.escape(self.device)}): {shown}<br>"
                f"model: <code>trainlab.load_model({html.escape(repr(self.model_path))})</code>{notes}")
