"""Experiments with a real scheduler: a search completes with pruning, a failed trial does not
stop it, stop stops its trials, and compare aligns any jobs' histories."""

from __future__ import annotations

import math
import os
import signal
import warnings

import pytest

import trainlab
from tests.jobs.conftest import FAST, submit_quietly, wait_until
from trainlab.errors import TrainlabError

GOOD, BAD = [0.05, 0.1], [1e-7, 2e-7]
# Long enough that the scheduler sees a trial's first evaluations while it still runs.
LONG = {"max_steps": 80, "eval_every": 5, "early_stopping": None, "batch_size": 16,
        "log_every": 1}


def experiment(ws, ds, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ws.experiments.create(kwargs.pop("name", "search"), ds,
                                     columns={"target": "label"}, **kwargs)


def test_a_search_completes_and_prunes_the_hopeless_trials(ws, ds, scheduler) -> None:
    s = scheduler(max_concurrent=2)
    exp = experiment(ws, ds, space={"lr": GOOD + BAD}, strategy="grid", trials=4,
                     max_concurrent=2, params=LONG, seed=3)
    exp.wait(timeout=240)
    assert exp.status == "completed" and len(exp.trials) == 4
    states = {t["params"]["lr"]: t["state"] for t in exp.trials}
    assert sorted(states) == sorted(GOOD + BAD)  # the grid, each point once
    pruned = [lr for lr, state in states.items() if state == "pruned"]
    assert pruned and set(pruned) <= set(BAD), states
    assert all(states[lr] == "completed" for lr in GOOD)
    assert s.peak_running <= 2
    for trial in exp.trials:
        job = ws.jobs.get(trial["job_id"])
        assert job.experiment_id == exp.id and job.trial == trial["number"]
        if trial["state"] == "pruned":  # stopped early, with the pruner's note; not failed
            assert job.status == "stopped" and "Pruned by the experiment's median pruner" in job.note
            assert job.progress["step"] < LONG["max_steps"]
    best = exp.best()
    assert best.params["lr"] in GOOD and best.value == best.metrics["accuracy"] > 0.8
    assert best.load_model().predict({"x": 2.0, "z": 0.0, "color": "red", "amount": 0.0})
    table = exp.results()
    assert list(table.columns[:4]) == ["number", "job_id", "state", "lr"]
    assert {"final_accuracy", "best_accuracy", "final_loss", "best_loss", "duration_s",
            "status"} <= set(table.columns)
    assert set(table.loc[table.state == "pruned", "status"]) == {"stopped"}
    assert table.best_accuracy.max() == best.value
    assert "search" in exp._repr_html_() and "pruned" in exp._repr_html_()


def test_a_failed_trial_does_not_stop_the_experiment(ws, ds, scheduler) -> None:
    scheduler(max_concurrent=1)
    slow = {**LONG, "max_steps": 2000}
    exp = experiment(ws, ds, space={"seed": [1, 2, 3]}, strategy="grid", trials=3,
                     params=slow, pruner="none")
    first = wait_until(lambda: [t for t in exp.refresh().trials if t["job_id"]
                                and ws.jobs.get(t["job_id"]).progress["step"] >= 5])[0]
    os.kill(ws.jobs.get(first["job_id"]).pid, signal.SIGKILL)  # its worker dies: interrupted
    wait_until(lambda: len(exp.refresh().trials) >= 2, timeout=60)
    assert exp.status == "running" and exp.trials[0]["state"] == "failed"
    exp.stop()  # the rest would be slow: stopping is tested below, this shows it went on
    exp.wait(timeout=60)
    assert [t["state"] for t in exp.trials][:2] == ["failed", "stopped"]


def test_stop_stops_the_running_trials_and_asks_no_more(ws, ds, scheduler) -> None:
    scheduler(max_concurrent=2)
    exp = experiment(ws, ds, space={"lr": trainlab.loguniform(1e-3, 1e-1)}, trials=10,
                     params={**LONG, "max_steps": 5000}, strategy="random")
    wait_until(lambda: sum(ws.jobs.get(t["job_id"]).status == "running"
                           for t in exp.refresh().trials if t["job_id"]) == 2)
    stopped = exp.stop()
    assert stopped.status == "stopped"
    exp.wait(timeout=60)
    assert len(exp.trials) == 2 and {t["state"] for t in exp.trials} == {"stopped"}
    assert {ws.jobs.get(t["job_id"]).status for t in exp.trials} == {"stopped"}
    with pytest.raises(TrainlabError) as info:
        exp.stop()
    assert info.value.code == "experiment_not_active" and info.value.status == 409
    assert len(exp.refresh().trials) == 2 and len(ws.jobs.list()) == 2  # nothing new queued
    ids = [t["job_id"] for t in exp.trials]
    ws.experiments.delete(exp.id, jobs=True)
    assert ws.experiments.list() == [] and all(not (ws.jobs_dir / i).exists() for i in ids)


def test_a_running_experiment_is_not_deleted(ws, ds) -> None:
    exp = experiment(ws, ds, space={"lr": [0.01]}, trials=1)
    with pytest.raises(TrainlabError) as info:
        ws.experiments.delete(exp.id)
    assert info.value.code == "experiment_running" and info.value.status == 409


def test_compare_aligns_histories_on_the_step(ws, ds, scheduler) -> None:
    scheduler(max_concurrent=2)
    a = submit_quietly(ws, ds, **{**FAST, "max_steps": 12, "eval_every": 4})
    b = submit_quietly(ws, ds, **{**FAST, "max_steps": 12, "eval_every": 6, "lr": 0.01})
    for job in (a, b):
        assert ws.jobs.wait(job.id, timeout=120).status == "completed"
    cmp = ws.experiments.compare([a.id, ws.jobs.get(b.id)])
    assert cmp.metric == "accuracy"
    h = cmp.histories
    assert list(h.columns) == [a.id, b.id] and h.index.name == "step"
    steps = {j.id: {m["step"] for m in ws.jobs.metrics(j.id)
                    if m["split"] == "val" and m["name"] == "accuracy"} for j in (a, b)}
    assert {4, 8, 12} <= steps[a.id] and {6, 12} <= steps[b.id]
    assert list(h.index) == sorted(steps[a.id] | steps[b.id])  # one index, in step order
    assert math.isnan(h.loc[6, a.id]) and math.isnan(h.loc[4, b.id])
    assert not math.isnan(h.loc[12, a.id]) and not math.isnan(h.loc[12, b.id])
    assert list(cmp.table.job_id) == [a.id, b.id] and "lr" in cmp.table.columns
    assert cmp.table.lr[0] == ws.jobs.get(a.id).params["lr"] and cmp.table.lr[1] == 0.01
    assert cmp.table.best_accuracy[0] == h[a.id].max()
    losses = cmp.history("loss", split="train")
    trained = {m["step"] for j in (a, b) for m in ws.jobs.metrics(j.id)
               if m["split"] == "train" and m["name"] == "loss"}
    assert list(losses.index) == sorted(trained) and list(losses.columns) == [a.id, b.id]
    assert a.id in cmp._repr_html_()


def test_advance_is_idempotent_and_two_schedulers_never_double_a_trial(ws, ds, scheduler) -> None:
    from trainlab.jobs.driver import advance

    exp = experiment(ws, ds, space={"lr": [0.01, 0.02, 0.03]}, strategy="grid", trials=3,
                     max_concurrent=2, params=FAST, pruner="none")
    for _ in range(3):  # no scheduler: each turn finds the two trials it queued already
        advance(ws, default_concurrency=1)
    assert [t["number"] for t in exp.refresh().trials] == [0, 1]
    assert len(ws.jobs.list()) == 2 and {j.trial for j in ws.jobs.list()} == {0, 1}
    scheduler(max_concurrent=1)
    scheduler(max_concurrent=1)  # two schedulers race on the same workspace
    exp.wait(timeout=120)
    assert exp.status == "completed" and [t["state"] for t in exp.trials] == ["completed"] * 3
    jobs = ws.jobs.list()
    assert len(jobs) == 3 and sorted(j.trial for j in jobs) == [0, 1, 2]
    assert [t["params"]["lr"] for t in exp.trials] == [0.01, 0.02, 0.03]  # the grid, in order
