"""The options of a pretrained run: LoRA chosen by size (with the classifier head trained), the
chat template, gradient checkpointing, merge without LoRA, and a background job."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
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
    assert result.config["lora"] is False  # lora=None resolved by the model's size
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
    # the template's own tokens reached the model's input, around the prompt and before the answer
    batch = model.task.encode(pa.table({"q": ["question 1?"], "a": [" answer 1"]}),
                              model.meta["state"])
    seen = model.task.tokenizer.decode(batch["input_ids"][0])
    assert seen.index("<user>") < seen.index("question 1?") < seen.index("<assistant>") \
        < seen.index("answer 1")


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


def test_without_the_hf_extra_the_error_says_how_to_install_it(folders, ws, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "peft", None)  # import peft -> ImportError
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model=str(folders["classifier"]),
                     max_steps=1, **CLASSIFY)
    assert caught.value.code == "hf_extra_missing"
    assert "trainlab[hf]" in caught.value.message("en") and "trainlab[hf]" in caught.value.message("fa")
    assert ws.jobs.list() == []


def test_long_texts_are_cut_into_windows_of_max_length(folders, ws):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folders["lm"])
    rows = [{"story": " ".join(r["review"] for r in ROWS[i: i + 4])} for i in range(0, 40, 4)]
    lengths = [len(tok(r["story"])["input_ids"]) + 1 for r in rows]  # + EOS
    result = trainlab.fit(pd.DataFrame(rows), workspace=ws, base_model=str(folders["lm"]),
                          task="causal-lm", text="story", max_length=8, max_steps=1,
                          device="cpu", val_fraction=0.2)
    windows = sum(-(-n // 8) for n in lengths)
    assert result.config["n_train"] + result.config["n_val"] == windows > len(rows)


def test_a_validation_dataset_is_used_as_given(folders, ws):
    train, held_out = ws.datasets.add(pd.DataFrame(ROWS[:30])), ws.datasets.add(pd.DataFrame(ROWS[30:]))
    result = trainlab.fit(train, validation=held_out, workspace=ws,
                          base_model=str(folders["classifier"]), max_steps=1, **CLASSIFY)
    assert result.config["n_train"] == 30 and result.config["n_val"] == 10


def test_large_data_gets_a_step_budget_by_default(folders, ws, monkeypatch):
    from trainlab.training.hf import run

    monkeypatch.setattr(run, "STEPS", 3)  # 40 rows, batch 8: 3 epochs would be 12 steps
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model=str(folders["classifier"]),
                          **CLASSIFY)
    assert result.steps == 3 and result.config["max_steps"] == 3
    assert any("3 steps" in note for note in result.notes)
