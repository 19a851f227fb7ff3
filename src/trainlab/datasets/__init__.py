"""Datasets: ingest, validation with exact line numbers, preview, profile, task checks.

>>> ds = ws.datasets.add("reviews.csv")          # doctest: +SKIP
>>> ds.status, ds.rows, ds.report["error_counts"]  # doctest: +SKIP

The names below are loaded on first use, so a scan worker (``python -m
trainlab.datasets.workers``) starts without importing what it does not need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trainlab.datasets.formats import FORMATS

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset, DatasetStore

__all__ = ["FORMATS", "Dataset", "DatasetStore"]


def __getattr__(name: str) -> Any:
    if name in ("Dataset", "DatasetStore"):
        from trainlab.datasets import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module 'trainlab.datasets' has no attribute {name!r}")
