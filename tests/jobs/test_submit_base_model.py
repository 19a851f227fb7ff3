"""A base model is checked before any job exists (issue 15): ``ws.jobs.submit`` and the
foreground ``trainlab.fit`` refuse a model that is neither a folder here nor in the local
Hugging Face cache while offline, or a base model on a tabular task, and create nothing."""

from __future__ import annotations

import warnings

import pytest

import trainlab
from tests.hf_models import into_hub_cache
from tests.training.conftest import reviews, tabular_rows, write_jsonl
from trainlab.errors import TrainlabError

TEXT = {"text": "review", "label": "label"}


@pytest.fixture()
def text_ds(ws, tmp_path):
    return ws.datasets.add(write_jsonl(tmp_path / "reviews.jsonl", reviews(60)))


@pytest.fixture()
def table_ds(ws, tmp_path):
    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows(60)))


def nothing_created(ws) -> bool:
    return ws.jobs.list() == [] and not any(ws.jobs_dir.iterdir())


def submit(ws, ds, columns, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no scheduler runs here
        return ws.jobs.submit(dataset_id=ds.id, task=None, columns=columns, params=params)


def test_offline_and_not_cached_is_refused_before_a_job_exists(ws, text_ds, hf_home):
    with pytest.raises(TrainlabError) as caught:
        submit(ws, text_ds, TEXT, base_model="acme/not-cached")
    error = caught.value
    assert (error.code, error.status, error.params["reason"]) == \
        ("model_not_available", 422, "model_offline")
    assert "acme/not-cached" in error.message("en") and str(hf_home / "hub") in error.message("en")
    assert "در دسترس نیست" in error.message("fa") and "HF_HUB_OFFLINE" in error.message("fa")
    assert nothing_created(ws)


def test_a_folder_without_config_is_refused(ws, text_ds, hf_home, tmp_path):
    (tmp_path / "weights").mkdir()
    with pytest.raises(TrainlabError) as caught:
        submit(ws, text_ds, TEXT, base_model=str(tmp_path / "weights"))
    assert caught.value.code == "model_not_available"
    assert caught.value.params["reason"] == "model_no_config"
    assert nothing_created(ws)


def test_a_base_model_on_a_tabular_task_is_refused(ws, table_ds, tiny_models, hf_home):
    for task in (None, "tabular-classification"):  # inferred, and named
        with pytest.raises(TrainlabError) as caught:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ws.jobs.submit(dataset_id=table_ds.id, task=task, columns={"target": "label"},
                               params={"base_model": str(tiny_models["classifier"])})
        error = caught.value
        assert (error.code, error.status) == ("hf_task_unsupported", 422)
        assert "text-classification, causal-lm" in error.message("en")
        assert "وظیفه‌های متنی" in error.message("fa")
    assert nothing_created(ws)


def test_a_folder_or_a_cached_id_is_queued_with_its_settings(ws, text_ds, tiny_models, hf_home):
    folder = str(tiny_models["classifier"])
    job = submit(ws, text_ds, TEXT, base_model=folder, lora=True, lora_r=4,
                 gradient_checkpointing=True, max_steps=3)
    assert job.status == "queued" and job.task == "text-classification"
    assert job.params == {"base_model": folder, "lora": True, "lora_r": 4,
                          "gradient_checkpointing": True, "max_steps": 3, "devices": 1}
    into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/tiny-bert")
    job = submit(ws, text_ds, TEXT, base_model="acme/tiny-bert")
    assert job.params["base_model"] == "acme/tiny-bert"
    assert [j.status for j in ws.jobs.list()] == ["queued", "queued"]


def test_a_bad_base_model_value_is_a_parameter_error(ws, text_ds, hf_home):
    with pytest.raises(TrainlabError) as caught:
        submit(ws, text_ds, TEXT, base_model=5)
    assert caught.value.code == "parameter_out_of_range" and caught.value.status == 422
    assert nothing_created(ws)


def test_the_foreground_fit_checks_before_its_record(ws, text_ds, table_ds, hf_home):
    with pytest.raises(TrainlabError) as caught:
        trainlab.fit(text_ds, task="text-classification", columns=TEXT, workspace=ws,
                     base_model="acme/not-cached", max_steps=2)
    assert caught.value.code == "model_not_available"
    with pytest.raises(TrainlabError) as caught:
        trainlab.fit(table_ds, task="tabular", columns={"target": "label"}, workspace=ws,
                     base_model="acme/not-cached", max_steps=2)
    assert caught.value.code == "hf_task_unsupported"
    assert nothing_created(ws)


def test_the_text_tasks_are_the_ones_training_fine_tunes():
    from trainlab.jobs.pretrained import TEXT_TASKS
    from trainlab.training.hf.run import TASKS

    assert TEXT_TASKS == TASKS
