"""Distinct counts: exact while they can be, else a sketch's estimate within its stated error,
for every column whatever the other columns hold (issue 14, item 7)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trainlab.datasets import native, plan, sketch
from trainlab.datasets.semantics import SKETCH_K
from trainlab.widgets import dataset_views

WORDS = np.array(["alpha", "beta", "gamma", "delta", "the", "quick", "brown", "fox", "jumps",
                  "over", "lazy", "dog"])
#: The test's bound: four times the sketch's stated (standard) error.
TOLERANCE = 4 * sketch.DISTINCT_ERROR


def free_text(rng: np.random.Generator, n: int) -> list[str]:
    picks = WORDS[rng.integers(0, len(WORDS), (n, 6))]
    return [" ".join(row) + f" {i}" for i, row in enumerate(picks.tolist())]


def write_csv(write, name: str, columns: dict[str, list[str]]) -> object:
    lines = [",".join(columns)]
    lines += [",".join(row) for row in zip(*columns.values())]
    return write(name, "\n".join(lines) + "\n")


def assert_counts(profile: dict, truth: dict[str, int]) -> None:
    for name, true in truth.items():
        info = profile["fields"][name]
        assert info["distinct"] <= info["count"], (name, info["distinct"], info["count"])
        if info["distinct_exact"]:
            assert info["distinct"] == true, (name, info["distinct"], true)
        else:
            assert abs(info["distinct"] - true) <= TOLERANCE * true, (name, info["distinct"], true)


def with_both_scanners(ws, path, monkeypatch, truth: dict[str, int]) -> dict:
    for available in (True, False):
        monkeypatch.setattr(native, "AVAILABLE", available and native.AVAILABLE)
        profile = ws.datasets.add(path, name=f"d{int(available)}.csv").profile()
        assert_counts(profile, truth)
    return profile


def test_the_issue_reproduction(ws, write, monkeypatch) -> None:
    """375,000 rows: a score of 10,001 distinct values beside a free-text comment. The profile
    said 866 distinct scores, and more distinct comments than rows."""
    rng = np.random.default_rng(0)
    n = 375_000
    score = rng.random(n).round(4)
    comment = free_text(rng, n)
    path = write_csv(write, "scores.csv", {"score": [repr(x) for x in score.tolist()],
                                           "comment": comment})
    truth = {"score": len(np.unique(score)), "comment": n}
    assert truth["score"] == 10_001
    profile = with_both_scanners(ws, path, monkeypatch, truth)
    assert not profile["fields"]["comment"]["distinct_exact"]
    panel = dataset_views.profile(profile, "en")  # the dataset panel marks estimates
    assert f'≈<bdi dir="ltr">{profile["fields"]["comment"]["distinct"]:,}</bdi>' in panel


def test_merging_sketches_of_the_same_values() -> None:
    """Block sketches that hold the same hashes: the union's K smallest distinct hashes."""
    hashes = np.arange(1, 5 * SKETCH_K, 3, dtype=np.uint32)
    blocks = [sketch.smallest(np.random.default_rng(i).permutation(hashes)) for i in range(6)]
    merged = sketch.smallest(np.concatenate(blocks))
    assert merged.tolist() == hashes[:SKETCH_K].tolist()


KINDS = st.sampled_from(["int", "float", "word", "text"])
# how many distinct values: around the switches (2,000 a block, 10,000 in all)
DISTINCT = st.sampled_from([1, 50, 1_999, 2_001, 5_000, 9_999, 10_001, 15_000, 60_000])


def mixed_columns(n: int, seed: int, specs: list[tuple[str, int]]) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {}
    for j, (kind, d) in enumerate(specs):
        if kind == "text":
            values = free_text(rng, n)
        else:
            pool = rng.permutation(1_000_000)[:d]
            picks = pool[rng.integers(0, len(pool), n)].tolist()
            values = ([str(v) for v in picks] if kind == "int" else
                      [repr(v / 10_000) for v in picks] if kind == "float" else
                      [f"w{v}" for v in picks])
        columns[f"{kind}{j}"] = values
    return columns


@given(st.integers(1_000, 60_000), st.integers(0, 2**32 - 1),
       st.lists(st.tuples(KINDS, DISTINCT), min_size=1, max_size=3),
       st.sampled_from([32 * 1024, 128 * 1024, 1 << 20]))
@example(40_000, 0, [("float", 5_000)], 32 * 1024)  # ten blocks' sketches of the same values
@example(30_000, 1, [("text", 0)], 32 * 1024)  # all distinct: not more than the rows
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_estimates_stay_within_their_error(tmp_path_factory, monkeypatch, n, seed, specs,
                                           block) -> None:
    import trainlab

    columns = mixed_columns(n, seed, specs)
    truth = {name: len(set(values)) for name, values in columns.items()}
    folder = tmp_path_factory.mktemp("mixed")
    path = folder / "mixed.csv"
    lines = [",".join(columns)] + [",".join(row) for row in zip(*columns.values())]
    path.write_text("\n".join(lines) + "\n")
    ws = trainlab.Workspace(folder / "ws")
    with monkeypatch.context() as patch:
        patch.setattr(plan, "BLOCK_BYTES", block)
        with_both_scanners(ws, path, patch, truth)


@pytest.mark.parametrize("rows", [10, 20_000])
def test_exact_counts_say_so(ws, write, rows) -> None:
    path = write_csv(write, "few.csv", {"x": [str(i % 7) for i in range(rows)]})
    profile = ws.datasets.add(path).profile()
    info = profile["fields"]["x"]
    assert info["distinct"] == 7 and info["distinct_exact"]
    assert "≈" not in dataset_views.profile(profile, "en")
