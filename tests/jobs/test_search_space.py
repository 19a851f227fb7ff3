"""Experiment settings: every bad input is refused with its code before any job exists."""

from __future__ import annotations

import warnings

import pytest

import trainlab
from trainlab.errors import NotFoundError, TrainlabError
from trainlab.jobs import search


def create(ws, ds, **kwargs):
    kwargs.setdefault("space", {"lr": trainlab.loguniform(1e-3, 1e-1)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kwargs.setdefault("columns", {"target": "label"})
        return ws.experiments.create("s", kwargs.pop("dataset", ds), **kwargs)


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"space": {}}, "experiment_space_empty"),
    ({"space": None}, "experiment_space_empty"),
    ({"space": {"lrr": [0.01]}}, "experiment_param_unknown"),
    ({"space": {"device": ["cpu"]}}, "experiment_param_unknown"),
    ({"space": {"lr": trainlab.loguniform(0.1, 0.01)}}, "experiment_range_invalid"),
    ({"space": {"lr": trainlab.uniform(0.01, 0.01)}}, "experiment_range_invalid"),
    ({"space": {"lr": trainlab.loguniform(0.0, 0.1)}}, "experiment_range_invalid"),
    ({"space": {"batch_size": trainlab.intrange(8, 64, step=0)}}, "experiment_range_invalid"),
    ({"space": {"batch_size": trainlab.intrange(8.5, 64)}}, "experiment_range_invalid"),
    ({"space": {"batch_size": []}}, "experiment_choices_empty"),
    ({"space": {"lr": {"normal": [0, 1]}}}, "experiment_value_kind"),
    ({"space": {"lr": 0.01}}, "experiment_value_kind"),
    ({"space": {"compile": [True, {"a": 1}]}}, "experiment_value_kind"),
    ({"space": {"lr": [0.01, float("nan")]}}, "experiment_value_kind"),
    ({"space": {"lr": trainlab.uniform(0.01, 20.0)}}, "experiment_value_out_of_range"),
    ({"space": {"batch_size": [16, 0, 32]}}, "experiment_value_out_of_range"),
    ({"space": {"arch.layers": trainlab.intrange(1, 400)}}, "experiment_value_out_of_range"),
    ({"space": {"arch.wings": [1, 2]}}, "experiment_param_unknown"),
    ({"space": {"lr": [0.01]}, "params": {"lr": 0.1}}, "experiment_param_twice"),
    ({"space": {"arch.layers": [1, 2]}, "params": {"arch": {"layers": 3}}},
     "experiment_param_twice"),
    ({"space": {"arch.layers": [1]}, "params": {"arch": "big"}}, "experiment_params_arch"),
    ({"space": {"lr": {"uniform": [0.01, 10**400]}}}, "experiment_range_invalid"),
    ({"params": {"epochz": 2}}, "experiment_params_unknown"),
    ({"columns": {"target": ["label"]}}, "invalid_spec"),
    ({"trials": 0}, "experiment_trials_invalid"),
    ({"trials": 2.5}, "experiment_trials_invalid"),
    ({"trials": True}, "experiment_trials_invalid"),
    ({"max_concurrent": 0}, "experiment_concurrency_invalid"),
    ({"metric": "rmse"}, "experiment_metric_unknown"),
    ({"direction": "up"}, "experiment_choice_invalid"),
    ({"strategy": "bayes"}, "experiment_choice_invalid"),
    ({"pruner": "mean"}, "experiment_choice_invalid"),
    ({"strategy": "grid", "space": {"lr": trainlab.uniform(0.01, 0.1)}}, "experiment_grid_lists"),
    ({"dataset": "ds_00000000000000000000000000"}, "dataset_not_found"),
    ({"task": "tabular-regression", "space": {"lr": [0.01]}}, None),  # the dataset check
])
def test_bad_settings_are_refused_before_any_job(ws, ds, kwargs, code) -> None:
    with pytest.raises(TrainlabError) as info:
        create(ws, ds, **kwargs)
    if code is not None:
        assert info.value.code == code, info.value
    assert info.value.status in (400, 404, 422)
    assert ws.jobs.list() == [] and ws.experiments.list() == []
    for lang in ("en", "fa"):  # a message in both languages, never the bare code
        assert info.value.message(lang) != info.value.code


