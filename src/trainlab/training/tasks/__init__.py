"""Tasks: each turns a table plus a column mapping into tensors, a model, a loss and metrics.

A task works in two halves, so that a trained model predicts exactly as it was trained:
``fit_state`` learns the preprocessing from the training rows (standardisation, category
and label maps, lengths), and ``encode`` applies it to any table, at training time and in
``TrainedModel.predict``. Both are vectorised over Arrow columns.
"""

from __future__ import annotations

from trainlab.training.tasks.base import Task, Tensors, batches, split_indices
from trainlab.training.tasks.tabular import TabularClassification, TabularRegression
from trainlab.training.tasks.text import CausalLM, TextClassification

__all__ = ["Task", "Tensors", "batches", "builders", "get_task", "split_indices"]


def builders() -> dict[str, type[Task]]:
    """The task classes under their names in the task registry (:mod:`trainlab.datasets.tasks`).
    ``tabular`` has none: the dataset check resolves it to classification or regression."""
    return {t.name: t for t in (TabularClassification, TabularRegression, TextClassification,
                                CausalLM)}


def get_task(name: str) -> Task:
    """A new task for a resolved registry name (``tabular-regression``, not ``tabular``)."""
    return builders()[name]()
