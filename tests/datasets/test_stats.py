from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from trainlab.datasets import stats
from trainlab.datasets.stats import FieldAcc, hash_values


def test_string_hashes_depend_on_content_only() -> None:
    words = ["", "a", "سلام", "hello world", "a", "", "x" * 70_000, "hello world"]
    array = pa.array(words)
    hashes = hash_values(array)
    assert hashes[1] == hashes[4] and hashes[0] == hashes[5] and hashes[3] == hashes[7]
    assert len(set(hashes.tolist())) == 5
    assert hash_values(array.slice(3)).tolist() == hashes[3:].tolist()  # offset buffers
    assert sorted(hash_values(words).tolist()) == sorted(hashes.tolist())  # list == array


def test_hashes_agree_between_lists_and_arrays() -> None:
    assert hash_values([1, 2]).tolist() == hash_values(pa.array([1, 2])).tolist()
    assert hash_values([0.5, True]).tolist() == hash_values(pa.array([0.5, 1.0])).tolist()
    assert hash_values(pa.array([1, None, 1])).tolist() == hash_values([1, 1]).tolist()
    assert len(hash_values([[1], {"a": 1}])) == 2


def test_distinct_estimate_of_strings(monkeypatch) -> None:
    monkeypatch.setattr(stats, "EXACT_DISTINCT", 100)
    acc = FieldAcc()
    rng = np.random.default_rng(1)
    n = 200_000
    for start in range(0, n, 20_000):
        block = pa.array([f"user-{i}-{rng.integers(9)}" for i in range(start, start + 20_000)])
        acc.add(stats._arrow_partial(block, {"string": len(block)}))
    estimate, exact = acc.distinct()
    assert not exact and estimate == pytest.approx(n, rel=0.08)