def test_messages_say_what_and_how() -> None:
    with pytest.raises(TrainlabError) as info:
        search.check_names(search.parse_space({"lrr": [0.01]}), {})
    assert "Did you mean 'lr'" in str(info.value)
    metric = search.ExperimentError("experiment_metric_unknown", metric="rmse",
                                    task="tabular-classification", known="loss, accuracy")
    assert "loss, accuracy" in str(metric)


def test_json_forms_and_python_forms_are_one_space() -> None:
    as_json = {"lr": {"loguniform": [1e-4, 1e-2]}, "batch_size": [16, 32],
               "arch.layers": {"int": [1, 4]}, "weight_decay": {"uniform": [0.0, 0.1]},
               "arch.hidden": {"int": [16, 256], "step": 1, "log": True}}
    parsed = search.parse_space(as_json)
    assert parsed == {"lr": trainlab.loguniform(1e-4, 1e-2), "batch_size": [16, 32],
                      "arch.layers": trainlab.intrange(1, 4),
                      "weight_decay": trainlab.uniform(0.0, 0.1),
                      "arch.hidden": trainlab.intrange(16, 256, log=True)}
    assert search.parse_space(search.space_json(parsed)) == parsed
    dists = search.distributions(parsed)
    assert dists["lr"].log and dists["arch.layers"].high == 4 and not dists["weight_decay"].log
    assert search.apply({"arch": {"dropout": 0.1}, "epochs": 2},
                        {"arch.layers": 3, "lr": 0.01}) == \
        {"arch": {"dropout": 0.1, "layers": 3}, "epochs": 2, "lr": 0.01}


def test_a_good_experiment_is_recorded_with_its_defaults(ws, ds) -> None:
    with pytest.warns(UserWarning, match="no scheduler is running"):
        exp = ws.experiments.create("defaults", ds, columns={"target": "label"},
                                    space={"lr": [0.01, 0.1]}, trials=3)
    assert exp.status == "running" and exp.trials == [] and "no scheduler" in exp.note
    assert exp.metric == "accuracy" and exp.direction == "maximize"  # the task's main metric
    assert exp.record["task"] == "tabular-classification"
    assert exp.record["strategy"] == "tpe" and exp.record["pruner"] == "median"
    assert [e.id for e in ws.experiments.list()] == [exp.id]
    assert ws.experiments.get(exp.id).name == "defaults" and "defaults" in exp._repr_html_()
    loss = create(ws, ds, metric="loss")
    assert loss.direction == "minimize"
    with pytest.raises(NotFoundError) as info:
        ws.experiments.get("exp_nope")
    assert info.value.code == "experiment_not_found"
    assert ws.jobs.list() == []  # nothing runs without a scheduler


def test_strategies_and_pruners_are_optunas() -> None:
    import optuna

    assert isinstance(search.sampler("tpe", 1), optuna.samplers.TPESampler)
    assert isinstance(search.sampler("random", 1), optuna.samplers.RandomSampler)
    assert isinstance(search.pruner("median"), optuna.pruners.MedianPruner)
    assert isinstance(search.pruner("percentile"), optuna.pruners.PercentilePruner)
    assert isinstance(search.pruner("hyperband"), optuna.pruners.HyperbandPruner)
    assert isinstance(search.pruner("none"), optuna.pruners.NopPruner)
    space = search.parse_space({"batch_size": [16, 32], "arch.layers": [1, 2, 3]}, "grid")
    points = search.grid_points(space)
    assert len(points) == 6 and points[0] == {"batch_size": 16, "arch.layers": 1}
    assert len({tuple(p.items()) for p in points}) == 6  # each combination once
    corners = search.corners({"lr": trainlab.loguniform(1e-4, 1e-2), "batch_size": [8, 16, 32]})
    assert {"lr": 1e-4, "batch_size": 16} in corners and {"lr": 1e-2, "batch_size": 32} in corners
