"""The tabular defaults chosen with benchmarks/bench_quality.py (issue 19): a 20% validation
split, lr 1e-3, and early stopping / kept weights that follow validation loss for classifiers."""

from __future__ import annotations

import trainlab
from tests.training.conftest import TINY_TEXT
from trainlab.training.config import TrainConfig, default_val_fraction


def test_tables_hold_out_a_fifth_and_other_tasks_a_tenth(ws, tabular_ds, reviews_ds) -> None:
    result = trainlab.fit(tabular_ds, columns={"target": "label"}, workspace=ws, max_steps=5)
    assert result.config["val_fraction"] == 0.2 and result.config["lr"] == 1e-3
    assert result.config["n_val"] == 60 and result.config["n_train"] == 240  # 300 rows
    text = trainlab.fit(reviews_ds, workspace=ws, arch=TINY_TEXT, max_steps=2)
    assert text.config["val_fraction"] == 0.1
    chosen = trainlab.fit(tabular_ds, columns={"target": "label"}, workspace=ws, max_steps=5,
                          val_fraction=0.1)
    assert chosen.config["val_fraction"] == 0.1 and chosen.config["n_val"] == 30
    assert default_val_fraction("tabular") == 0.2 and TrainConfig().val_fraction is None


def test_a_classifier_keeps_the_epoch_of_lowest_validation_loss(ws, tabular_ds) -> None:
    result = trainlab.fit(tabular_ds, columns={"target": "label"}, workspace=ws, epochs=12,
                          early_stopping=None, device="cpu")
    history = result.history
    lowest = min(history, key=lambda h: h["loss"])
    assert result.metrics["step"] == lowest["step"] and result.metrics["loss"] == lowest["loss"]
    # accuracy peaked before the kept epoch: the old rule (strictly better accuracy) kept an
    # earlier, less trained model
    peak = max(h["accuracy"] for h in history)
    first_peak = next(h for h in history if h["accuracy"] == peak)
    assert first_peak["step"] < lowest["step"], [(h["step"], h["accuracy"], h["loss"])
                                                 for h in history]
    assert trainlab.load_model(result.job_id, workspace=ws).metrics["loss"] == lowest["loss"]
