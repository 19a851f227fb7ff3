"""The tabular defaults chosen with benchmarks/bench_quality.py (issue 19): a 20% validation
split, lr 1e-3, a patience of 20 evaluations, smoothly clipped numbers, and early stopping /
kept weights that follow validation loss for classifiers."""

from __future__ import annotations

import trainlab
from tests.training.conftest import TINY_TEXT
from trainlab.training.config import TrainConfig, task_default


def test_tables_hold_out_a_fifth_and_other_tasks_a_tenth(ws, tabular_ds, reviews_ds) -> None:
    result = trainlab.fit(tabular_ds, columns={"target": "label"}, workspace=ws, max_steps=5)
    assert result.config["val_fraction"] == 0.2 and result.config["lr"] == 1e-3
    assert result.config["early_stopping"] == 20
    assert result.config["n_val"] == 60 and result.config["n_train"] == 240  # 300 rows
    text = trainlab.fit(reviews_ds, workspace=ws, arch=TINY_TEXT, max_steps=2)
    assert text.config["val_fraction"] == 0.1 and text.config["early_stopping"] == 5
    chosen = trainlab.fit(tabular_ds, columns={"target": "label"}, workspace=ws, max_steps=5,
                          val_fraction=0.1, early_stopping=None)
    assert chosen.config["val_fraction"] == 0.1 and chosen.config["n_val"] == 30
    assert chosen.config["early_stopping"] is None  # off, as asked
    assert task_default("tabular", "val_fraction") == 0.2 and TrainConfig().val_fraction is None
    assert TrainConfig().early_stopping == "auto"


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


def test_numbers_far_outside_the_training_range_are_bounded(ws, tmp_path) -> None:
    """Smooth clipping: x / sqrt(1 + (x/3)^2) of the standardised value, so a regression model
    given an income 1000 standard deviations out predicts within reach of what it saw."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(scale=0.1, size=300)})
    result = trainlab.fit(frame, target="y", workspace=ws, max_steps=200)
    model = trainlab.load_model(result.job_id, workspace=ws)
    assert model.task.state["clip"] == 3.0
    far = model.predict([{"x": 1000.0}, {"x": -1000.0}, {"x": 0.5}])
    assert abs(far[0]) < 30 and abs(far[1]) < 30, far  # unclipped: thousands
    assert abs(far[2] - 1.0) < 0.5, far
