"""POST jobs runs the same submit checks as ws.jobs.submit (issue 14, 2.3): a device this
machine lacks, unknown or oversized ``arch`` settings and unknown column roles are 422s, and
nothing is queued."""

from __future__ import annotations

import pytest
import torch

from tests.server.test_jobs_api import csv_bytes

NO_GPU = "no_such_gpu" if torch.cuda.is_available() else "cuda_unavailable"


@pytest.mark.parametrize(("extra", "code"), [
    ({"device": "meta"}, "unknown_device"),
    ({"device": "../../etc"}, "unknown_device"),
    ({"device": "cuda:99"}, NO_GPU),
    ({"params": {"arch": {"x": 1}}}, "unknown_arch_key"),
    ({"params": {"arch": {"layers": 100000, "hidden": 100000}}}, "arch_out_of_range"),
    ({"params": {"arch": {"hidden": 65536, "layers": 128}}}, "model_too_large"),
    ({"task": "causal-lm", "columns": {"text": "color", "bogus": "label"}}, "unknown_column_role"),
    # A lone surrogate is not text: the body is refused before validation (400, the field
    # named); ws.jobs.submit, which has no body, names it escaped (tests/jobs).
    ({"device": "cu\ud800"}, "invalid_unicode"),
    ({"params": {"arch": {"\ud800": 1}}}, "invalid_unicode"),
    ({"params": {"arch": {"hidden": "\ud800"}}}, "invalid_unicode"),
    ({"columns": {"target": "label", "\ud800": "x"}}, "invalid_unicode"),
])
async def test_post_jobs_refuses_what_cannot_run(api, extra, code):
    status, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "h.csv"})
    assert status == 201
    status, body = await api("POST", "jobs", {"dataset_id": ds["id"], "task": "tabular",
                                              "columns": {"target": "label"}, **extra})
    assert status == (400 if code == "invalid_unicode" else 422), body
    assert body["error"]["code"] == code
    status, listing = await api("GET", "jobs")
    assert status == 200 and listing["items"] == []
