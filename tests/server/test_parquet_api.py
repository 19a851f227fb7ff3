"""Parquet over REST: a streamed upload, a resumable upload and an import give the same dataset
(report, preview, profile, check, the file back); a file that only pretends to be Parquet is
refused by its magic bytes, with nothing left behind."""

from __future__ import annotations

import hashlib
import io

import pyarrow as pa
import pyarrow.parquet as pq

from tests.server.test_datasets_api import leftovers, upload


def parquet_bytes(n: int = 300) -> bytes:
    table = pa.table({"x": pa.array([i * 0.5 if i % 10 else None for i in range(n)]),
                      "city": pa.array(["تهران" if i % 3 else "Paris" for i in range(n)]),
                      "label": pa.array(["high" if i % 2 else "low" for i in range(n)])})
    out = io.BytesIO()
    pq.write_table(table, out, row_group_size=64)
    return out.getvalue()


async def test_a_parquet_upload_is_a_dataset_like_any_other(api, workspace_dir):
    data = parquet_bytes()
    assert b"\x00" in data  # a binary file: the text formats' NUL check must not refuse it
    code, ds = await upload(api, data, "cities.parquet")
    assert code == 201, ds
    assert ds["format"] == "parquet" and ds["status"] == "valid" and ds["rows"] == 300
    assert ds["sha256"] == hashlib.sha256(data).hexdigest() and ds["size_bytes"] == len(data)
    assert ds["schema"] == {"x": "number", "city": "category", "label": "category"}
    code, page = await api("GET", f"datasets/{ds['id']}/preview",
                           params={"offset": "250", "limit": "3"})
    assert code == 200 and page["lines"] == [251, 252, 253]
    assert page["rows"][0] == {"x": None, "city": "تهران", "label": "low"}
    code, profile = await api("GET", f"datasets/{ds['id']}/profile", params={"label": "label"})
    assert code == 200 and profile["fields"]["x"]["null_count"] == 30
    code, report = await api("GET", f"datasets/{ds['id']}/report")
    assert code == 200 and [w["code"] for w in report["warnings"]] == ["missing_values"]
    code, check = await api("POST", f"datasets/{ds['id']}/check",
                            {"task": "tabular-regression", "columns": {"target": "city"}})
    assert code == 200 and check["errors"][0]["code"] == "wrong_column_type"
    code, response = await api("GET", f"datasets/{ds['id']}/file", parse=False)
    assert code == 200 and response.body == data
    assert leftovers(workspace_dir) == []


async def test_a_resumable_parquet_upload_and_an_import(api, workspace_dir, jp_root_dir):
    data = parquet_bytes(500)
    code, up = await api("POST", "datasets/uploads", {"filename": "big.parquet",
                                                      "size": len(data)})
    assert code == 201, up
    part = len(data) // 3 + 1
    for start in range(0, len(data), part):
        end = min(start + part, len(data))
        code, result = await api("PUT", f"datasets/uploads/{up['id']}", raw=data[start:end],
                                 headers={"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"})
    assert code == 201 and result["rows"] == 500 and result["format"] == "parquet"
    assert result["sha256"] == hashlib.sha256(data).hexdigest()
    (jp_root_dir / "t.parquet").write_bytes(data)
    code, imported = await api("POST", "datasets/import", {"path": "t.parquet"})
    assert code == 201 and imported["sha256"] == result["sha256"]
    assert imported["schema"] == result["schema"]
    assert leftovers(workspace_dir) == [] and not list((workspace_dir / "uploads").iterdir())


async def test_a_fake_parquet_is_refused_in_both_languages_with_nothing_kept(api, workspace_dir):
    code, body = await upload(api, b"a,b\n1,2\n", "fake.parquet")
    assert code == 422 and body["error"]["code"] == "parquet_bad_magic"
    assert "PAR1" in body["error"]["message"]
    code, fa = await api("POST", "datasets", raw=b"a,b\n1,2\n",
                         params={"filename": "fake.parquet"}, headers={"Accept-Language": "fa"})
    assert code == 422 and fa["error"]["message"] != body["error"]["message"]
    data = parquet_bytes()
    code, body = await upload(api, data[: len(data) - 20], "cut.parquet")
    assert code == 422 and body["error"]["code"] == "parquet_bad_footer"
    assert (await api("GET", "datasets"))[1]["items"] == []
    assert leftovers(workspace_dir) == []
