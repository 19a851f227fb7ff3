"""GET health as a readiness probe: 200 with what the server runs with when every check passes,
503 not_ready naming each problem otherwise (database, writable workspace, free disk, the GPUs
it was configured with, its scheduler); its GPUs are the set the platform gave the server."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from trainlab.errors import TrainlabError
from trainlab.workspace.mounts import filesystem_type

CHECKS = {"database", "workspace_writable", "disk", "gpus", "scheduler"}


async def test_ready_with_the_gpus_the_platform_gave(api, monkeypatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    code, health = await api("GET", "health")
    assert code == 200, health
    assert health["status"] == "ok" and set(health["checks"]) == CHECKS
    assert all(health["checks"].values())
    assert [(g["index"], g["id"]) for g in health["gpus"]] == [(0, "2"), (1, "3")]
    assert health["gpu_source"] == "CUDA_VISIBLE_DEVICES='2,3'" and health["cuda_available"]
    assert health["scheduler_alive"] is False  # run_scheduler is off here: not required
    assert health["workspace_filesystem"] == filesystem_type(health["workspace"])  # ext4, nfs4...
    assert health["workspace_filesystem"]  # Linux: read from /proc/mounts
    code, doc = await api("GET", "openapi.json")
    assert "503" in doc["paths"]["/health"]["get"]["responses"]


async def test_not_ready_when_the_workspace_takes_no_file(api, workspace_dir) -> None:
    tmp = workspace_dir / "tmp"
    shutil.rmtree(tmp)
    tmp.write_text("not a folder")  # nothing can be created under it (even by root)
    try:
        code, out = await api("GET", "health", headers={"Accept-Language": "fa"})
    finally:
        tmp.unlink()
        tmp.mkdir()
    assert code == 503, out
    assert out["error"]["code"] == "not_ready"
    assert out["error"]["details"]["problems"] == ["health_not_writable"]
    assert out["error"]["details"]["checks"]["workspace_writable"] is False
    assert "آماده نیست" in out["error"]["message"] and str(workspace_dir) in out["error"]["message"]
    code, out = await api("GET", "health")
    assert code == 200, out


@pytest.mark.parametrize("trainlab_config", [{"run_scheduler": False, "prewarm_worker": False,
                                              "health_min_free_bytes": 2**62}], ids=["huge-min"])
async def test_not_ready_when_the_disk_is_short(api, trainlab_config) -> None:
    code, out = await api("GET", "health")
    assert code == 503 and out["error"]["details"]["problems"] == ["health_disk_low"]
    assert "health_min_free_bytes" in out["error"]["message"]


@pytest.mark.parametrize("trainlab_config", [{"run_scheduler": True, "prewarm_worker": False}],
                         ids=["scheduler"])
async def test_not_ready_once_the_scheduler_is_gone(api, app, trainlab_config) -> None:
    code, health = await api("GET", "health")
    assert code == 200 and health["scheduler_alive"] is True, health
    await asyncio.get_running_loop().run_in_executor(None, app.scheduler.close)  # it dies
    code, out = await api("GET", "health")
    assert code == 503, out
    assert out["error"]["details"]["problems"] == ["health_scheduler_down"]
    assert out["error"]["details"]["checks"]["scheduler"] is False


@pytest.mark.parametrize("trainlab_config", [{"run_scheduler": True, "prewarm_worker": False,
                                              "gpus": ["0", "7"]}], ids=["gpu-7"])
async def test_a_configured_gpu_outside_the_set_stops_the_start(api, jp_serverapp, monkeypatch,
                                                                trainlab_config) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    extension = jp_serverapp.extension_manager.extension_points["trainlab"].app
    with pytest.raises(TrainlabError) as caught:
        await extension._start_jupyter_server_extension(jp_serverapp)
    assert caught.value.code == "gpus_outside_set" and "GPU 7" in str(caught.value)
    assert extension.scheduler is None  # no scheduler handing out a GPU it was not given
    code, out = await api("GET", "health")
    assert code == 503
    assert out["error"]["details"]["problems"] == ["gpus_outside_set", "health_scheduler_down"]
    assert "GPU 7" in out["error"]["message"] and "0, 1" in out["error"]["message"]


async def test_a_probe_is_not_the_users_activity(api, jp_serverapp) -> None:
    # JupyterHub's idle culler reads api_last_activity: a probe every 10 s must not renew it.
    settings = jp_serverapp.web_app.settings
    settings.pop("api_last_activity", None)
    code, _ = await api("GET", "health")
    assert code == 200
    assert "api_last_activity" not in settings
    # the sidebar's background polls (status bar, the jobs list's slow timer) say so
    code, _ = await api("GET", "jobs", params={"status": "running", "no_track_activity": "1"})
    assert code == 200
    assert "api_last_activity" not in settings
    code, _ = await api("GET", "jobs")
    assert code == 200
    assert "api_last_activity" in settings  # any other request is the user's activity


@pytest.mark.parametrize("trainlab_config", [{"run_scheduler": False, "prewarm_worker": False,
                                              "health_min_free_bytes": 2**62}], ids=["huge-min"])
async def test_checks_names_what_may_fail_the_answer(api, trainlab_config) -> None:
    # A spawn gate: a full disk must not stop a user's server from starting (to delete data).
    code, out = await api("GET", "health", params={"checks": "database,scheduler"})
    assert code == 200, out
    assert out["checks"]["disk"] is False and out["checks"]["database"] is True
    assert out["problems"] == ["health_disk_low"]
    code, out = await api("GET", "health", params={"checks": "disk"})
    assert code == 503 and out["error"]["details"]["problems"] == ["health_disk_low"]
    code, out = await api("GET", "health", params={"checks": ""})  # none: a liveness answer
    assert code == 200 and out["checks"]["disk"] is False


async def test_an_unknown_check_is_refused_with_the_valid_names(api) -> None:
    code, out = await api("GET", "health", params={"checks": "database,dsik"})
    assert code == 400, out
    assert out["error"]["code"] == "invalid_query"
    assert "'dsik'" in out["error"]["message"]
    assert "database, workspace_writable, disk, gpus, scheduler" in out["error"]["message"]
    code, doc = await api("GET", "openapi.json")
    params = doc["paths"]["/health"]["get"]["parameters"]
    assert [p["name"] for p in params] == ["checks"]
    assert "400" in doc["paths"]["/health"]["get"]["responses"]
