"""What a notebook shows for a dataset, a training result, a trained model and a job: the
rich ``_repr_html_`` and the short ``repr``."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import warnings
from pathlib import Path

import pytest

import trainlab
from trainlab import display
from trainlab.jobs.records import JobStatus


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("TRAINLAB_LANG", "en")


def text(markup: str) -> str:
    """The words a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


# -- datasets ------------------------------------------------------------------------------------
def test_dataset_repr_is_short_and_html_has_schema_and_size(trained) -> None:
    _, ds, _ = trained
    assert repr(ds) == f"Dataset('churn.csv', {ds.id}, 200 rows, valid)"
    shown = text(ds._repr_html_())
    for word in ("churn.csv", "valid", "200", "Invalid rows", display.human_size(ds.size_bytes),
                 "csv", ds.id, "Schema"):
        assert word in shown, word
    for column, kind in ds.schema.items():
        assert re.search(rf"{column}\s+{kind}", shown), column
    assert "First errors" not in shown
    assert ds._repr_html_() == ds._repr_html_()


def test_an_invalid_dataset_lists_its_first_errors_with_their_lines(ws, tmp_path) -> None:
    path = tmp_path / "<script>x.csv"
    body = "".join(f"{i},{i}\n" for i in range(10))
    path.write_text("a,b\n1,2\n3\n4,5,6\n" + body + "7\n8\n9\n10\n11\n", "utf-8")
    ds = ws.datasets.add(path)
    assert ds.status == "invalid"
    out = ds._repr_html_()
    assert "<script" not in out and "&lt;script&gt;x.csv" in out
    shown = " ".join(text(out).split())
    lines = [e["line"] for e in ds.report["errors"]]
    assert len(lines) == 7
    for line, entry in zip(lines[:5], ds.report["errors"][:5], strict=True):
        assert re.search(rf"{line}\s+ragged_row\s+{re.escape(entry['message'])}", shown), line
    for line in lines[5:]:
        assert f"Line {line}:" not in shown
    assert "… 2 more" in shown
    assert len(repr(ds)) < 200 and "invalid" in repr(ds)


def test_a_wide_dataset_keeps_a_short_repr(ws, tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"column_{i}" for i in range(300)) + "\n"
                    + ",".join("1" for _ in range(300)) + "\n", "utf-8")
    ds = ws.datasets.add(path)
    assert len(repr(ds)) < 200 and "1 rows" in repr(ds)
    shown = text(ds._repr_html_())
    assert "column_39 " in shown and "column_40 " not in shown and "… 260 more" in shown


def test_a_dataset_card_in_persian(trained, monkeypatch) -> None:
    _, ds, _ = trained
    monkeypatch.setenv("TRAINLAB_LANG", "fa")
    out = ds._repr_html_()
    assert 'dir="rtl"' in out and "ساختار ستون‌ها" in out and "سطرهای نامعتبر" in out
    assert f">{ds.id}</code>" in out and '<bdi dir="ltr">200</bdi>' in out


# -- the training result -------------------------------------------------------------------------
def test_result_repr_is_short(trained) -> None:
    _, _, result = trained
    shown = repr(result)
    assert len(shown) < 200
    accuracy = display.number(result.metrics["accuracy"])
    assert shown == (f"TrainResult(completed, tabular-classification, {result.steps} steps, "
                     f"{result.job_id}, accuracy={accuracy})")


def test_result_html_has_status_metrics_history_chart_and_load_line(trained) -> None:
    _, _, result = trained
    out = result._repr_html_()
    assert out == result._repr_html_()
    shown = " ".join(text(out).split())
    assert "completed" in shown and "tabular-classification" in shown
    assert f'trainlab.load_model("{result.job_id}")' in shown
    for name in ("loss", "accuracy", "macro_f1"):
        assert re.search(rf"{name}\s+{re.escape(display.number(result.metrics[name]))}", shown)
    assert len(result.history) == 2 and len(result.train_history) == result.steps
    for evaluation in result.history:  # step, epoch, train loss, validation loss, accuracy
        train = [h["loss"] for h in result.train_history if h["step"] <= evaluation["step"]][-1]
        row = (rf"{evaluation['step']}\s+{evaluation['epoch']}\s+"
               rf"{re.escape(display.number(train))}\s+"
               rf"{re.escape(display.number(evaluation['loss']))}\s+"
               rf"{re.escape(display.number(evaluation['accuracy']))}")
        assert re.search(row, shown), evaluation
    svg = re.search(r"<svg.*?</svg>", out).group(0)
    assert svg.count("<polyline") == 2 and "<script" not in out


def test_result_html_says_why_a_run_ended_early(trained) -> None:
    _, _, result = trained
    early = dataclasses.replace(result, stop_reason="early_stopping")
    assert "early stopping: validation loss stopped improving" in text(early._repr_html_())
    stopped = dataclasses.replace(result, status="stopped", stop_reason="requested")
    assert "stopped on request" in text(stopped._repr_html_())
    assert "(requested)" in repr(stopped)


def test_result_html_in_persian(trained, monkeypatch) -> None:
    _, _, result = trained
    monkeypatch.setenv("TRAINLAB_LANG", "fa")
    out = result._repr_html_()
    assert 'dir="rtl"' in out and "وضعیت" in out and "زیان اعتبارسنجی" in out
    assert f"trainlab.load_model(&quot;{result.job_id}&quot;)</code>" in out


