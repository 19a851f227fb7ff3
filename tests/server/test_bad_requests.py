"""Every bad request is a 4xx with the JSON error format, never a 500 (issue 14, section 2):
bodies nested too deep, lone surrogates, numbers out of range, a list where one column name
goes, strict query integers, an over-long chunked part."""

from __future__ import annotations

import json
import logging

import pytest

from tests.server.test_jobs_api import csv_bytes

DEEP = ("[" * 1000 + "]" * 1000).encode()
JSON_ROUTES = [("POST", "jobs"), ("POST", "datasets/{ds}/check"), ("POST", "datasets/import"),
               ("POST", "datasets/uploads"), ("POST", "jobs/job_00000000000000000000/predict")]


async def add_ds(api) -> str:
    code, ds = await api("POST", "datasets", raw=csv_bytes(60), params={"filename": "h.csv"})
    assert code == 201
    return ds["id"]


def _is_error(body, code=None):
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code, body


@pytest.mark.parametrize("depth", [100, 1000, 5000])
@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_a_body_nested_too_deep_is_a_4xx_on_every_json_route(api, method, path, depth):
    ds = await add_ds(api)
    body = ("[" * depth + "]" * depth).encode()
    code, out = await api(method, path.format(ds=ds), raw=body)
    assert code in (400, 422), out
    _is_error(out)
    if depth > 100:
        assert code == 400 and out["error"]["code"] == "json_too_deep"
        assert out["error"]["details"]["limit"] == 64


async def test_a_deep_value_inside_an_object_is_refused_before_it_is_used(api):
    ds = await add_ds(api)
    arch = {"a": json.loads("[" * 500 + "]" * 500)}
    code, out = await api("POST", "jobs", {"dataset_id": ds, "params": {"arch": arch}})
    assert code == 400 and out["error"]["code"] == "json_too_deep"


SURROGATE = '"\\ud800"'
S = SURROGATE


@pytest.mark.parametrize("template", [
    '{"dataset_id": %s}',
    '{"dataset_id": "{ds}", "device": %s}',
    '{"dataset_id": "{ds}", "params": {"arch": {"kind": %s}}}',
    '{"dataset_id": "{ds}", "columns": {%s: "x"}}',
])
async def test_a_lone_surrogate_in_a_job_is_a_400_naming_where(api, template):
    ds = await add_ds(api)
    body = template.replace("{ds}", ds).replace("%s", SURROGATE)
    code, out = await api("POST", "jobs", raw=body.encode())
    assert code == 400, out
    _is_error(out, "invalid_unicode")


@pytest.mark.parametrize("records", [f'[{{"rooms": {S}}}]', f'[{{{S}: 1}}]', f'[{S}]'])
async def test_a_lone_surrogate_in_predict_records_is_a_400(api, records):
    body = f'{{"records": {records}}}'.encode()
    code, out = await api("POST", "jobs/job_00000000000000000000/predict", raw=body)
    assert code == 400, out
    _is_error(out, "invalid_unicode")
    assert out["error"]["details"]["field"].startswith("records.0")


@pytest.mark.parametrize("number", ["99999999999999999999999999", "-99999999999999999999999999",
                                    "1e400"])
async def test_a_number_out_of_range_is_a_422(api, number):
    body = f'{{"records": [{{"rooms": {number}}}]}}'.encode()
    code, out = await api("POST", "jobs/job_00000000000000000000/predict", raw=body)
    assert code == 422, out
    _is_error(out, "invalid_request")
    assert out["error"]["details"]["field"] == "records.0.rooms"


@pytest.mark.parametrize("columns", [{"target": ["price"]}, {"text": ["city"], "label": "rooms"},
                                     {"text": "city", "label": ["rooms"]},
                                     {"prompt": ["a"], "completion": "b"},
                                     {"target": "x", "features": [["z"]]}])
async def test_one_column_name_is_a_string_in_check_and_submit(api, columns):
    ds = await add_ds(api)
    code, out = await api("POST", f"datasets/{ds}/check", {"task": "tabular", "columns": columns})
    assert code == 422, out
    _is_error(out, "invalid_request")
    assert out["error"]["details"]["field"].startswith("columns")
    code, out = await api("POST", "jobs", {"dataset_id": ds, "task": "tabular", "columns": columns})
    assert code == 422, out
    _is_error(out, "invalid_request")


async def test_features_may_be_a_list_or_one_name(api):
    ds = await add_ds(api)
    for features in (["x", "z"], "x"):
        code, out = await api("POST", f"datasets/{ds}/check",
                              {"task": "tabular", "columns": {"target": "label", "features": features}})
        assert code == 200 and out["ok"], out


async def test_an_unexpected_failure_while_validating_input_is_a_400_not_a_500(
        api, monkeypatch, caplog):
    ds = await add_ds(api)
    from trainlab.server import models_sidebar as ms

    def boom(*a, **k):
        raise TypeError("a validator that breaks")

    monkeypatch.setattr(ms.CheckRequest, "model_validate", classmethod(boom))
    with caplog.at_level(logging.WARNING, "trainlab.server"):
        code, out = await api("POST", f"datasets/{ds}/check", {"task": "tabular"})
    assert code == 400, out
    _is_error(out, "input_unreadable")
    ref = out["error"]["details"]["ref"]
    assert ref in caplog.text and "TypeError" in caplog.text


async def test_a_real_bug_after_validation_stays_a_500_with_a_reference(api, monkeypatch,
                                                                        caplog):
    ds = await add_ds(api)
    from trainlab.server import service

    def boom(*a, **k):
        raise TypeError("a bug")

    monkeypatch.setattr(service, "check", boom)
    with caplog.at_level(logging.ERROR, "trainlab.server"):
        code, out = await api("POST", f"datasets/{ds}/check", {"task": "tabular"})
    assert code == 500
    _is_error(out, "internal_error")
    assert out["error"]["details"]["ref"] in caplog.text


@pytest.mark.parametrize("value", ["+5", "\u0665", "--5", "5.0", "0x5", "1_0", "\uff15", "9" * 30])
@pytest.mark.parametrize("path", ["datasets", "jobs"])
async def test_query_integers_are_ascii_digits_only(api, path, value):
    code, out = await api("GET", path, params={"limit": value})
    assert code == 400, (value, out)
    _is_error(out, "invalid_query")
    code, out = await api("GET", path, params={"limit": "5"})
    assert code == 200


@pytest.mark.parametrize("suffix", ["datasets/%ED%A0%80", "datasets?name=%ED%A0%80",
                                    "jobs/%ED%A0%80/events", "datasets?cursor=%ED%A0%80",
                                    "datasets/ds_00000000000000000000000000/profile?label=%ED%A0%80"])
async def test_a_surrogate_in_the_url_is_a_4xx(raw, suffix):
    code, body = await raw("GET", suffix)
    assert 400 <= code < 500, body
    _is_error(body)


@pytest.mark.parametrize(("path", "param"), [("jobs", "status"), ("jobs", "cursor"), ("jobs", "limit"),
                                             ("datasets", "status"), ("datasets", "cursor"),
                                             ("datasets", "limit")])
async def test_an_empty_query_parameter_is_refused_not_read_as_absent(api, path, param):
    """`?status=` is not a value the OpenAPI document allows (enum, pattern, integer): a 400
    that says to leave it out, not every job (found by the stateful fuzz run)."""
    code, out = await api("GET", path, params={param: ""})
    assert code == 400, (path, param, out)
    _is_error(out, "invalid_query")
    assert param in out["error"]["message"] and "empty" in out["error"]["message"]
