"""The options of a pretrained run: LoRA chosen by size (with the classifier head trained), the
chat template, gradient checkpointing, merge without LoRA, and a background job."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

import trainlab
from tests.hf_models import tiny_causal_lm, tiny_classifier
from tests.training.conftest import reviews
from trainlab.training.hf import model as hf_model

ROWS = reviews(40, seed=1)
CLASSIFY = {"task": "text-classification", "columns": {"text": "review", "label": "label"},
            "device": "cpu", "batch_size": 8}
PAIRS = [{"q": f"question {i}?", "a": f" answer {i % 3}"} for i in range(12)]
GENERATE = {"task": "causal-lm", "columns": {"prompt": "q", "completion": "a"}, "device": "cpu",
            "batch_size": 4}
TEMPLATE = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}" \
    "{% if add_generation_prompt %}<assistant>{% endif %}"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    texts = [r["review"] for r in ROWS] + [p["q"] + p["a"] for p in PAIRS]
    return {"classifier": tiny_classifier(root / "clf", texts=texts, layers=1),
            "lm": tiny_causal_lm(root / "lm", texts=texts, layers=1),
            "chat": tiny_causal_lm(root / "chat", texts=texts, layers=1, chat_template=TEMPLATE)}


def test_lora_by_size_trains_the_adapter_and_the_classifier_head(folders, ws, monkeypatch):
    monkeypatch.setattr(hf_model, "LORA_ABOVE", 1000)  # the tiny model counts as large
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model=str(folders["classifier"]),
                          max_steps=2, **CLASSIFY)
    meta = json.loads((Path(result.model_path) / "model.json").read_text())
    assert meta["hf"]["lora"] is True and meta["hf"]["lora_targets"] == ["query", "value"]
    assert result.config["lr"] == 2e-4 and result.config["batch_size"] == 8
    state = torch.load(ws.jobs_dir / result.job_id / "checkpoints" / "last.pt",
                       weights_only=True)["model"]
    assert any("classifier" in k for k in state) and any("lora_" in k for k in state)
    model = trainlab.load_model(result.job_id, workspace=ws)
    assert model.predict(ROWS[0]["review"]) in ("neg", "pos")
    in_process = result.module.eval().net(**_encoded(model, ROWS[0]["review"])).logits
    assert model.predict_proba([ROWS[0]["review"]]).to_numpy() == pytest.approx(
        in_process.softmax(-1).detach().numpy(), abs=1e-5)


def _encoded(model, text: str) -> dict[str, torch.Tensor]:
    return dict(model.task.tokenizer(text, return_tensors="pt"))


def test_full_fine_tuning_defaults_for_a_small_model(folders, ws):
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model=str(folders["classifier"]),
                          **{**CLASSIFY, "batch_size": None}, max_steps=1)
    assert result.config["lr"] == 5e-5 and result.config["batch_size"] == 16
    assert result.config["lora"] is None  # as asked; model.json says what ran
    meta = json.loads((Path(result.model_path) / "model.json").read_text())
    assert meta["hf"]["lora"] is False


def test_the_chat_template_is_used_when_asked_and_refused_when_missing(folders, ws):
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(PAIRS), workspace=ws, base_model=str(folders["lm"]),
                     chat_template=True, max_steps=1, **GENERATE)
    assert caught.value.code == "hf_no_chat_template" and caught.value.status == 422
    assert "chat_template=False" in caught.value.message("fa")
    assert ws.jobs.list() == []
    result = trainlab.fit(pd.DataFrame(PAIRS), workspace=ws, base_model=str(folders["chat"]),
                          chat_template=True, max_steps=1, **GENERATE)
    model = trainlab.load_model(result.job_id, workspace=ws)
    assert model.meta["state"]["chat_template"] is True
    assert isinstance(model.generate("question 1?", max_new_tokens=3, temperature=0), str)


def test_gradient_checkpointing_is_switched_on(folders, ws):
    result = trainlab.fit(pd.DataFrame(PAIRS), workspace=ws, base_model=str(folders["lm"]),
                          gradient_checkpointing=True, max_steps=2, **GENERATE)
    assert result.status == "completed"
    assert any(getattr(m, "gradient_checkpointing", False) for m in result.module.modules())


def test_merge_without_lora_is_refused(folders, ws):
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(PAIRS), workspace=ws, base_model=str(folders["lm"]), lora=False,
                     merge=True, max_steps=1, **GENERATE)
    assert caught.value.code == "hf_merge_without_lora" and caught.value.status == 400


def test_a_background_job_fine_tunes_with_the_same_params(folders, ws):
    from trainlab.jobs import Scheduler

    ds = ws.datasets.add(pd.DataFrame(ROWS))
    scheduler = Scheduler(ws, gpus=[], poll_s=0.05).start()
    try:
        job = ws.jobs.submit(dataset_id=ds.id, task="text-classification",
                             columns=CLASSIFY["columns"],
                             params={"base_model": str(folders["classifier"]), "max_steps": 2,
                                     "batch_size": 8})
        done = ws.jobs.wait(job.id, timeout=180)
    finally:
        scheduler.close(timeout=10)
    assert done.status == "completed", (done.error, ws.jobs.logs(job.id)["text"])
    assert done.runner == "worker"
    assert trainlab.load_model(job.id, workspace=ws).predict("great") in ("neg", "pos")
