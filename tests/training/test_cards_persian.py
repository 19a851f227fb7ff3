"""The notebook cards (``_repr_html_``) of a dataset, a training result, a trained model, a job
and an evaluation read fully in Persian under TRAINLAB_LANG=fa (issues 21 and 18): no English
label, task id, column type, metric name, status, time word or note left in them."""

from __future__ import annotations

import dataclasses

import pytest

import trainlab
from tests.training.test_reprs import running_job
from tests.widgets.persian import html_texts, latin_words
from trainlab.jobs.records import JobStatus

# the test's own data: the file, its columns and labels, the confusion matrix's labels
DATA = {"churn", "csv", "broken", "x", "z", "color", "amount", "label", "high", "low", "no", "yes",
        "a", "b", "line", "JupyterLab", "python"}  # a split keeps the source line as a column
NOTES = ["No GPU found (CUDA or MPS); training on the CPU.",
         "Large dataset: training for 120 steps, part of one epoch; pass epochs= or max_steps= "
         "to train longer.",
         "Tensors came from the cache beside the dataset (same data and settings).",
         "Early stopping after 12 of 18 steps: validation accuracy stopped improving."]


@pytest.fixture(autouse=True)
def persian(monkeypatch) -> None:
    monkeypatch.setenv("TRAINLAB_LANG", "fa")


def english_in(markup: str) -> list[str]:
    assert 'dir="rtl"' in markup
    return latin_words(html_texts("card", markup), allowed=DATA)


def test_a_dataset_card_is_persian(trained) -> None:
    _, ds, _ = trained
    out = ds._repr_html_()
    assert english_in(out) == []
    assert "دسته‌ای" in out and "عدد" in out  # the schema's types, as the panels say them


def test_an_invalid_dataset_card_is_persian(trained, tmp_path) -> None:
    ws, _, _ = trained
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n1,2\n3\n4,5,6\n" + "".join(f"{i},{i}\n" for i in range(10)), "utf-8")
    ds = ws.datasets.add(path)
    assert ds.status == "invalid"
    assert english_in(ds._repr_html_()) == []


def test_a_split_dataset_card_is_persian(trained) -> None:
    _, ds, _ = trained
    train, _ = ds.split(test_size=0.25, seed=1)
    out = train._repr_html_()
    assert train.name == "churn.csv [train]"  # the split's name is data, like a file name
    assert [w for w in english_in(out) if "'train' in 'churn.csv [train]" not in w] == []
    assert 'split="train", test_size=0.25, seed=1' in out.replace("&quot;", '"')


def test_a_result_card_is_persian_with_its_notes(trained) -> None:
    _, _, result = trained
    full = dataclasses.replace(result, notes=NOTES)
    out = full._repr_html_()
    assert english_in(out) == []
    assert "دسته‌بندی جدولی" in out and "دقت" in out and "زیان" in out
    assert "هیچ GPU" in out
    for variant in (dataclasses.replace(result, stop_reason="early_stopping"),
                    dataclasses.replace(result, status="stopped", stop_reason="requested")):
        assert english_in(variant._repr_html_()) == []


def test_a_model_card_is_persian(trained) -> None:
    ws, ds, result = trained
    out = trainlab.load_model(result.job_id, workspace=ws)._repr_html_()
    assert english_in(out) == []
    assert "دسته‌ای" in out
    regression = trainlab.fit(ds, workspace=ws, columns={"target": "amount"}, max_steps=3,
                              batch_size=32)
    assert english_in(regression.load()._repr_html_()) == []
    assert english_in(regression._repr_html_()) == []


def test_job_cards_are_persian(trained) -> None:
    ws, ds, result = trained
    done = ws.jobs.get(result.job_id)
    out = done._repr_html_()
    assert english_in(out) == []
    assert "کامل‌شده" in out and "به وقت جهانی" in out and "ثانیه" in out  # zone, duration
    running = running_job(ws, ds, "churn")
    assert english_in(running._repr_html_()) == []
    failing = running_job(ws, ds, "broken")
    ws.jobs.records.finish(failing.id, JobStatus.FAILED, error={"code": "boom", "message": "boom"})
    found = english_in(ws.jobs.get(failing.id)._repr_html_())
    assert [w.split(" in ")[0] for w in found] == ["card: 'boom'"]  # the error's message, as it came


def test_an_evaluation_card_is_persian() -> None:
    import pandas as pd

    from trainlab.training.evaluation import Evaluation

    confusion = pd.DataFrame([[72, 4], [12, 32]], index=pd.Index(["no", "yes"], name="true"),
                             columns=pd.Index(["no", "yes"], name="predicted"))
    ev = Evaluation(task="tabular-classification", metrics={"accuracy": 0.8667, "log_loss": 0.3331},
                    rows=123, rows_scored=120, rows_skipped={"invalid_row": 2, "missing_label": 1},
                    dataset_id="ds_01m8s7vxwhdqrcj9fds4nvq8ee", confusion=confusion, unseen_labels=3)
    assert english_in(ev._repr_html_()) == []
    regression = Evaluation(task="tabular-regression", metrics={"rmse": 0.5, "mae": 0.4, "r2": 0.9},
                            rows=10, rows_scored=10, rows_skipped={}, dataset_id=None,
                            source="churn.csv", residual_quantiles={"p5": -1.0, "p50": 0.0,
                                                                    "p95": 1.0})
    assert english_in(regression._repr_html_()) == []


def test_the_training_panel_says_the_notes_as_the_card_does() -> None:
    from trainlab.training import show
    from trainlab.widgets import live

    for text in NOTES:
        assert live.note(text, "fa") == show.note(text, "fa")
        assert latin_words(html_texts("note", show.note(text, "fa"))) == []
    assert str(show.note("something new", "fa")) == "<bdi>something new</bdi>"  # as it came


def test_term_words_keep_english_as_it_was() -> None:
    from trainlab import display

    assert display.term("task", "tabular-regression", "en") == display.ltr("tabular-regression")
    assert display.term("metric", "accuracy", "fa") == display.isolate("دقت")
    assert display.term("type", "category", "fa") == display.isolate("دسته‌ای")
    assert display.term("metric", "my_metric", "fa") == display.ltr("my_metric")  # no word known
    assert display.sentence("cards_run_name", "fa", task=display.ltr("<x>")) == \
        'اجرای <bdi dir="ltr">&lt;x&gt;</bdi>'
