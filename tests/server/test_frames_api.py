"""Datasets made in a notebook from a DataFrame, and splits, as REST shows them."""

from __future__ import annotations

import pandas as pd

import trainlab


async def test_a_split_shows_its_parent_over_rest(api, workspace_dir):
    ws = trainlab.Workspace(workspace_dir)
    frame = pd.DataFrame({"x": range(20), "y": ["a", "b"] * 10})
    parent = ws.datasets.add(frame, name="frame")
    train, test = parent.split(test_size=0.2, stratify="y", seed=2)
    code, body = await api("GET", f"datasets/{train.id}")
    assert code == 200, body
    assert body["parent"] == {"id": parent.id, "split": "train", "test_size": 0.2, "seed": 2,
                              "stratify": "y"}
    assert body["rows"] == 16 and body["format"] == "jsonl"
    code, body = await api("GET", f"datasets/{parent.id}")
    assert code == 200 and body["parent"] is None and body["rows"] == 20
    code, page = await api("GET", "datasets", params={"limit": "10"})
    assert code == 200
    assert {i["id"]: i["parent"] and i["parent"]["split"] for i in page["items"]} == {
        parent.id: None, train.id: "train", test.id: "test"}
