"""The review of issue 19's experiments core, each defect through the public interface: resumed
trials count, lost tells are told again, stop ends trials with no scheduler, a deleted dataset
stops its experiment, a trial that could not be queued keeps why, and the driver's turns are
cached and their errors recorded."""

from __future__ import annotations

import warnings

import pytest

import trainlab
from tests.jobs.conftest import FAST
from trainlab.errors import TrainlabError
from trainlab.jobs.driver import advance, experiment_dir, live_trial
from trainlab.jobs.records import JobStatus, job_note
from trainlab.jobs.search import parse_space, study


def experiment(ws, ds, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ws.experiments.create(kwargs.pop("name", "fix"), ds,
                                     columns={"target": "label"}, **kwargs)


def optuna_states(ws, exp):
    s = study(experiment_dir(ws, exp.id), exp.id, exp.direction, exp.record["strategy"], 0,
              parse_space(exp.space, exp.record["strategy"]), exp.record["pruner"], 0)
    return {t.number: t.state.name for t in s.get_trials()}


def test_stop_with_no_scheduler_ends_the_trials_so_wait_and_delete_work(ws, ds) -> None:
    exp = experiment(ws, ds, space={"lr": [0.01, 0.02, 0.03]}, strategy="grid", trials=3,
                     max_concurrent=2, params=FAST, pruner="none")
    advance(ws)  # a turn queues two trials; no scheduler runs them
    assert [t["state"] for t in exp.refresh().trials] == ["running", "running"]
    same = exp.stop()
    assert same is exp and exp.status == "stopped"  # the caller's object is refreshed
    assert [t["state"] for t in exp.trials] == ["stopped", "stopped"]
    assert exp.wait(timeout=5).status == "stopped"
    assert set(optuna_states(ws, exp).values()) == {"FAIL"}
    resumed = exp.trials[1]["job_id"]
    ws.jobs.resume(resumed)  # a trial's job resumed by hand: its jobs are not deleted under it
    with pytest.raises(TrainlabError) as info:
        ws.experiments.delete(exp.id, jobs=True)
    assert info.value.code == "experiment_job_running" and info.value.status == 409
    assert len(ws.jobs.list()) == 2 and ws.experiments.list() != []
    ws.jobs.stop(resumed)
    ws.experiments.delete(exp.id, jobs=True)
    assert ws.experiments.list() == [] and ws.jobs.list() == []


def test_an_interrupted_trial_is_resumed_and_a_resumed_one_counts(ws, ds, scheduler) -> None:
    exp = experiment(ws, ds, space={"lr": [0.01, 0.02]}, strategy="grid", trials=2,
                     max_concurrent=1, params={**FAST, "eval_every": 5}, pruner="none")
    advance(ws)
    first = exp.refresh().trials[0]["job_id"]
    # the server restarts: its queued trial is interrupted; the driver resumes it itself
    ws.jobs.records.finish(first, JobStatus.INTERRUPTED, note=job_note("note_server_shut_down"),
                           only_from=(JobStatus.QUEUED,))
    advance(ws)
    assert ws.jobs.get(first).status == "queued" and exp.refresh().trials[0]["state"] == "running"
    # its worker crashes instead: the trial fails, the next one is queued
    ws.jobs.records.finish(first, JobStatus.INTERRUPTED, note=job_note("note_worker_killed",
                                                                       signal=9),
                           only_from=(JobStatus.QUEUED,))
    advance(ws)
    assert [t["state"] for t in exp.refresh().trials] == ["failed", "running"]
    ws.jobs.resume(first)  # the user resumes the failed trial's job, as any job
    scheduler(max_concurrent=2)
    exp.wait(timeout=120)
    ws.jobs.wait(first, timeout=120)
    from tests.jobs.conftest import wait_until

    wait_until(lambda: exp.refresh().trials[0]["state"] == "completed", timeout=30)
    assert [t["state"] for t in exp.trials] == ["completed", "completed"]
    assert exp.trials[0]["value"] is not None
    assert exp.best().job.id in {t["job_id"] for t in exp.trials}
    assert list(optuna_states(ws, exp).values()).count("COMPLETE") == 2  # Optuna knows it too
    table = exp.results()
    assert list(table.state) == ["completed", "completed"] and table.best_accuracy.notna().all()
    best = exp.best()  # the metrics are those of the step where the value was reached
    assert best.metrics["accuracy"] == best.value and "loss" in best.metrics


def test_a_lost_tell_is_told_on_the_next_turn_and_turn_errors_are_noted(ws, ds, monkeypatch,
                                                                         capsys) -> None:
    import optuna

    exp = experiment(ws, ds, space={"lr": [0.01, 0.02]}, strategy="grid", trials=2,
                     max_concurrent=1, params=FAST, pruner="none")
    advance(ws)
    ws.jobs.stop(exp.refresh().trials[0]["job_id"])  # a queued job, cancelled at once
    real = optuna.study.Study.tell

    def crash(self, *args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(optuna.study.Study, "tell", crash)
    advance(ws)  # the trial is recorded stopped, then telling Optuna fails
    advance(ws)
    advance(ws)
    assert exp.refresh().trials[0]["state"] == "stopped"
    assert optuna_states(ws, exp)[0] == "RUNNING"
    assert capsys.readouterr().err.count("OSError: disk gone") == 1  # printed once, not per turn
    assert "disk gone" in exp.note and "turn" in exp.note  # and kept on the experiment
    monkeypatch.setattr(optuna.study.Study, "tell", real)
    advance(ws)
    assert optuna_states(ws, exp)[0] == "FAIL"  # told with the recorded outcome


def test_live_trial_is_optunas_handle_on_a_stored_trial(tmp_path) -> None:
    s = study(tmp_path, "e", "minimize", "random", 0, parse_space({"lr": [0.1, 0.2]}), "median",
              0)
    asked = s.ask({"lr": __import__("optuna").distributions.CategoricalDistribution([0.1, 0.2])})
    reopened = study(tmp_path, "e", "minimize", "random", 0, parse_space({"lr": [0.1, 0.2]}),
                     "median", 1)  # another process: only the journal is shared
    frozen = reopened.get_trials(deepcopy=False)[0]
    live = live_trial(reopened, frozen)
    live.report(0.5, 3)
    assert live.number == asked.number and not live.should_prune()
    assert s.get_trials()[0].intermediate_values == {3: 0.5}


def test_a_turn_with_nothing_new_is_skipped(ws, ds, monkeypatch) -> None:
    from trainlab.jobs import driver

    exp = experiment(ws, ds, space={"lr": [0.01, 0.02]}, strategy="grid", trials=2,
                     max_concurrent=1, params=FAST, pruner="none")
    advance(ws)
    advance(ws)  # the first turn's own writes (the trial it queued) are one more change
    opened = []
    monkeypatch.setattr(driver, "parse_space", lambda *a: opened.append(a) or parse_space(*a))
    for _ in range(5):
        advance(ws)
    assert opened == []  # the study is kept and nothing changed: no work
    ws.jobs.stop(exp.refresh().trials[0]["job_id"])
    advance(ws)
    assert len(opened) == 1 and len(exp.refresh().trials) == 2



def test_a_job_that_ends_while_a_turn_runs_is_seen_by_the_next_turn(ws, ds, monkeypatch) -> None:
    """A job that ends while a turn runs shows in that turn's end signature but not in what it
    read: the next turn must still look (it was skipped, and notebook 07 hung in exp.wait)."""
    from trainlab.jobs import driver

    exp = experiment(ws, ds, space={"lr": [0.01, 0.02]}, strategy="grid", trials=2,
                     max_concurrent=1, params=FAST, pruner="none")
    advance(ws)
    advance(ws)
    job_id = exp.refresh().trials[0]["job_id"]
    follow = driver._follow

    def follow_then_end(ws_, records, exp_, trial, s, frozen):
        running = follow(ws_, records, exp_, trial, s, frozen)  # seen queued
        ws.jobs.records.finish(job_id, JobStatus.STOPPED, only_from=(JobStatus.QUEUED,))
        return running  # ... and it ended before the turn was over

    monkeypatch.setattr(driver, "_follow", follow_then_end)
    driver._STUDIES.clear()  # this turn runs (nothing else changed)
    advance(ws)
    monkeypatch.setattr(driver, "_follow", follow)
    advance(ws)
    assert exp.refresh().trials[0]["state"] == "stopped"

def test_a_deleted_dataset_is_refused_then_stops_the_experiment(ws, ds) -> None:
    exp = experiment(ws, ds, space={"lr": [0.01, 0.02, 0.03]}, strategy="grid", trials=3,
                     params=FAST, pruner="none")
    with pytest.raises(TrainlabError) as info:
        ws.datasets.delete(ds.id)
    assert info.value.code == "dataset_in_use" and info.value.status == 409
    assert exp.id in info.value.details["jobs"]
    ws.datasets.delete(ds.id, force=True)
    advance(ws)
    exp.refresh()
    assert exp.status == "stopped" and len(exp.trials) == 1  # no trial burnt after the first
    error = exp.trials[0]["error"]
    assert exp.trials[0]["state"] == "failed" and error["code"] == "dataset_not_found"
    assert ds.id in error["message"] and ds.id in exp.note
    assert exp.results().error[0] == error["message"]


@pytest.mark.parametrize(("space", "name"), [
    ({"max_steps": trainlab.uniform(3, 6)}, "max_steps"),
    ({"batch_size": trainlab.loguniform(8, 64)}, "batch_size"),
    ({"arch.layers": trainlab.uniform(1.0, 3.0)}, "arch.layers"),
    ({"max_steps": {"uniform": [3, 6]}}, "max_steps"),
])
def test_a_float_range_on_a_whole_number_parameter_is_refused(ws, ds, space, name) -> None:
    with pytest.raises(TrainlabError) as info:
        experiment(ws, ds, space=space)
    assert info.value.code == "experiment_range_not_int" and info.value.params["name"] == name
    assert "trainlab.intrange(" in str(info.value) and "Uniform(" not in str(info.value)
    assert ws.experiments.list() == [] and ws.jobs.list() == []


def test_the_middle_of_a_range_is_checked_too() -> None:
    from trainlab.jobs.search import corners

    points = corners({"arch.heads": trainlab.intrange(3, 5), "lr": trainlab.uniform(0.1, 0.3),
                      "batch_size": [8, 16]})
    assert {"arch.heads": 4, "lr": pytest.approx(0.2), "batch_size": 8} in points


@pytest.mark.parametrize(("params", "code", "name"), [
    ({"lrr": 0.1}, "experiment_params_unknown", "lrr"),
    ({"arch": {"zzz": 1}}, "experiment_params_unknown", "arch.zzz"),
    ({"batch_size": 0}, "experiment_params_invalid", "batch_size"),
    ({"arch": "big"}, "experiment_params_arch", None),
])
def test_fixed_params_errors_say_params(ws, ds, params, code, name) -> None:
    with pytest.raises(TrainlabError) as info:
        experiment(ws, ds, space={"lr": [0.01, 0.1]}, params=params)
    assert info.value.code == code and info.value.params.get("name") == name
    assert "params" in str(info.value) and "search space" not in str(info.value)
    assert "params" in info.value.message("fa")


def test_json_int_ranges_take_step_or_log_alone_and_choices_once() -> None:
    space = parse_space({"batch_size": {"int": [8, 64], "step": 8},
                         "arch.hidden": {"int": [16, 256], "log": True}})
    assert space == {"batch_size": trainlab.intrange(8, 64, step=8),
                     "arch.hidden": trainlab.intrange(16, 256, log=True)}
    with pytest.raises(TrainlabError) as info:
        parse_space({"batch_size": [16, 32, 16]})
    assert info.value.code == "experiment_choices_twice" and info.value.params["value"] == "16"


PERSIAN_NAMES = {"low", "high", "step", "log", "params", "lr", "lrr", "max_steps", "JSON", "int",
                 "trainlab", "intrange", "loguniform", "uniform"}


@pytest.mark.parametrize("space", [
    {"lr": trainlab.loguniform(0.1, 0.01)},
    {"lr": {"loguniform": [0.0, 0.1]}},
    {"batch_size": trainlab.intrange(8, 64, step=0)},
    {"lrr": [0.01]},
    {"max_steps": trainlab.uniform(3, 6)},
    {"batch_size": [16, 16]},
])
def test_experiment_errors_are_whole_in_persian_with_values_as_json(ws, ds, space) -> None:
    from tests.widgets.persian import DATA_MARK, LATIN_WORD

    with pytest.raises(TrainlabError) as info:
        experiment(ws, ds, space=space)
    fa = whole = info.value.message("fa")
    en = info.value.message("en")
    for key in ("value", "known"):  # values as JSON, parameter names: data, not wording
        fa = fa.replace(str(info.value.params.get(key, "")), "")
    words = {w.strip("'") for w in LATIN_WORD.findall(fa)}
    words = {w for w in words if not DATA_MARK.search(w)} - PERSIAN_NAMES  # no English left
    assert not words, (info.value.code, words, fa)
    assert fa != en and "Uniform(" not in en and "IntRange(" not in en
    reason = info.value.params.get("why")
    if reason is not None:  # the reason is a message of its own, rendered in each language
        assert reason["code"].startswith("experiment_why_")
        assert info.value.to_dict("fa")["error"]["message"] == whole


def test_the_metrics_a_task_reports_come_from_its_task_class() -> None:
    import torch

    from trainlab.jobs.compare import reported
    from trainlab.training.hf.tasks import PretrainedCausalLM
    from trainlab.training.tasks.tabular import TabularRegression
    from trainlab.training.tasks.text import CausalLM, TextClassification

    sums = torch.tensor([[6.0, 3.0], [2.0, 1.0]])  # summed loss and token count per row
    y = torch.tensor([0.5, 1.5])
    for task, outputs, data, state in (
            (CausalLM(), sums, {}, {}), (PretrainedCausalLM(), sums, {}, {}),
            (TabularRegression(), y[:, None], {"y": y}, {"target": {"mean": 0.0, "std": 1.0}}),
            (TextClassification(), torch.randn(2, 2), {"y": torch.tensor([0, 1])},
             {"labels": {"keys": ["a", "b"]}})):
        assert set(task.metrics(outputs, data, state)) == set(task.reports), task.name
    assert reported("causal-lm", base_model=True) == {"loss": "minimize", "perplexity": "minimize"}
    assert "bits_per_byte" in reported("causal-lm") and reported("custom") == {"loss": "minimize"}
    assert reported("tabular-regression")["r2"] == "maximize"
