"""Label and category maps keyed by a value's text, so 3, "3" and True/"true" map alike."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def keys(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Each value as text (None for a missing one), as a numpy object array."""
    if pa.types.is_floating(column.type):  # 3.0 and 3 are the same label
        as_int = pc.cast(column, pa.int64(), safe=False)
        whole = pc.fill_null(pc.equal(pc.cast(as_int, column.type), column), False)
        column = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
    elif not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)


def fit_labels(column: pa.ChunkedArray) -> dict[str, Any]:
    """Classes in a stable order (by text) with their original values for predictions."""
    texts = keys(column)
    values = column.to_pylist()
    original: dict[str, Any] = {}
    for text, value in zip(texts.tolist(), values, strict=True):
        if text is not None and text not in original:
            original[text] = value
    order = sorted(original)
    return {"keys": order, "values": [original[k] for k in order]}


def encode_labels(column: pa.ChunkedArray, labels: dict[str, Any]) -> np.ndarray:
    """Class index per row; -1 for a value not seen in training."""
    return lookup(keys(column), labels["keys"], missing=-1, unknown=-1)


def lookup(texts: np.ndarray, vocabulary: list[str], *, missing: int, unknown: int,
           offset: int = 0) -> np.ndarray:
    """Index of each text in ``vocabulary`` (+ offset); ``missing`` for None, ``unknown`` if absent."""
    out = np.full(len(texts), unknown, np.int64)
    is_missing = np.array([t is None for t in texts], bool) if len(texts) else np.zeros(0, bool)
    present = ~is_missing
    if len(vocabulary) and present.any():
        vocab = np.asarray(vocabulary, dtype=object)
        order = np.argsort(vocab)
        sorted_vocab = vocab[order]
        values = texts[present].astype(str)
        pos = np.searchsorted(sorted_vocab.astype(str), values)
        pos = np.minimum(pos, len(vocab) - 1)
        found = sorted_vocab[pos].astype(str) == values
        idx = np.where(found, order[pos] + offset, unknown)
        out[present] = idx
    out[is_missing] = missing
    return out
