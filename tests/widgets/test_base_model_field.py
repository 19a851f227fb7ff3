"""The training panel's "Base model" field (issue 15), driven as a user drives it: the models of
the local Hugging Face cache as options, a folder typed in, the LoRA choice and gradient
checkpointing flowing into the run's params, hidden for tabular tasks, errors in the panel's
language, every word Persian in a Persian panel."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("ipywidgets")

from tests.hf_models import into_hub_cache
from tests.training.conftest import reviews, write_jsonl
from tests.widgets.conftest import wait_for
from tests.widgets.test_train_panel import persian_words
from trainlab.widgets import TrainPanel


def text(widget) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


@pytest.fixture()
def text_ds(ws, tmp_path):
    return ws.datasets.add(write_jsonl(tmp_path / "reviews.jsonl", reviews(80)))


@pytest.fixture(autouse=True)
def _offline(hf_home):
    """An empty, offline Hugging Face home: never the user's own cache, never the network."""
    return hf_home


def shown(widget) -> bool:
    return widget.layout.display != "none"


def test_the_options_are_the_models_of_the_local_cache(ws, text_ds, tiny_models, hf_home):
    into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/tiny-bert")
    into_hub_cache(tiny_models["causal-lm"], hf_home / "hub", "acme/tiny-gpt", commit="b" * 40)
    panel = TrainPanel(text_ds, workspace=ws)
    field = panel.base_model
    assert panel.task.value == "text-classification" and shown(field.row)
    assert sorted(field.combo.options) == ["acme/tiny-bert", "acme/tiny-gpt"]
    assert field.combo.value == "" and "built-in" in field.combo.placeholder
    assert not shown(field.advanced) and "base_model" not in panel.params()  # empty: built-in
    into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/other", commit="c" * 40)
    assert "acme/other" not in field.combo.options
    field.refresh_button.click()  # the refresh button reads the cache again
    assert "acme/other" in field.combo.options


def test_a_folder_typed_in_and_the_lora_choice_go_into_a_background_job(ws, text_ds, tiny_models):
    panel = TrainPanel(text_ds, workspace=ws)
    field, folder = panel.base_model, str(tiny_models["classifier"])
    field.combo.value = folder
    assert shown(field.advanced)  # LoRA and gradient checkpointing appear with a base model
    assert panel.params()["base_model"] == folder and "lora" not in panel.params()  # auto
    field.lora.value = "on"
    field.checkpointing.value = True
    job = panel.submit()
    assert job is not None and job.status == "queued", panel.outcome.value
    assert (job.params["base_model"], job.params["lora"], job.params["gradient_checkpointing"]) \
        == (folder, True, True)
    field.lora.value = "off"
    field.checkpointing.value = False
    assert panel.params()["lora"] is False and "gradient_checkpointing" not in panel.params()
    field.combo.value = "  "
    assert "base_model" not in panel.params() and not shown(field.advanced)


def test_hidden_for_tabular_tasks(ws, text_ds, tiny_models):
    panel = TrainPanel(text_ds, workspace=ws)
    field = panel.base_model
    field.combo.value = str(tiny_models["classifier"])
    panel.task.value = "tabular"
    assert not shown(field.row) and not shown(field.advanced)
    assert "base_model" not in panel.params() and "lora" not in panel.params()
    panel.task.value = "causal-lm"
    assert shown(field.row) and panel.params()["base_model"] == str(tiny_models["classifier"])


def test_a_model_that_is_not_available_is_an_error_in_the_panel(ws, text_ds):
    panel = TrainPanel(text_ds, workspace=ws, lang="fa")
    panel.base_model.combo.value = "acme/not-cached"
    assert panel.submit() is None
    assert "در دسترس نیست" in text(panel.outcome) and "acme/not-cached" in text(panel.outcome)
    thread = panel.train(max_steps=2)  # the foreground run: the same check, before any job
    thread.join(60)
    assert "در دسترس نیست" in text(panel.outcome) and "HF_HUB_OFFLINE" in text(panel.outcome)
    assert ws.jobs.list() == [] and not panel.start.disabled  # nothing created, still usable
    assert persian_words(panel, {"reviews", "jsonl", "review", "label"}) == []
    panel.base_model.combo.value = ""  # back to the built-in model: it trains
    panel.batch_size.value = "16"
    panel.train(max_steps=3, eval_every=3)
    wait_for(lambda: panel.result is not None)
    assert panel.result.status == "completed" and ws.jobs.list()[0].params["base_model"] is None


def test_the_field_speaks_persian(ws, text_ds, tiny_models, hf_home):
    into_hub_cache(tiny_models["classifier"], hf_home / "hub", "acme/tiny-bert")
    panel = TrainPanel(text_ds, workspace=ws, lang="fa")
    field = panel.base_model
    field.combo.value = "acme/tiny-bert"
    assert shown(field.advanced)
    assert field.combo.description == "مدل پایه" and field.lora.label == "خودکار"
    assert persian_words(panel, {"reviews", "jsonl", "review", "label"}) == []
    english = TrainPanel(text_ds, workspace=ws, lang="en").base_model
    assert (english.combo.description, english.lora.description) == ("Base model", "LoRA")


def test_start_fine_tunes_the_base_model_and_records_the_choices(ws, text_ds, tiny_models):
    panel = TrainPanel(text_ds, workspace=ws)
    folder = str(tiny_models["classifier"])
    panel.base_model.combo.value = folder
    panel.base_model.lora.value = "on"
    panel.batch_size.value = "16"
    panel.train(max_steps=3, eval_every=3)
    wait_for(lambda: panel.result is not None or "tl-bad" in panel.outcome.value, 120)
    assert panel.result is not None, panel.outcome.value
    assert panel.result.status == "completed"
    assert (panel.result.config["base_model"], panel.result.config["lora"]) == (folder, True)
    job = ws.jobs.get(panel.result.job_id)
    assert job.runner == "foreground" and (job.params["base_model"], job.params["lora"]) == \
        (folder, True)


def test_hidden_without_the_hf_extra(ws, text_ds, monkeypatch):
    from trainlab.widgets import base_model

    monkeypatch.setattr(base_model, "hf_installed", lambda: False)
    panel = TrainPanel(text_ds, workspace=ws)
    panel.base_model.combo.value = "acme/anything"
    assert panel.task.value == "text-classification" and not shown(panel.base_model.row)
    assert "base_model" not in panel.params() and panel.base_model.refresh() == []
