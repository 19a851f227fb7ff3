"""DELETE datasets/{id} answers 409 with the job ids while jobs may still start or resume
from the dataset, unless ?force=true (issue 14, 2.10)."""

from __future__ import annotations

from tests.server.test_jobs_api import csv_bytes


async def test_delete_a_dataset_a_job_uses(api):
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "h.csv"})
    assert code == 201
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "columns": {"target": "label"},
                                           "params": {"max_steps": 5}})
    assert code == 201
    code, body = await api("DELETE", f"datasets/{ds['id']}")
    assert code == 409 and body["error"]["code"] == "dataset_in_use"
    assert body["error"]["details"]["jobs"] == [job["id"]]
    assert (await api("GET", f"datasets/{ds['id']}"))[0] == 200  # kept
    code, body = await api("POST", f"jobs/{job['id']}/stop")
    assert code == 200 and body["status"] == "stopped"
    assert (await api("DELETE", f"datasets/{ds['id']}"))[0] == 409  # it could be resumed
    code, body = await api("DELETE", f"datasets/{ds['id']}", params={"force": "maybe"})
    assert code == 400 and body["error"]["code"] == "invalid_query"
    code, body = await api("DELETE", f"datasets/{ds['id']}", params={"force": "true"})
    assert code == 200 and body == {"id": ds["id"], "deleted": True}
    assert (await api("GET", f"datasets/{ds['id']}"))[0] == 404
