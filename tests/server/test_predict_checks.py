"""POST jobs/{id}/predict checks each record on its own (issue 14, 2.7): missing features
and unknown fields are 422s naming them, a boolean is not a number; no prediction is made
from imputed values the caller never sent."""

from __future__ import annotations

import trainlab
from tests.server.test_jobs_api import csv_bytes

GOOD = {"x": 1.0, "z": 0.0, "color": "red"}


async def test_predict_refuses_records_with_missing_or_unknown_fields(api, app):
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "t.csv"})
    assert code == 201
    result = trainlab.fit(ds["id"], workspace=app.workspace, columns={"target": "label"},
                          max_steps=5, device="cpu")
    url = f"jobs/{result.job_id}/predict"
    code, out = await api("POST", url, {"records": [GOOD, {**GOOD, "label": "low"}]})
    assert code == 200 and len(out["predictions"]) == 2
    for records, error, named in (
            ([{}], "missing_features", "x, z, color"),
            ([GOOD, {"x": 1.0}], "missing_features", "z, color"),
            ([{"nope": 1, **GOOD}], "unknown_fields", "nope"),
            ([{**GOOD, "x": True}], "wrong_value_type", "'x'"),
            ([GOOD, {**GOOD, "z": "a lot"}], "wrong_value_type", "Record 1")):
        code, body = await api("POST", url, {"records": records})
        assert code == 422, (records, body)
        assert body["error"]["code"] == error and named in body["error"]["message"], body
    code, body = await api("POST", url, {"records": [{}]}, headers={"Accept-Language": "fa"})
    assert code == 422 and "رکورد" in body["error"]["message"]
