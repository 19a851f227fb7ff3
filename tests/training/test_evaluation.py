"""model.evaluate / plot_confusion: metrics equal scikit-learn's on the same predictions, every
row the model cannot score is counted by reason, a Dataset and a DataFrame agree."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import metrics as skm

import trainlab
from tests.training.conftest import TINY_TEXT, reviews, tabular_rows, write_jsonl
from trainlab.datasets import plan, rows
from trainlab.errors import TrainlabError
from trainlab.training import evaluation

FEATURES = ["x", "z", "color"]


@pytest.fixture()
def classifier(ws: trainlab.Workspace, tabular_ds):
    result = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label", "features": FEATURES},
                          max_steps=60, device="cpu")
    return trainlab.load_model(result.job_id, workspace=ws)


@pytest.fixture()
def regressor(ws: trainlab.Workspace, tabular_ds):
    result = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "amount", "features": FEATURES},
                          max_steps=60, device="cpu")
    return trainlab.load_model(result.job_id, workspace=ws)


def held_out(n: int = 150, seed: int = 7) -> pd.DataFrame:
    frame = pd.DataFrame(tabular_rows(n, seed=seed))
    return frame.astype({"x": object, "label": object, "amount": object})


def test_classification_metrics_equal_sklearn_and_every_skip_is_counted(classifier) -> None:
    frame = held_out()
    frame.loc[3, "label"] = None          # missing_label
    frame.loc[4, "x"] = "not a number"    # wrong_value_type
    frame.loc[5, "label"] = "medium"      # a class the model never saw: scored, wrong
    frame.loc[6, "label"] = "medium"
    ev = classifier.evaluate(frame)
    assert ev.task == "tabular-classification" and ev.dataset_id is None
    assert ev.source == "DataFrame" and ev.rows == 150 and ev.rows_scored == 148
    assert ev.rows_skipped == {"invalid_row": 0, "missing_label": 1, "wrong_value_type": 1,
                               "empty_text": 0}
    assert ev.unseen_labels == 2
    scored = frame.drop(index=[3, 4])
    features = scored[FEATURES].astype({"x": float})
    pred = classifier.predict(features).tolist()
    truth = scored["label"].tolist()
    assert ev.metrics["accuracy"] == pytest.approx(skm.accuracy_score(truth, pred))
    assert ev.metrics["macro_f1"] == pytest.approx(skm.f1_score(truth, pred, average="macro"))
    known = scored["label"] != "medium"
    proba = classifier.predict_proba(features[known])
    assert ev.metrics["log_loss"] == pytest.approx(
        skm.log_loss(scored["label"][known], proba.to_numpy(), labels=list(proba.columns)), rel=1e-6)
    labels = ["high", "low", "medium"]
    assert ev.confusion.index.tolist() == labels and ev.confusion.columns.tolist() == ["high", "low"]
    assert ev.confusion.index.name == "true" and ev.confusion.columns.name == "predicted"
    expected = skm.confusion_matrix(truth, pred, labels=labels)[:, :2]
    assert (ev.confusion.to_numpy() == expected).all()
    blob = json.loads(json.dumps(ev.to_dict()))
    assert blob["confusion"]["labels"] == labels and blob["confusion"]["matrix"] == expected.tolist()
    assert "accuracy" in repr(ev) and "148/150" in repr(ev)
    assert "<table" in ev._repr_html_() and "medium" in ev._repr_html_()


def test_dataset_streamed_block_by_block_equals_the_dataframe(classifier, ws, tmp_path,
                                                              monkeypatch) -> None:
    records = tabular_rows(400, seed=3)
    frame = pd.DataFrame(records)
    monkeypatch.setattr(plan, "BLOCK_BYTES", 4096)
    ds = ws.datasets.add(write_jsonl(tmp_path / "test.jsonl", records))
    assert len(ds.index) > 3
    blocks = []
    real = rows.iter_tables

    def counting(dataset, *args):
        for table, lines in real(dataset, *args):
            blocks.append(table.num_rows)
            yield table, lines

    monkeypatch.setattr(rows, "iter_tables", counting)
    monkeypatch.setattr(evaluation, "CHUNK_ROWS", 64)
    from_ds = classifier.evaluate(ds)
    from_id = classifier.evaluate(ds.id)  # the model's own workspace, found from its folder
    from_frame = classifier.evaluate(frame)
    assert len(blocks) == 2 * len(ds.index) and max(blocks) < 400
    assert from_ds.rows_skipped == dict.fromkeys(evaluation.REASONS, 0), from_ds.rows_skipped
    assert from_ds.dataset_id == ds.id and from_ds.rows == from_ds.rows_scored == 400
    for other in (from_id, from_frame):
        assert other.rows_scored == 400
        for name, value in from_ds.metrics.items():
            assert other.metrics[name] == pytest.approx(value, rel=1e-9)
        assert (other.confusion.to_numpy() == from_ds.confusion.to_numpy()).all()


def test_invalid_rows_of_a_dataset_are_counted(classifier, ws, tmp_path) -> None:
    good = tabular_rows(20, seed=2)
    text = "".join(json.dumps(r) + "\n" for r in good) + "{not json\n"
    path = tmp_path / "broken.jsonl"
    path.write_text(text, "utf-8")
    ds = ws.datasets.add(path)
    ev = classifier.evaluate(ds)
    assert ev.rows == 21 and ev.rows_scored == 20 and ev.rows_skipped["invalid_row"] == 1


def test_a_missing_column_is_a_clear_error(classifier) -> None:
    with pytest.raises(TrainlabError) as info:
        classifier.evaluate(held_out().drop(columns=["color"]))
    assert info.value.code == "eval_missing_columns" and info.value.status == 422
    assert "color" in str(info.value)
    with pytest.raises(TrainlabError) as info:
        classifier.evaluate([1, 2])
    assert info.value.code == "eval_bad_input" and "list" in str(info.value)


def test_duplicate_column_names_are_refused_as_datasets_add_refuses_them(classifier) -> None:
    frame = held_out()
    doubled = pd.concat([frame, frame[["x"]]], axis=1)  # two columns named "x"
    with pytest.raises(TrainlabError) as info:
        classifier.evaluate(doubled)
    assert info.value.code == "frame_column_names" and "'x' appears twice" in str(info.value)


def test_an_arrow_table_and_a_polars_frame_score_as_pandas_does(classifier) -> None:
    import pyarrow as pa

    frame = pd.DataFrame(tabular_rows(120, seed=4))
    expected = classifier.evaluate(frame)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    from_arrow = classifier.evaluate(table)
    assert from_arrow.source == "DataFrame" and from_arrow.rows == 120
    assert from_arrow.metrics == pytest.approx(expected.metrics)
    pl = pytest.importorskip("polars")
    from_polars = classifier.evaluate(pl.from_arrow(table))
    assert from_polars.rows == 120 and from_polars.metrics == pytest.approx(expected.metrics)


def test_regression_metrics_equal_sklearn(regressor) -> None:
    frame = held_out()
    frame.loc[0, "amount"] = None        # missing_label
    frame.loc[1, "amount"] = "lots"      # wrong_value_type
    ev = regressor.evaluate(frame)
    assert ev.rows_scored == 148 and ev.rows_skipped["missing_label"] == 1
    assert ev.rows_skipped["wrong_value_type"] == 1 and ev.confusion is None
    scored = frame.drop(index=[0, 1])
    pred = np.asarray(regressor.predict(scored[FEATURES].astype({"x": float})), float)
    truth = scored["amount"].astype(float).to_numpy()
    assert ev.metrics["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(truth, pred)))
    assert ev.metrics["mae"] == pytest.approx(skm.mean_absolute_error(truth, pred))
    assert ev.metrics["r2"] == pytest.approx(skm.r2_score(truth, pred))
    assert ev.residual_quantiles == pytest.approx(
        {f"p{q}": float(np.percentile(truth - pred, q)) for q in (5, 25, 50, 75, 95)})
    with pytest.raises(TrainlabError) as info:
        regressor.plot_confusion(frame)
    assert info.value.code == "wrong_model_kind"


def test_text_classification_and_its_skips(ws, reviews_ds) -> None:
    result = trainlab.fit(reviews_ds, workspace=ws, arch=TINY_TEXT, max_steps=10, device="cpu")
    model = trainlab.load_model(result.job_id, workspace=ws)
    frame = pd.DataFrame(reviews(60, seed=5), dtype=object)
    frame.loc[0, "review"] = "   "   # empty_text
    frame.loc[1, "review"] = None    # empty_text
    frame.loc[2, "review"] = 42      # wrong_value_type
    frame.loc[3, "label"] = None     # missing_label
    ev = model.evaluate(frame)
    assert ev.rows_skipped == {"invalid_row": 0, "missing_label": 1, "wrong_value_type": 1,
                               "empty_text": 2}
    scored = frame.iloc[4:]
    pred = model.predict(scored["review"].tolist())
    assert ev.metrics["accuracy"] == pytest.approx(skm.accuracy_score(scored["label"], pred))
    assert ev.metrics["macro_f1"] == pytest.approx(
        skm.f1_score(scored["label"], pred, average="macro"))
    proba = model.predict_proba(scored["review"].tolist())
    assert ev.metrics["log_loss"] == pytest.approx(
        skm.log_loss(scored["label"], proba.to_numpy(), labels=list(proba.columns)), rel=1e-6)


def test_causal_lm_scores_only_the_completion(ws, tmp_path) -> None:
    sums = [{"q": f"{a}+{b}=", "a": str(a + b)} for a in range(8) for b in range(8)]
    ds = ws.datasets.add(write_jsonl(tmp_path / "sums.jsonl", sums))
    result = trainlab.fit(ds, task="causal-lm", columns={"prompt": "q", "completion": "a"},
                          workspace=ws, max_steps=10, device="cpu",
                          arch={"d_model": 32, "heads": 2, "layers": 1})
    model = trainlab.load_model(result.job_id, workspace=ws)
    frame = pd.DataFrame(sums[:20], dtype=object)
    frame.loc[0, "a"] = None   # missing_label
    frame.loc[1, "q"] = ""     # empty_text
    ev = model.evaluate(frame)
    assert ev.rows_scored == 18 and ev.rows_skipped["missing_label"] == 1
    assert ev.rows_skipped["empty_text"] == 1
    # by hand: BOS prompt SEP completion EOS, cross-entropy on the completion and EOS only
    from trainlab.training import tokenizer

    total, count = 0.0, 0
    width = model.meta["state"]["context"] + 1
    with torch.no_grad():
        for q, a in zip(frame["q"][2:], frame["a"][2:], strict=True):
            ids = [tokenizer.BOS, *tokenizer.encode(q), tokenizer.SEP, *tokenizer.encode(a),
                   tokenizer.EOS][:width]
            logits = model.module(torch.tensor([ids[:-1]]))[0].double()
            logp = torch.log_softmax(logits, -1)
            first = len(tokenizer.encode(q)) + 2
            for pos in range(first - 1, len(ids) - 1):
                total -= float(logp[pos, ids[pos + 1]])
                count += 1
    assert ev.metrics["loss"] == pytest.approx(total / count, rel=1e-4)
    assert ev.metrics["tokens"] == count
    assert ev.metrics["perplexity"] == pytest.approx(math.exp(total / count), rel=1e-4)
    assert ev.metrics["bits_per_byte"] == pytest.approx(total / count / math.log(2), rel=1e-4)


def test_plot_confusion_draws_the_counts(classifier) -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig = classifier.plot_confusion(held_out(80))
    ax = fig.axes[0]
    counts = sorted(int(t.get_text()) for t in ax.texts)
    assert sum(counts) == 80 and len(counts) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["high", "low"]


def test_evaluate_on_a_path_adds_it_to_the_model_workspace(classifier, ws, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "more.jsonl", tabular_rows(30, seed=4))
    ev = classifier.evaluate(path)
    assert ev.rows == 30 and ws.datasets.get(ev.dataset_id).name == "more.jsonl"
