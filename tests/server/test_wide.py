"""Wide data (issue 14, 2.11): lists carry summaries, not schemas, and a file wider than the
column limit is refused at once with a clear error, on the native and the Python paths."""

from __future__ import annotations

import json

import pytest

from trainlab.datasets import blockscan, native
from trainlab.errors import DatasetError

LIMIT = 40


def wide_csv(columns: int, rows: int = 3) -> bytes:
    head = ",".join(f"c{i}" for i in range(columns))
    return (head + "\n" + "".join(",".join(str(r + i) for i in range(columns)) + "\n"
                                  for r in range(rows))).encode()


def many_keys_jsonl(keys: int, per_line: int = 4) -> bytes:
    """``keys`` distinct keys spread over lines of ``per_line`` keys each."""
    return "".join(json.dumps({f"k{j}": j for j in range(i, min(keys, i + per_line))}) + "\n"
                   for i in range(0, keys, per_line)).encode()


@pytest.fixture()
def limit(monkeypatch):
    monkeypatch.setattr(blockscan, "MAX_COLUMNS", LIMIT)
    return LIMIT


@pytest.mark.parametrize("available", [True, False], ids=["native", "python"])
@pytest.mark.parametrize("name,make", [
    ("w.csv", wide_csv), ("k.jsonl", many_keys_jsonl),
    ("k.json", lambda n: b"[" + many_keys_jsonl(n).strip().replace(b"\n", b",") + b"]")])
def test_a_file_over_the_column_limit_is_refused_on_both_paths(ws, tmp_path, monkeypatch, limit,
                                                              available, name, make):
    monkeypatch.setattr(native, "AVAILABLE", available)
    (tmp_path / name).write_bytes(make(limit))
    assert len(ws.datasets.add(tmp_path / name).schema) == limit  # at the limit: fine
    (tmp_path / name).write_bytes(make(limit + 1))
    with pytest.raises(DatasetError) as err:
        ws.datasets.add(tmp_path / name)
    assert err.value.code == "too_many_columns" and err.value.status == 422
    assert err.value.params["limit"] == limit and err.value.params["count"] > limit
    assert f"{limit:,}" in str(err.value)
    assert len(ws.datasets.list()) == 1  # nothing of the refused file was kept


def test_keys_spread_over_blocks_count_together(ws, tmp_path, monkeypatch, limit):
    """Each block holds a few keys (blocks of 64 bytes); their union is over the limit."""
    from trainlab.datasets import plan

    monkeypatch.setattr(native, "AVAILABLE", False)
    monkeypatch.setattr(plan, "BLOCK_BYTES", 64)
    (tmp_path / "k.jsonl").write_bytes(many_keys_jsonl(limit * 3, per_line=2))
    with pytest.raises(DatasetError) as err:
        ws.datasets.add(tmp_path / "k.jsonl")
    assert err.value.code == "too_many_columns"


async def test_rest_upload_over_the_limit_is_422_with_the_limit(api, limit):
    code, body = await api("POST", "datasets", raw=wide_csv(limit + 5),
                           params={"filename": "w.csv"})
    assert code == 422 and body["error"]["code"] == "too_many_columns", body
    assert body["error"]["details"] == {"name": "w.csv", "count": limit + 5, "limit": limit}
    code, page = await api("GET", "datasets")
    assert page["items"] == []


async def test_lists_carry_summaries_and_the_schema_is_behind_the_dataset(api, jp_serverapp):
    code, ds = await api("POST", "datasets", raw=wide_csv(30), params={"filename": "w.csv"})
    assert code == 201 and len(ds["schema"]) == 30
    code, page = await api("GET", "datasets")
    (item,) = page["items"]
    assert "schema" not in item and item["columns"] == 30
    assert {k: v for k, v in ds.items() if k != "schema"} == {k: v for k, v in item.items()
                                                                if k != "columns"}
    code, full = await api("GET", f"datasets/{ds['id']}")
    assert full["schema"] == ds["schema"]
    # the OpenAPI document says so
    code, doc = await api("GET", "openapi.json")
    schemas = doc["components"]["schemas"]
    listed = schemas["DatasetPage"]["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]
    assert "schema" not in schemas[listed]["properties"]
    assert "columns" in schemas[listed]["required"]
