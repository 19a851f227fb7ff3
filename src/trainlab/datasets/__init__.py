"""Datasets: ingest, validation with exact line numbers, preview, profile, task checks.

>>> ds = ws.datasets.add("reviews.csv")          # doctest: +SKIP
>>> ds.status, ds.rows, ds.report["error_counts"]  # doctest: +SKIP
"""

from __future__ import annotations

from trainlab.datasets.dataset import Dataset, DatasetStore, localize_report
from trainlab.datasets.formats import FORMATS

__all__ = ["FORMATS", "Dataset", "DatasetStore", "localize_report"]