# -- the trained model ---------------------------------------------------------------------------
def test_model_repr_and_html(trained) -> None:
    ws, _, result = trained
    model = trainlab.load_model(result.job_id, workspace=ws)
    assert repr(model) == (f"TrainedModel('tabular-classification', {result.job_id}, 4 inputs, "
                           f"2 labels, accuracy={display.number(result.metrics['accuracy'])})")
    out = model._repr_html_()
    assert out == trainlab.load_model(result.job_id, workspace=ws)._repr_html_()
    shown = " ".join(text(out).split())
    for column, kind in {"x": "number", "z": "number", "color": "category",
                         "amount": "number"}.items():
        assert re.search(rf"{column}\s+{kind}", shown), column
    assert re.search(r"Labels \(2\)\s+high, low", shown)
    parameters = sum(p.numel() for p in model.module.parameters())
    assert f"{parameters:,}" in shown
    size = sum(f.stat().st_size for f in Path(model.path).iterdir())
    assert display.human_size(size) in shown
    assert re.search(rf"accuracy\s+{re.escape(display.number(result.metrics['accuracy']))}",
                     shown)


def test_a_regression_model_shows_its_target(trained) -> None:
    ws, ds, _ = trained
    result = trainlab.fit(ds, workspace=ws, columns={"target": "amount"}, max_steps=3,
                          batch_size=32)
    model = result.load()
    shown = text(model._repr_html_())
    assert "tabular-regression" in shown and re.search(r"Target\s+amount", shown)
    assert "Labels" not in shown and "labels" not in repr(model)
    assert "rmse=" in repr(model) and len(repr(model)) < 200


# -- jobs ----------------------------------------------------------------------------------------
def test_a_completed_job(trained) -> None:
    ws, ds, result = trained
    job = ws.jobs.get(result.job_id)
    loss = display.number(job.metrics["loss"])
    assert repr(job) == (f"Job('tabular-classification run', {job.id}, completed, "
                         f"step {result.steps}/{result.steps}, loss={loss}, "
                         f"accuracy={display.number(job.metrics['accuracy'])})")
    out = job._repr_html_()
    shown = " ".join(text(out).split())
    assert "width:100.0%" in out and f"Step {result.steps}/{result.steps}" in shown
    assert re.search(rf"loss\s+{re.escape(loss)}", shown) and ds.id in shown
    assert re.search(r"Duration\s+\d", shown) and "Created" in shown
    assert f'trainlab.load_model("{job.id}")' in shown
    assert job._repr_html_() == ws.jobs.get(result.job_id)._repr_html_()


def running_job(ws, ds, name: str = "<b>bold</b> run"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, name=name,
                             params={"max_steps": 20, "batch_size": 32})
    records = ws.jobs.records
    assert records.start(job.id, runner="worker", pid=os.getpid())
    records.progress(job.id, 5, 20, 0, 3.0, 100.0)
    records.set_metrics(job.id, {"step": 5, "epoch": 0, "loss": 0.5, "accuracy": 0.75})
    return ws.jobs.get(job.id)


def test_a_running_job(trained) -> None:
    ws, ds, _ = trained
    job = running_job(ws, ds)
    assert repr(job) == f"Job('<b>bold</b> run', {job.id}, running, step 5/20, loss=0.5, accuracy=0.75)"
    out = job._repr_html_()
    assert "<b>bold</b>" not in out and "&lt;b&gt;bold&lt;/b&gt; run" in out
    assert "width:25.0%" in out
    shown = " ".join(text(out).split())
    assert "running" in shown and "Step 5/20 · Epoch 0" in shown
    assert re.search(r"loss\s+0\.5\b", shown) and re.search(r"accuracy\s+0\.75", shown)
    assert "Duration" not in shown and "load_model" not in shown  # not finished: no times of now
    assert out == ws.jobs.get(job.id)._repr_html_()


def test_a_failed_job_shows_its_error(trained) -> None:
    ws, ds, _ = trained
    job = running_job(ws, ds, "failing")
    ws.jobs.records.finish(job.id, JobStatus.FAILED,
                           error={"code": "boom", "message": "<img src=x> went wrong"})
    out = ws.jobs.get(job.id)._repr_html_()
    assert "<img" not in out and "&lt;img src=x&gt; went wrong" in out
    assert "failed" in text(out) and "Duration" in text(out)


def test_evaluation_card_shows_scores_skips_and_confusion(monkeypatch) -> None:
    import pandas as pd

    from trainlab.training.evaluation import Evaluation

    confusion = pd.DataFrame([[72, 4], [12, 32]], index=pd.Index(["no", "<b>yes</b>"], name="true"),
                             columns=pd.Index(["no", "<b>yes</b>"], name="predicted"))
    ev = Evaluation(task="tabular-classification", metrics={"accuracy": 0.8667, "log_loss": 0.3331},
                    rows=123, rows_scored=120, rows_skipped={"invalid_row": 2, "missing_label": 1,
                                                             "wrong_value_type": 0},
                    dataset_id="ds_01m8s7vxwhdqrcj9fds4nvq8ee", confusion=confusion, unseen_labels=3)
    out = ev._repr_html_()
    shown = " ".join(text(out).split())
    assert "Evaluation: tabular-classification" in shown and "120 / 123" in shown
    assert "invalid_row 2" in shown and "missing_label 1" in shown and "wrong_value_type" not in shown
    assert "accuracy" in shown and "0.8667" in shown and "Labels never seen in training" in shown
    assert "<b>yes</b>" not in out and "&lt;b&gt;yes&lt;/b&gt;" in out  # labels escaped
    assert ">72<" in out and ">32<" in out and out == ev._repr_html_()
    monkeypatch.setenv("TRAINLAB_LANG", "fa")
    assert 'dir="rtl"' in ev._repr_html_() and "ماتریس درهم‌ریختگی" in ev._repr_html_()
