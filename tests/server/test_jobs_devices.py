"""``devices`` over REST: in the job spec, checked at submission, kept in the job's params."""

from __future__ import annotations

from tests.server.test_jobs_api import csv_bytes


async def test_devices_is_checked_and_recorded(api) -> None:
    code, ds = await api("POST", "datasets", raw=csv_bytes(60), params={"filename": "d.csv"})
    assert code == 201
    code, out = await api("POST", "jobs", {"dataset_id": ds["id"], "devices": 0})
    assert code == 422 and out["error"]["code"] == "devices_invalid", out
    code, out = await api("POST", "jobs", {"dataset_id": ds["id"], "devices": [1, 1]},
                          headers={"Accept-Language": "fa"})
    assert code == 422 and out["error"]["code"] == "devices_duplicate"
    assert "یک بار" in out["error"]["message"]
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "devices": 2, "device": "cpu"})
    assert code == 201, job
    assert job["params"]["devices"] == 2
