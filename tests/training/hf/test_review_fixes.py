"""The review's defects in fine-tuning pretrained models (issue 15), each through what a user
touches: ``trainlab.fit``, ``trainlab.load_model(...).predict/generate``."""

from __future__ import annotations

import pandas as pd
import pytest

import trainlab
from trainlab.training.hf import hub

CLS_ROWS = [{"t": text, "y": label} for text, label in
            [("the film was great", "pos"), ("the film was terrible", "neg"),
             ("فیلم عالی بود", "pos"), ("فیلم افتضاح بود", "neg")] * 6]
CLS = {"task": "text-classification", "columns": {"text": "t", "label": "y"}, "device": "cpu",
       "max_steps": 1, "batch_size": 8, "early_stopping": None}
LM_ROWS = [{"q": "question: what is two plus two?", "a": " answer: four"}] * 24
LM = {"task": "causal-lm", "columns": {"prompt": "q", "completion": "a"}, "device": "cpu",
      "max_steps": 1, "batch_size": 8, "early_stopping": None}


@pytest.fixture()
def unreachable_hub(hf_home, monkeypatch):
    """Downloads allowed (HF_HUB_OFFLINE unset) but nothing answers at the Hub's address."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    return hf_home


def test_an_unreachable_hub_is_model_not_available_not_a_client_error(unreachable_hub, ws):
    for call in (hub.check_model, hub.resolve_model):
        with pytest.raises(hub.ModelNotAvailable) as caught:
            call("acme/not-cached")
        assert caught.value.params["reason"] == "model_unreachable"
    with pytest.raises(trainlab.TrainlabError) as caught:
        trainlab.fit(pd.DataFrame(CLS_ROWS), workspace=ws, base_model="acme/not-cached", **CLS)
    error = caught.value
    assert (error.code, error.status, error.params["reason"]) == \
        ("model_not_available", 422, "model_unreachable")
    assert "acme/not-cached" in error.message("en") and "در دسترس نیست" in error.message("fa")
    assert ws.jobs.list() == [] and not any(ws.jobs_dir.iterdir())
