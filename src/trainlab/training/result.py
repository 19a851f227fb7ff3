"""What a run returns."""

from __future__ import annotations

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

    def __repr__(self) -> str:
        """``TrainResult(completed, tabular-classification, 18 steps, job_…, accuracy=0.9333)``."""
        from trainlab.training.show import result_repr

        return result_repr(self)

    def _repr_html_(self) -> str:
        """A notebook's card: status, metrics, every evaluation, a loss chart, the load line."""
        from trainlab.training.show import result_html

        return result_html(self)

    def plot(self) -> Any:
        """The loss curves (training, smoothed, validation) and the main metric against the
        step, as a matplotlib Figure (needs ``pip install matplotlib``)."""
        from trainlab.training.plots import main_metric, plot_metrics, result_rows

        return plot_metrics(result_rows(self.train_history, self.history),
                            main=main_metric(self.task), title=f"{self.task} ({self.job_id})",
                            what="result.plot()")
