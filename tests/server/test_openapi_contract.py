"""The OpenAPI document says what the server does (issue 14, section 2, item 12): bounds on
arrays, the event stream's media type, every error status a route answers, strict integers,
the cursor format, task names, and an Allow header on 405."""

from __future__ import annotations

import re

import pytest

from tests.server.test_jobs_api import csv_bytes
from trainlab.datasets.tasks import task_names
from trainlab.server.openapi import document
from trainlab.server.routes import ROUTES
from trainlab.workspace import new_id

DOC = document(ROUTES)
SCHEMAS = DOC["components"]["schemas"]


def _param(path: str, method: str, name: str) -> dict:
    return next(p for p in DOC["paths"][path][method]["parameters"] if p["name"] == name)


def test_predict_records_are_bounded_on_the_array():
    records = SCHEMAS["PredictRequest"]["properties"]["records"]
    branches = records.get("anyOf", [records])
    assert all(b["type"] == "array" and b["minItems"] == 1 and b["maxItems"] == 1000
               for b in branches)
    assert "minLength" not in records and "maxLength" not in records


def test_the_event_stream_is_text_event_stream():
    content = DOC["paths"]["/jobs/{job_id}/events"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    assert content["text/event-stream"]["schema"] == {"type": "string"}


def test_upload_size_is_a_strict_integer_in_the_document():
    size = next(s for k, s in SCHEMAS.items() if k.startswith("UploadStart"))["properties"]["size"]
    assert size["type"] == "integer" and size["minimum"] == 1


@pytest.mark.parametrize(("path", "prefix"), [("/datasets", "ds"), ("/jobs", "job")])
def test_the_cursor_format_is_in_the_document(path, prefix):
    pattern = _param(path, "get", "cursor")["schema"]["pattern"]
    assert re.fullmatch(pattern.strip("^$"), new_id(prefix))
    assert not re.fullmatch(pattern.strip("^$"), new_id("x" + prefix))


def test_task_names_are_an_enum():
    check = next(s for k, s in SCHEMAS.items() if k.startswith("CheckRequest"))
    assert check["properties"]["task"]["enum"] == list(task_names())


def test_profile_documents_its_422():
    assert "422" in DOC["paths"]["/datasets/{dataset_id}/profile"]["get"]["responses"]


async def test_profile_answers_422_for_an_unknown_label(api):
    code, ds = await api("POST", "datasets", raw=csv_bytes(30), params={"filename": "h.csv"})
    code, body = await api("GET", f"datasets/{ds['id']}/profile", params={"label": "nope"})
    assert code == 422, body


@pytest.mark.parametrize("size", [True, "5", 5.0, "1e3"])
async def test_upload_size_is_strict(api, size):
    code, body = await api("POST", "datasets/uploads", {"filename": "a.csv", "size": size})
    assert code == 422, body
    assert body["error"]["details"]["field"] == "size"


async def test_an_unknown_task_is_a_422_in_check(api):
    code, ds = await api("POST", "datasets", raw=csv_bytes(30), params={"filename": "h.csv"})
    code, body = await api("POST", f"datasets/{ds['id']}/check", {"task": "nope"})
    assert code == 422, body


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PATCH", "datasets", "GET, POST"), ("DELETE", "health", "GET"),
    ("PUT", "jobs/job_00000000000000000000", "DELETE, GET")])
async def test_405_has_an_allow_header(api, method, path, allowed):
    code, response = await api(method, path, parse=False, body={} if method != "DELETE" else None)
    assert code == 405
    assert response.headers["Allow"] == allowed


def test_the_filename_parameter_says_not_blank_and_its_length():
    schema = _param("/datasets", "post", "filename")["schema"]
    assert schema["maxLength"] == 255 and re.search(schema["pattern"], "a.csv")
    assert not re.search(schema["pattern"], " \t")


@pytest.mark.parametrize(("name", "status"), [("./", 422), ("a\u200b.csv", 422), ("/", 422), (" ", 400),
                                              ("a" * 256, 400), ("\x02", 422)])
async def test_a_file_name_the_document_allows_is_never_a_400(raw, name, status):
    import urllib.parse

    schema = _param("/datasets", "post", "filename")["schema"]
    allowed = bool(re.search(schema["pattern"], name)) and len(name) <= schema["maxLength"]
    code, body = await raw("POST", "datasets?filename=" + urllib.parse.quote(name), b"a\n1\n")
    assert code == status, body
    assert (code != 400) == allowed


@pytest.mark.parametrize(("body", "status"), [
    ({"filename": "a.CSV", "size": 5}, 201), ({"filename": "a.ndjson", "size": 5}, 201),
    ({"filename": "a.txt", "size": 5, "format": "csv"}, 201),
    ({"filename": "a.txt", "size": 5}, 422), ({"filename": "a", "size": 5}, 422)])
async def test_upload_start_documents_that_the_extension_gives_the_format(api, body, status):
    import jsonschema

    schema = next(s for k, s in SCHEMAS.items() if k.startswith("UploadStart"))
    valid = jsonschema.Draft202012Validator(schema).is_valid(body)
    code, out = await api("POST", "datasets/uploads", body)
    assert code == status, out
    assert valid == (code == 201)
