"""The server's executor settings (issue 20): c.TrainlabApp.executor = "ray" runs REST jobs
through the Ray driver, and the job record says so. No cluster listens at the address here,
so the job fails at once with an error naming it (no Ray needed for this)."""

from __future__ import annotations

import asyncio

import pytest

from tests.training.conftest import tabular_rows

RAY_AT_NOTHING = {"run_scheduler": True, "prewarm_worker": False, "executor": "ray",
                  "ray_address": "127.0.0.1:9", "storage_path": "/nonexistent-not-used",
                  "ray_max_failures": 1, "ray_workers": 2}


def csv_bytes(n: int = 60) -> bytes:
    lines = ["x,z,color,label"] + [f"{round(r['z'], 4)},{round(r['z'], 4)},{r['color']},{r['label']}"
                                   for r in tabular_rows(n)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("trainlab_config", [RAY_AT_NOTHING], ids=["ray"])
async def test_a_ray_job_without_a_cluster_fails_naming_the_address(api, app):
    assert (app.executor, app.ray_address, app.ray_max_failures) == ("ray", "127.0.0.1:9", 1)
    code, ds = await api("POST", "datasets", raw=csv_bytes(), params={"filename": "t.csv"})
    assert code == 201
    code, job = await api("POST", "jobs", {"dataset_id": ds["id"], "columns": {"target": "label"},
                                           "params": {"max_steps": 5}})
    assert code == 201 and job["executor"] == "local"  # queued: no executor has taken it yet
    for _ in range(300):
        code, now = await api("GET", f"jobs/{job['id']}")
        if now["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.1)
    assert now["status"] == "failed" and now["executor"] == "ray"
    assert now["error"]["code"] == "ray_unreachable" and "127.0.0.1:9" in now["error"]["message"]
    code, page = await api("GET", "jobs")
    assert [j["executor"] for j in page["items"]] == ["ray"]
