"""Fine-tuning a pretrained text classifier: it learns, predicts, caches its tokens, loads with
plain transformers in a fresh process, and refuses what cannot work before any job exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trainlab
from tests.hf_models import into_hub_cache, tiny_classifier
from tests.training.conftest import reviews
from trainlab.training.hf import data as hf_data

ROWS = reviews(96, seed=3)
SETTINGS = {"columns": {"text": "review", "label": "label"}, "task": "text-classification",
            "device": "cpu", "batch_size": 16, "lr": 3e-3, "epochs": 8, "early_stopping": None,
            "log_every": 5}


@pytest.fixture(scope="module")
def classifier_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_classifier(tmp_path_factory.mktemp("clf") / "model",
                           texts=[r["review"] for r in reviews(300)], layers=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, classifier_folder: Path):
    ws = trainlab.Workspace(tmp_path_factory.mktemp("ws"))
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model=str(classifier_folder),
                          **SETTINGS)
    return ws, result


def test_a_classifier_fine_tuned_from_a_folder_learns(trained):
    ws, result = trained
    assert result.status == "completed" and result.config["base_model"]
    assert result.config["lr"] == 3e-3 and result.tokens_per_s > 0
    model = trainlab.load_model(result.job_id, workspace=ws)
    scored = model.evaluate(pd.DataFrame(ROWS))
    assert scored.metrics["accuracy"] >= 0.85  # chance is 0.5
    texts = [r["review"] for r in ROWS[:8]]
    predicted = model.predict(texts)
    assert sum(p == r["label"] for p, r in zip(predicted, ROWS[:8], strict=True)) >= 6
    probs = model.predict_proba(texts)
    assert list(probs.columns) == ["neg", "pos"] and probs.to_numpy().sum(1) == pytest.approx(1.0)
    assert model.predict("فیلم واقعا عالی بازیگری") in ("neg", "pos")


def test_the_artifact_is_a_save_pretrained_folder_with_the_label_map(trained):
    _ws, result = trained
    folder = Path(result.model_path)
    config = json.loads((folder / "config.json").read_text())
    assert config["id2label"] == {"0": "neg", "1": "pos"} and config["label2id"] == {"neg": 0, "pos": 1}
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert not list(folder.glob("*.bin")) and not list(folder.glob("*.pt"))
    meta = json.loads((folder / "model.json").read_text())
    assert meta["model_kind"] == "hf" and meta["hf"]["lora"] is False
    assert meta["state"]["labels"]["values"] == ["neg", "pos"]


FRESH = """
import json, sys
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
folder, texts = sys.argv[1], json.loads(sys.argv[2])
assert 'trainlab' not in sys.modules
model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
tok = AutoTokenizer.from_pretrained(folder)
rows = []
with torch.no_grad():
    for text in texts:
        logits = model(**tok(text, return_tensors='pt')).logits[0]
        rows.append(torch.softmax(logits, 0).tolist())
print(json.dumps(rows))
"""


def test_plain_transformers_in_a_fresh_process_gives_the_same_outputs(trained):
    ws, result = trained
    texts = [r["review"] for r in ROWS[:5]]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", FRESH, result.model_path, json.dumps(texts)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    ours = trainlab.load_model(result.job_id, workspace=ws).predict_proba(texts).to_numpy()
    assert np.allclose(ours, np.array(theirs), atol=1e-5), (ours, theirs)


def test_a_second_run_takes_the_tokens_from_the_cache(trained, classifier_folder, monkeypatch):
    ws, first = trained

    def no_tokenising(*args, **kwargs):
        raise AssertionError("tokenised again")

    monkeypatch.setattr(hf_data, "tokenize", no_tokenising)
    again = trainlab.fit(ws.datasets.get(first.config["dataset_id"]), workspace=ws,
                         base_model=str(classifier_folder), **{**SETTINGS, "epochs": 1})
    assert again.status == "completed" and again.cached_tensors
    assert any("cache" in note for note in again.notes)


def test_a_cached_hub_id_trains_offline(classifier_folder, hf_home, ws):
    into_hub_cache(classifier_folder, hf_home / "hub", "acme/tiny-bert")
    result = trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model="acme/tiny-bert",
                          **{**SETTINGS, "epochs": None, "max_steps": 2})
    assert result.status == "completed" and result.steps == 2
    meta = json.loads((Path(result.model_path) / "model.json").read_text())
    assert meta["hf"]["repo_id"] == "acme/tiny-bert"
    assert trainlab.load_model(result.job_id, workspace=ws).predict("great") in ("neg", "pos")


def test_an_unavailable_model_fails_before_any_job_exists(hf_home, ws):
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(ROWS), workspace=ws, base_model="acme/not-here", **SETTINGS)
    assert caught.value.code == "model_not_available"
    assert "acme/not-here" in caught.value.message("fa")
    assert ws.jobs.list() == [] and not any(ws.jobs_dir.iterdir())


def test_a_base_model_with_a_tabular_task_is_refused(classifier_folder, ws):
    rows = [{"x": i, "y": i % 2} for i in range(20)]
    for task in ("tabular", None):
        with pytest.raises(trainlab.TrainlabError) as caught:
            trainlab.fit(pd.DataFrame(rows), task=task, workspace=ws, target="y",
                         base_model=str(classifier_folder), device="cpu")
        assert caught.value.code == "hf_task_unsupported" and caught.value.status == 400
        assert "tabular" in caught.value.message("en")
    assert ws.jobs.list() == []
