"""ds.split(): a reproducible, optionally stratified train/test split into two datasets."""

from __future__ import annotations

import pandas as pd
import pytest

import trainlab
from tests.conftest import jsonl, workspace_files
from trainlab.errors import DatasetError


def rows(n: int = 50) -> list[dict]:
    # 40 "a", 8 "b", 2 "c": a plain 20 % split would often leave "c" out of one side
    kinds = ["a"] * 40 + ["b"] * 8 + ["c"] * 2
    return [{"i": i, "kind": kinds[i % 50], "x": i * 0.5} for i in range(n)]


@pytest.fixture()
def parent(ws: trainlab.Workspace, write):
    return ws.datasets.add(write("parent.jsonl", jsonl(rows())))


def test_split_is_a_partition_recorded_with_its_parent(ws, parent) -> None:
    train, test = parent.split(test_size=0.2, seed=3)
    assert (train.rows, test.rows) == (40, 10)
    a, b = train.to_pandas(), test.to_pandas()
    assert sorted(a["i"].tolist() + b["i"].tolist()) == list(range(50))
    # rows keep their parent's line numbers as index, and its types
    assert a.index.name == "line" and (a.index == a["i"] + 1).all()
    assert str(a["i"].dtype) == "Int64"
    assert train.parent == {"id": parent.id, "split": "train", "test_size": 0.2, "seed": 3,
                            "stratify": None}
    assert test.parent["split"] == "test" and parent.parent is None
    card = train._repr_html_()  # the notebook card says where the split came from
    assert "Split from" in card and parent.id in card and "(train, test_size=0.2, seed=3)" in card
    assert "Split from" not in parent._repr_html_()
    got = ws.datasets.get(train.id)
    assert got.to_dict()["parent"] == train.parent and got.name == "parent.jsonl [train]"
    # the index is not a feature to train on
    from trainlab.training.columns import infer

    _, columns = infer(train, "tabular", {"target": "kind"})
    assert "line" not in columns["features"] and "x" in columns["features"]


def test_same_seed_same_datasets_other_seed_other_rows(ws, parent) -> None:
    train, test = parent.split(seed=7)
    again = parent.split(seed=7)
    assert (again[0].id, again[1].id) == (train.id, test.id)
    assert len(ws.datasets.list()) == 3
    other = parent.split(seed=8)
    assert other[1].to_pandas()["i"].tolist() != test.to_pandas()["i"].tolist()
    # the same rows from another parent (the same file added twice) are other datasets
    twin = ws.datasets.add(parent.path, name="twin.jsonl")
    twin_train, _ = twin.split(seed=7)
    assert twin_train.id != train.id and twin_train.parent["id"] == twin.id
    assert twin_train.sha256 == train.sha256


def test_stratified_keeps_every_class_on_both_sides(ws, parent) -> None:
    for seed in range(5):
        train, test = parent.split(test_size=0.2, stratify="kind", seed=seed,
                                   names=(f"tr{seed}", f"te{seed}"))
        a, b = train.to_pandas(), test.to_pandas()
        assert b["kind"].value_counts().to_dict() == {"a": 8, "b": 2, "c": 1}
        assert set(a["kind"]) == {"a", "b", "c"} and train.name == f"tr{seed}"
        assert test.parent["stratify"] == "kind"


def test_a_frame_born_parent_keeps_its_dtypes_and_index(ws) -> None:
    df = pd.DataFrame({"y": pd.Categorical(["u", "v"] * 10), "n": pd.array(range(20), "Int16")},
                      index=pd.Index([f"k{i}" for i in range(20)], name="key"))
    parent = ws.datasets.add(df, name="frame")
    train, test = parent.split(test_size=0.25, stratify="y", seed=1)
    both = pd.concat([train.to_pandas(), test.to_pandas()]).loc[df.index]
    pd.testing.assert_frame_equal(both, df)


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"test_size": 0}, "split_test_size"),
    ({"test_size": 1}, "split_test_size"),
    ({"test_size": -0.5}, "split_test_size"),
    ({"test_size": "0.2"}, "split_test_size"),
    ({"test_size": True}, "split_test_size"),
    ({"test_size": 0.001}, "split_empty_side"),
    ({"test_size": 0.999}, "split_empty_side"),
    ({"stratify": "knid"}, "column_not_found"),
    ({"seed": -1}, "invalid_argument"),
    ({"names": ("only one",)}, "invalid_argument"),
])
def test_bad_arguments_are_refused_before_writing(ws, parent, kwargs, code) -> None:
    before = {p for p in workspace_files(ws)}
    with pytest.raises(DatasetError) as info:
        parent.split(**kwargs)
    assert info.value.code == code
    if code == "column_not_found":
        assert "Did you mean 'kind'" in str(info.value)
    assert {p for p in workspace_files(ws)} == before and len(ws.datasets.list()) == 1


def test_a_file_with_a_line_column_splits(ws: trainlab.Workspace, write) -> None:
    # the parent's line numbers are the index; a column named "line" must not clash with it
    data = [{"line": f"L{i % 4}", "station": i, "delay": i * 0.25} for i in range(30)]
    parent = ws.datasets.add(write("trains.jsonl", jsonl(data)))
    train, test = parent.split(test_size=0.2, seed=1)
    a = train.to_pandas()
    assert (train.rows, test.rows) == (24, 6)
    assert a.index.name == "__line__" and (a.index == a["station"] + 1).all()
    assert a["line"].tolist() == [f"L{i % 4}" for i in a["station"]]
    assert sorted(a["station"].tolist() + test.to_pandas()["station"].tolist()) == list(range(30))
