"""Experiments over REST: create (201), follow to completed with the trials and results, stop,
delete; 404, 400/422 with their codes and nothing created; 403 without the jobs permission."""

from __future__ import annotations

import asyncio

from tests.server.test_jobs_api import WITH_SCHEDULER, csv_bytes

SPACE = {"lr": {"loguniform": [1e-3, 5e-2]}, "batch_size": [16, 32], "arch.layers": {"int": [1, 2]}}


async def dataset(api) -> str:
    code, ds = await api("POST", "datasets", raw=csv_bytes(120), params={"filename": "t.csv"})
    assert code == 201, ds
    return ds["id"]


async def until(api, path: str, done, tries: int = 1200):
    for _ in range(tries):
        code, body = await api("GET", path)
        if done(body):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out on {path}: {body}")


@WITH_SCHEDULER
async def test_create_follow_results_delete(api, app):
    body = {"name": "rest search", "dataset_id": await dataset(api),
            "columns": {"target": "label"}, "space": SPACE, "trials": 2, "max_concurrent": 2,
            "strategy": "random", "params": {"max_steps": 6, "eval_every": 3}}
    code, exp = await api("POST", "experiments", body)
    assert code == 201, exp
    assert exp["status"] == "running" and exp["metric"] == "accuracy"
    assert exp["space"] == SPACE and exp["trials"] == 2 and exp["note"] is None
    done = await until(api, f"experiments/{exp['id']}", lambda e: e["status"] == "completed")
    trials = done["trial_list"]
    assert [t["number"] for t in trials] == [0, 1]
    assert {t["state"] for t in trials} == {"completed"} and all(t["value"] for t in trials)
    assert set(trials[0]["params"]) == set(SPACE)
    code, job = await api("GET", f"jobs/{trials[0]['job_id']}")
    assert job["experiment_id"] == exp["id"] and job["trial"] == 0
    assert job["params"]["arch"]["layers"] == trials[0]["params"]["arch.layers"]
    code, results = await api("GET", f"experiments/{exp['id']}/results")
    assert code == 200 and [r["number"] for r in results["items"]] == [0, 1]
    assert {"lr", "batch_size", "arch.layers", "best_accuracy", "duration_s"} <= set(
        results["items"][0])
    code, page = await api("GET", "experiments", params={"limit": "1"})
    assert code == 200 and [e["id"] for e in page["items"]] == [exp["id"]]
    code, body = await api("POST", f"experiments/{exp['id']}/stop")
    assert code == 409 and body["error"]["code"] == "experiment_not_active"
    code, gone = await api("DELETE", f"experiments/{exp['id']}", params={"jobs": "true"})
    assert code == 200 and gone == {"id": exp["id"], "deleted": True}
    code, body = await api("GET", f"experiments/{exp['id']}")
    assert code == 404 and body["error"]["code"] == "experiment_not_found"
    code, body = await api("GET", f"jobs/{trials[0]['job_id']}")
    assert code == 404


async def test_stop_and_the_errors(api, app):
    ds = await dataset(api)
    good = {"name": "e", "dataset_id": ds, "columns": {"target": "label"},
            "space": {"lr": [0.01, 0.02]}, "trials": 3}
    code, exp = await api("POST", "experiments", good, headers={"Accept-Language": "fa"})
    assert code == 201 and "زمان‌بندی" in exp["note"]  # no scheduler runs here: it says so
    code, body = await api("DELETE", f"experiments/{exp['id']}")
    assert code == 409 and body["error"]["code"] == "experiment_running"
    code, stopped = await api("POST", f"experiments/{exp['id']}/stop")
    assert code == 200 and stopped["status"] == "stopped" and stopped["trial_list"] == []
    for bad, status, error in [
        ({**good, "space": {}}, 422, "experiment_space_empty"),
        ({**good, "space": {"lrr": [0.1]}}, 422, "experiment_param_unknown"),
        ({**good, "space": {"lr": {"loguniform": [0.1, 0.01]}}}, 422, "experiment_range_invalid"),
        ({**good, "metric": "rmse"}, 422, "experiment_metric_unknown"),
        ({**good, "trials": 0}, 422, "invalid_request"),
        ({**good, "direction": "up"}, 422, "invalid_request"),
        ({**good, "dataset_id": "ds_nope"}, 404, "dataset_not_found"),
    ]:
        code, body = await api("POST", "experiments", bad, headers={"Accept-Language": "fa"})
        assert (code, body["error"]["code"]) == (status, error), body
        assert body["error"]["message"]
    code, page = await api("GET", "experiments")
    assert [e["id"] for e in page["items"]] == [exp["id"]]  # nothing else was created
    code, jobs = await api("GET", "jobs")
    assert jobs["items"] == []
    for path in ("experiments/exp_01m8sek9a08defcx341fbz8tyn", "experiments/nope/results"):
        code, body = await api("GET", path)
        assert code == 404 and body["error"]["code"] == "experiment_not_found"


async def test_without_the_jobs_permission_it_is_forbidden(api, app, jp_serverapp):
    from jupyter_server.auth.authorizer import Authorizer

    class NoJobs(Authorizer):
        def is_authorized(self, handler, user, action, resource):
            return resource != "trainlab:jobs"

    jp_serverapp.web_app.settings["authorizer"] = NoJobs(parent=jp_serverapp)
    for method, path in (("GET", "experiments"), ("POST", "experiments"),
                         ("GET", "experiments/exp_01m8sek9a08defcx341fbz8tyn/results")):
        code, body = await api(method, path, {} if method == "POST" else None)
        assert code == 403 and body["error"]["code"] == "forbidden", (method, path)
    assert app.workspace.experiments.list() == []


async def test_a_trial_that_could_not_be_queued_shows_why(api, workspace_dir):
    import trainlab
    from trainlab.jobs.driver import advance

    ds = await dataset(api)
    good = {"name": "e", "dataset_id": ds, "columns": {"target": "label"},
            "space": {"lr": [0.01, 0.02]}, "trials": 2}
    code, exp = await api("POST", "experiments", good)
    code, body = await api("DELETE", f"datasets/{ds}")  # a running experiment still needs it
    assert code == 409 and body["error"]["code"] == "dataset_in_use"
    assert exp["id"] in body["error"]["details"]["jobs"]
    code, _ = await api("DELETE", f"datasets/{ds}", params={"force": "true"})
    assert code == 200
    advance(trainlab.Workspace(workspace_dir))  # a scheduler's turn
    code, got = await api("GET", f"experiments/{exp['id']}", headers={"Accept-Language": "fa"})
    assert got["status"] == "stopped" and ds in got["note"]
    trial = got["trial_list"][0]
    assert trial["state"] == "failed" and trial["error"]["code"] == "dataset_not_found"
    assert ds in trial["error"]["message"]
    code, results = await api("GET", f"experiments/{exp['id']}/results")
    assert results["items"][0]["error"]
