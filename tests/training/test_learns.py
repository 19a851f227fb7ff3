"""Each task learns for real on small data (a minute in total on 2 CPU cores)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pandas as pd

import trainlab
from tests.training.conftest import TINY_TEXT, write_jsonl


def test_tabular_classifier_beats_chance_on_breast_cancer(ws: trainlab.Workspace,
                                                          tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.rename(columns={"target": "diagnosis"})
    frame["diagnosis"] = frame["diagnosis"].map({0: "malignant", 1: "benign"})
    path = tmp_path / "cancer.csv"
    frame.to_csv(path, index=False)
    ds = ws.datasets.add(path)
    result = trainlab.fit(ds, columns={"target": "diagnosis"}, workspace=ws, max_steps=300)
    assert result.task == "tabular-classification" and result.status == "completed"
    majority = frame["diagnosis"].value_counts(normalize=True).max()  # 0.63
    assert result.metrics["accuracy"] >= 0.9 > majority + 0.2
    assert result.metrics["macro_f1"] >= 0.88
    assert len(result.config["columns"]["features"]) == 30


def test_tabular_regression_explains_the_target(ws: trainlab.Workspace, tabular_ds) -> None:
    result = trainlab.fit(tabular_ds, columns={"target": "amount", "features": ["x", "z"]},
                          workspace=ws, max_steps=300)
    assert result.task == "tabular-regression"
    assert result.metrics["r2"] > 0.9, result.metrics
    assert result.metrics["rmse"] < 1.5 and result.metrics["mae"] < 1.2
    model = result.load()
    got = model.predict({"x": 1.0, "z": 0.5})
    assert abs(got - 2.0) < 1.0


def test_text_classifier_reads_persian_and_english(ws: trainlab.Workspace, reviews_ds) -> None:
    result = trainlab.fit(reviews_ds, workspace=ws, arch=TINY_TEXT, max_steps=120, lr=3e-3)
    assert result.task == "text-classification"   # inferred: a label column and free text
    assert result.config["columns"] == {"text": "review", "label": "label"}
    assert result.metrics["accuracy"] >= 0.9, result.history
    model = result.load()
    assert model.predict(["فیلم افتضاح بود", "this film is wonderful"]) == ["neg", "pos"]
    probs = model.predict_proba(pd.DataFrame({"review": ["amazing", "خسته‌کننده"]}))
    assert list(probs.columns) == ["neg", "pos"]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_causal_lm_drops_well_below_uniform_bytes(ws: trainlab.Workspace, tmp_path: Path) -> None:
    rng = random.Random(0)
    names, things = ["Ali", "Sara", "Reza", "Mina", "John", "Emma"], ["tea", "rain", "code", "books"]
    rows = [{"text": f"{rng.choice(names)} likes {rng.choice(things)}. سلام {rng.choice(names)}."}
            for _ in range(300)]
    ds = ws.datasets.add(write_jsonl(tmp_path / "lm.jsonl", rows))
    result = trainlab.fit(ds, task="causal-lm", workspace=ws, max_steps=120, max_length=64,
                          arch={"d_model": 64, "heads": 2, "layers": 2}, lr=3e-3)
    uniform = math.log(256)
    assert result.metrics["loss"] < 0.5 * uniform, result.metrics
    assert result.metrics["perplexity"] < 15
    text = result.load().generate("Sara likes", 30, seed=1)
    assert isinstance(text, str) and len(text) > 0


def test_prompt_completion_counts_only_the_completion(ws: trainlab.Workspace, tmp_path: Path) -> None:
    rows = [{"q": f"{a}+{b}=", "a": str(a + b)} for a in range(12) for b in range(12)]
    ds = ws.datasets.add(write_jsonl(tmp_path / "sums.jsonl", rows))
    result = trainlab.fit(ds, task="causal-lm", columns={"prompt": "q", "completion": "a"},
                          workspace=ws, max_steps=200, lr=3e-3,
                          arch={"d_model": 32, "heads": 2, "layers": 1})
    assert result.config["columns"] == {"prompt": "q", "completion": "a"}
    # only the 1-2 answer digits and EOS are scored: a uniform guess over bytes costs ln 256 each
    assert result.metrics["loss"] < math.log(256) / 2
