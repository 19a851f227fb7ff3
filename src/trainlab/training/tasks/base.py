"""What every task is: the :class:`Task` interface, and the batching and splitting they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import torch
from torch import nn

from trainlab.training.config import TrainConfig

Tensors = dict[str, torch.Tensor]


class Task(ABC):
    """A built-in task over a dataset. (The custom task, which has no dataset, provides only
    ``loss``, ``evaluate`` and ``tokens``: the loop needs no more.)"""

    name: ClassVar[str]
    model_kind: ClassVar[str]
    main_metric: ClassVar[str]
    mode: ClassVar[str]  # "max" or "min": which way main_metric improves
    # what early stopping and the kept (best) weights follow, and which way it improves:
    # the main metric unless a task says otherwise
    select_metric: ClassVar[str | None] = None
    select_mode: ClassVar[str | None] = None
    # the validation metrics ``metrics`` returns, and which way each improves (experiments)
    reports: ClassVar[dict[str, str]] = {"loss": "minimize"}

    @abstractmethod
    def input_columns(self, columns: dict[str, Any]) -> list[str]:
        """The columns ``encode`` reads from a record when predicting."""

    def stratify(self, table: pa.Table, columns: dict[str, Any]) -> np.ndarray | None:
        """Class of each row for a stratified split; None for no stratification."""
        return None

    @abstractmethod
    def fit_state(self, table: pa.Table, columns: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        """Preprocessing learnt from the training rows (JSON-able: it goes in model.json)."""

    @abstractmethod
    def encode(self, table: pa.Table, state: dict[str, Any], *, targets: bool = True) -> Tensors:
        """Tensors for ``table`` (with targets when training), vectorised."""

    @abstractmethod
    def arch(self, state: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
        """The model's constructor arguments, with the user's ``arch`` overrides."""

    @abstractmethod
    def loss(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        """The training loss of one batch (a scalar)."""

    @abstractmethod
    def outputs(self, model: nn.Module, batch: Tensors) -> torch.Tensor:
        """What ``metrics`` and ``predict`` read: logits, predictions or per-row losses."""

    @abstractmethod
    def metrics(self, outputs: torch.Tensor, data: Tensors, state: dict[str, Any]) -> dict[str, float]:
        """Validation metrics from the outputs over the whole validation set."""

    def tokens(self, batch: Tensors) -> int:
        """Tokens in a batch, for tokens/s; 0 where there are none."""
        return 0


def batches(data: Tensors, size: int) -> Iterator[Tensors]:
    n = len(next(iter(data.values())))
    for start in range(0, n, size):
        yield {k: v[start: start + size] for k, v in data.items()}


def split_indices(n: int, fraction: float, seed: int, groups: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/validation indices; stratified by ``groups`` when given.

    Each group with at least two rows gives the validation split its share (at least one
    row); a group with a single row stays in training.
    """
    rng = np.random.default_rng(seed)
    if groups is None:
        order = rng.permutation(n)
        n_val = max(1, round(n * fraction))
        return np.sort(order[n_val:]), np.sort(order[:n_val])
    val_parts = []
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        if len(members) < 2:
            continue
        members = rng.permutation(members)
        val_parts.append(members[: max(1, round(len(members) * fraction))])
    val = np.sort(np.concatenate(val_parts)) if val_parts else np.zeros(0, np.int64)
    keep = np.ones(n, bool)
    keep[val] = False
    return np.flatnonzero(keep), val
