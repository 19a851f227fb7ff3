"""``ds.split``: a seeded (optionally stratified) train/test split stored as two datasets."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from trainlab.datasets.check import column_error
from trainlab.datasets.export import to_pandas
from trainlab.datasets.frames import add_frame
from trainlab.errors import dataset_error

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset


def split(ds: Dataset, test_size: float = 0.2, stratify: str | None = None, seed: int = 0,
          names: tuple[str, str] | None = None) -> tuple[Dataset, Dataset]:
    """(train, test) of ``ds``'s valid rows; see :meth:`Dataset.split`. Everything is checked
    before anything is written."""
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real) or \
            not 0 < float(test_size) < 1:
        raise dataset_error("split_test_size", value=repr(test_size))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise dataset_error("invalid_argument", name="seed",
                            detail=f"{seed!r}; pass a whole number >= 0")
    if stratify is not None and stratify not in ds.schema:
        raise column_error(stratify, "stratify", list(ds.schema))
    if names is not None and (isinstance(names, str) or len(names) != 2 or
                              not all(isinstance(n, str) and n.strip() for n in names)):
        raise dataset_error("invalid_argument", name="names",
                            detail=f"{names!r}; pass two names, (train, test)")
    frame = to_pandas(ds)
    while frame.index.name in frame.columns:  # a file's "line" index beside a "line" column
        frame = frame.rename_axis(f"__{frame.index.name}__")
    test = held_out(frame[stratify] if stratify else None, len(frame), float(test_size),
                          int(seed))
    if len(test) == 0 or len(test) == len(frame):
        raise dataset_error("split_empty_side", value=repr(test_size), rows=len(frame),
                            side="test" if len(test) == 0 else "train")
    keep = np.ones(len(frame), dtype=bool)
    keep[test] = False
    train_name, test_name = names or (f"{ds.name} [train]", f"{ds.name} [test]")
    record = {"test_size": float(test_size), "seed": int(seed), "stratify": stratify}
    train = add_frame(ds.workspace.datasets, frame.iloc[np.flatnonzero(keep)], train_name,
                      parent={"id": ds.id, "split": "train", **record})
    tested = add_frame(ds.workspace.datasets, frame.iloc[np.sort(test)], test_name,
                       parent={"id": ds.id, "split": "test", **record})
    return train, tested


def held_out(labels: pd.Series | None, rows: int, test_size: float, seed: int
                   ) -> np.ndarray:
    """The row positions that go to test: ``round(test_size * n)`` of a seeded permutation, or
    per class of ``labels`` (a class of 2+ rows keeps at least one row on each side)."""
    rng = np.random.default_rng(seed)
    if labels is None:
        return np.sort(rng.permutation(rows)[:round(test_size * rows)])
    codes, _ = pd.factorize(labels, use_na_sentinel=False)
    chosen = []
    for code in range(codes.max() + 1 if rows else 0):
        members = np.flatnonzero(codes == code)
        take = round(test_size * len(members))
        if len(members) >= 2:
            take = min(max(take, 1), len(members) - 1)
        else:
            take = 0
        chosen.append(rng.permutation(members)[:take])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
