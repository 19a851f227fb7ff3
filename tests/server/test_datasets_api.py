"""Datasets over REST: streamed upload, resumable upload, import, report, preview, profile,
check, download, delete, pagination; and every kind of bad input answered 4xx with nothing
left behind."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.training.conftest import tabular_rows

CSV = b"x,color,label\n1.5,red,high\n-2,blue,low\n0.3,green,high\n"
BROKEN = b'{"a": 1}\n{"a": 2\n{"a": 3}\nnot json\n'


def leftovers(workspace_dir) -> list[str]:
    """Files in tmp/ (what a refused or aborted upload must not leave)."""
    tmp = workspace_dir / "tmp"
    return [str(p) for p in tmp.rglob("*") if p.is_file()] if tmp.exists() else []


async def upload(api, data: bytes, filename: str = "t.csv", **params):
    return await api("POST", "datasets", raw=data, params={"filename": filename, **params})


async def test_upload_validates_profiles_and_answers_201(api, workspace_dir):
    code, ds = await upload(api, CSV)
    assert code == 201, ds
    assert ds["status"] == "valid" and ds["rows"] == 3 and ds["format"] == "csv"
    assert ds["sha256"] == hashlib.sha256(CSV).hexdigest() and ds["size_bytes"] == len(CSV)
    # three rows are too few to call a column of words a category
    assert ds["schema"] == {"x": "number", "color": "string", "label": "string"}
    assert (await api("GET", f"datasets/{ds['id']}"))[1] == ds
    assert leftovers(workspace_dir) == []


async def test_a_file_with_bad_rows_is_kept_invalid_and_its_report_pages(api):
    code, ds = await upload(api, BROKEN, "b.jsonl")
    assert code == 201 and ds["status"] == "invalid" and ds["rows"] == 2 and ds["rows_invalid"] == 2
    code, report = await api("GET", f"datasets/{ds['id']}/report", params={"limit": "1"})
    assert code == 200 and report["errors_total"] == 2 and len(report["errors"]) == 1
    assert report["errors"][0]["line"] == 2 and report["errors"][0]["message"]
    code, rest = await api("GET", f"datasets/{ds['id']}/report", params={"offset": "1", "limit": "5"})
    assert [e["line"] for e in rest["errors"]] == [4]
    code, fa = await api("GET", f"datasets/{ds['id']}/report",
                         headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"})
    assert fa["errors"][0]["message"] != report["errors"][0]["message"]
    assert "سطر" in fa["errors"][0]["message"]


async def test_a_file_that_is_not_its_format_is_refused_with_nothing_kept(api, workspace_dir):
    code, body = await upload(api, b"\x00\x01\x02binary" * 100, "x.csv")
    assert code == 422 and body["error"]["code"] == "binary_file"
    assert "NUL" in body["error"]["message"]
    code, body = await upload(api, b"", "empty.jsonl")
    assert code == 422 and body["error"]["code"] == "empty_file"
    code, body = await upload(api, CSV, "t.xlsx")
    assert code == 422 and body["error"]["code"] == "unsupported_format"
    assert (await api("GET", "datasets"))[1]["items"] == []
    assert leftovers(workspace_dir) == []


@pytest.mark.parametrize("trainlab_config", [{"run_scheduler": False, "max_upload_bytes": 1000,
                                              "allowed_formats": ["csv", "jsonl"]}])
async def test_size_limit_and_allowed_formats(api, workspace_dir):
    code, body = await upload(api, b"a\n" + b"1\n" * 1000)
    assert code == 413 and body["error"]["code"] == "too_large"
    assert body["error"]["details"]["limit"] == 1000
    code, body = await upload(api, b'[{"a": 1}]', "t.json")
    assert code == 415 and body["error"]["code"] == "format_not_allowed"
    code, body = await api("POST", "datasets/uploads", {"filename": "big.csv", "size": 5000})
    assert code == 413
    assert leftovers(workspace_dir) == []


async def test_preview_profile_check_download_delete(api, workspace_dir):
    rows = tabular_rows(120)
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    code, ds = await upload(api, data, "table.jsonl")
    assert code == 201
    code, page = await api("GET", f"datasets/{ds['id']}/preview", params={"offset": "100", "limit": "5"})
    assert code == 200 and page["lines"] == [101, 102, 103, 104, 105]
    assert page["rows"][0]["color"] == rows[100]["color"]
    assert page["rows"][0]["x"] == rows[100]["x"]  # None stays null, numbers stay numbers
    code, profile = await api("GET", f"datasets/{ds['id']}/profile", params={"label": "label"})
    assert code == 200 and profile["fields"]["x"]["null_count"] == sum(r["x"] is None for r in rows)
    assert profile["class_balance"]["field"] == "label"
    code, body = await api("GET", f"datasets/{ds['id']}/profile", params={"label": "nope"})
    assert code == 422 and body["error"]["code"] == "column_not_found"
    code, check = await api("POST", f"datasets/{ds['id']}/check",
                            {"task": "tabular", "columns": {"target": "label"}})
    assert code == 200 and check["ok"] is True
    code, bad = await api("POST", f"datasets/{ds['id']}/check", {"task": "tabular",
                                                                 "columns": {"target": "missing"}})
    assert code == 422 and bad["error"]["code"] == "column_not_found"
    code, response = await api("GET", f"datasets/{ds['id']}/file", parse=False)
    assert code == 200 and response.body == data
    assert response.headers["ETag"] == f'"{ds["sha256"]}"'
    code, gone = await api("DELETE", f"datasets/{ds['id']}")
    assert code == 200 and gone == {"id": ds["id"], "deleted": True}
    assert (await api("GET", f"datasets/{ds['id']}"))[0] == 404
    assert not (workspace_dir / "datasets" / ds["id"]).exists()


async def test_list_pages_with_a_cursor_and_filters(api):
    ids = []
    for i in range(5):
        name = f"f{i}.csv" if i % 2 == 0 else f"f{i}.jsonl"
        code, ds = await upload(api, CSV if i % 2 == 0 else BROKEN, name)
        ids.append(ds["id"])
    code, first = await api("GET", "datasets", params={"limit": "2"})
    assert [d["id"] for d in first["items"]] == ids[::-1][:2] and first["next_cursor"] == ids[3]
    code, second = await api("GET", "datasets", params={"limit": "2", "cursor": first["next_cursor"]})
    assert [d["id"] for d in second["items"]] == [ids[2], ids[1]]
    code, last = await api("GET", "datasets", params={"limit": "2", "cursor": second["next_cursor"]})
    assert [d["id"] for d in last["items"]] == [ids[0]] and last["next_cursor"] is None
    code, invalid = await api("GET", "datasets", params={"status": "invalid"})
    assert [d["id"] for d in invalid["items"]] == [ids[3], ids[1]]
    _, named = await api("GET", "datasets", params={"name": "F4"})
    assert [d["name"] for d in named["items"]] == ["f4.csv"]
    _code, named = await api("GET", "datasets", params={"name": "%"})
    assert named["items"] == []  # LIKE wildcards are matched literally


@pytest.mark.parametrize(("params", "name"), [
    ({"limit": "0"}, "limit"), ({"limit": "10" * 20}, "limit"), ({"limit": "-1"}, "limit"),
    ({"limit": "abc"}, "limit"), ({"cursor": "../../etc"}, "cursor"), ({"status": "gone"}, "status"),
    ({"cursor": "x" * 5000}, "cursor")])
async def test_absurd_query_values_are_400(api, params, name):
    code, body = await api("GET", "datasets", params=params)
    assert code == 400 and body["error"]["code"] == "invalid_query"
    assert body["error"]["details"]["name"] == name


@pytest.mark.parametrize("path", [
    "datasets/..%2F..%2Fetc", "datasets/ds_..", "datasets/%00", "datasets/%FF%FE",
    "jobs/..%2Fx/logs", "datasets/uploads/..%2F..%2Ftrainlab.db", "datasets/../../../etc/passwd",
    "datasets/%2e%2e%2f%2e%2e%2ftrainlab.db/file", "jobs/job_%2e%2e/model"])
async def test_ids_that_try_to_leave_the_workspace_are_4xx(raw, path):
    code, body = await raw("GET", path)
    assert 400 <= code < 500 and body["error"]["code"] in (
        "dataset_not_found", "job_not_found", "upload_not_found", "route_not_found", "bad_request")


async def test_huge_headers_and_non_utf8_names_are_4xx(raw, workspace_dir):
    code, body = await raw("POST", "datasets?filename=%FF%FE.csv", CSV)
    assert code == 400 and body["error"]["code"] in ("bad_request", "invalid_query")
    code, body = await raw("POST", "datasets?filename=" + "a" * 300 + ".csv", CSV)
    assert code == 400 and body["error"]["details"]["name"] == "filename"
    code, body = await raw("POST", "datasets?filename=a%00b.csv", CSV)
    assert code == 201 and body["name"] == "a b.csv"  # tornado turns control characters to spaces
    code, _ = await raw("GET", "datasets", headers={"X-Big": "x" * 70_000})
    assert 400 <= code < 500 or code == 599  # tornado drops a request whose headers are too big
    assert (await raw("GET", "datasets"))[0] == 200  # and keeps serving
    assert leftovers(workspace_dir) == []


async def test_unknown_fields_and_broken_json_bodies(api):
    code, ds = await upload(api, CSV)
    code, body = await api("POST", f"datasets/{ds['id']}/check", {"task": "tabular", "colums": {}})
    assert code == 422 and body["error"]["code"] == "invalid_request"
    assert body["error"]["details"]["field"] == "colums"
    code, body = await api("POST", f"datasets/{ds['id']}/check", raw=b"{not json")
    assert code == 400 and body["error"]["code"] == "bad_request"
    code, body = await api("POST", f"datasets/{ds['id']}/check", raw=b"\xff\xfe\x00")
    assert code == 400


async def test_resumable_upload_in_parts(api, workspace_dir):
    data = b"".join(json.dumps(r).encode() + b"\n" for r in tabular_rows(400))
    digest = hashlib.sha256(data).hexdigest()
    code, up = await api("POST", "datasets/uploads",
                         {"filename": "big.jsonl", "size": len(data), "sha256": digest})
    assert code == 201 and up["offset"] == 0
    part = 4096

    async def put(start, end, payload=None):
        return await api("PUT", f"datasets/uploads/{up['id']}", raw=payload or data[start:end],
                         headers={"Content-Range": f"bytes {start}-{end - 1}/{len(data)}"})

    code, state = await put(0, part)
    assert code == 200 and state["offset"] == part
    code, body = await put(0, part)  # sent twice (a retry after a lost answer): 409, offset given
    assert code == 409 and body["error"]["details"]["offset"] == part
    code, body = await put(part * 2, part * 3)  # a gap
    assert code == 409 and body["error"]["details"]["offset"] == part
    code, body = await api("PUT", f"datasets/uploads/{up['id']}", raw=b"abc",
                           headers={"Content-Range": "bytes 4096-5000/10"})
    assert code == 422 and body["error"]["code"] == "bad_content_range"  # well-formed, cannot hold
    assert (await api("GET", f"datasets/uploads/{up['id']}"))[1]["offset"] == part
    start = part
    while start < len(data):
        end = min(start + part * 3, len(data))
        code, result = await put(start, end)
        start = end
    assert code == 201 and result["sha256"] == digest and result["rows"] == 400
    assert (await api("GET", f"datasets/uploads/{up['id']}"))[0] == 404
    assert leftovers(workspace_dir) == [] and not list((workspace_dir / "uploads").iterdir())


async def test_resumable_upload_with_a_wrong_checksum_is_not_kept(api, workspace_dir):
    code, up = await api("POST", "datasets/uploads", {"filename": "t.csv", "size": len(CSV),
                                                      "sha256": "0" * 64})
    code, body = await api("PUT", f"datasets/uploads/{up['id']}", raw=CSV,
                           headers={"Content-Range": f"bytes 0-{len(CSV) - 1}/{len(CSV)}"})
    assert code == 422 and body["error"]["code"] == "upload_checksum_mismatch"
    assert (await api("GET", "datasets"))[1]["items"] == []
    code, up = await api("POST", "datasets/uploads", {"filename": "t.csv", "size": len(CSV)})
    assert (await api("DELETE", f"datasets/uploads/{up['id']}"))[0] == 200
    assert leftovers(workspace_dir) == [] and not list((workspace_dir / "uploads").iterdir())


async def test_import_a_file_under_root_dir_and_refuse_paths_outside(api, jp_root_dir, tmp_path):
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "t.csv").write_bytes(CSV)
    code, ds = await api("POST", "datasets/import", {"path": "data/t.csv"})
    assert code == 201 and ds["rows"] == 3 and ds["name"] == "t.csv"
    assert (jp_root_dir / "data" / "t.csv").exists()  # copied, the user's file stays
    secret = tmp_path / "secret.csv"
    secret.write_bytes(CSV)
    os.symlink(secret, jp_root_dir / "link.csv")
    for path in ("../secret.csv", str(secret), "data/../../secret.csv", "link.csv", "~/x.csv"):
        code, body = await api("POST", "datasets/import", {"path": path})
        assert code == 403 and body["error"]["code"] == "path_outside_root", path
    code, body = await api("POST", "datasets/import", {"path": "data/none.csv"})
    assert code == 404 and body["error"]["code"] == "source_not_found"


async def test_errors_speak_persian_when_asked(api):
    code, body = await api("GET", "datasets/ds_01m8bp5a1s9fzzs5mdh2vm6ztw",
                           headers={"Accept-Language": "fa"})
    assert code == 404 and "مجموعه‌داده" in body["error"]["message"]
    code, body = await api("GET", "nowhere", headers={"Accept-Language": "fa"})
    assert code == 404 and body["error"]["code"] == "route_not_found"


async def test_a_json_body_over_8_mib_is_413(api):
    code, ds = await upload(api, CSV)
    huge = json.dumps({"task": "tabular", "columns": {"target": "x" * (9 * 1024 * 1024)}})
    code, body = await api("POST", f"datasets/{ds['id']}/check", raw=huge.encode())
    assert code == 413 and body["error"]["code"] == "too_large"
