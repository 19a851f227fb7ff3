"""Task inference (issue 18, item 7): tabular when the table has other features besides a
text column and the label; text classification only for text + label (ids aside)."""

from __future__ import annotations

import random

import pytest

from tests.training.conftest import reviews, write_jsonl
from trainlab.training.columns import infer


def survey_rows(n: int = 300, seed: int = 0) -> list[dict]:
    """Numeric features that drive the label, and a short free-text comment (as the issue's)."""
    rng = random.Random(seed)
    phrases = ["great service", "slow delivery", "ok I guess", "would buy again", "too pricey",
               "friendly staff", "late again", "nice packaging"]
    rows = []
    for i in range(n):
        age, income = rng.randint(18, 80), rng.gauss(50, 15)
        rows.append({"age": age, "income": round(income, 2),
                     "comment": f"{rng.choice(phrases)} {rng.choice(phrases)} #{i}",
                     "label": "yes" if income + age / 4 > 62 else "no"})
    return rows


def test_numbers_and_a_comment_column_are_a_tabular_task(ws, tmp_path):
    ds = ws.datasets.add(write_jsonl(tmp_path / "survey.jsonl", survey_rows()))
    task, columns = infer(ds, None, None)
    assert task == "tabular" and columns["target"] == "label"
    assert {"age", "income"} <= set(columns["features"])


def test_text_and_a_label_are_text_classification(ws, tmp_path):
    ds = ws.datasets.add(write_jsonl(tmp_path / "reviews.jsonl", reviews()))
    assert infer(ds, None, None) == ("text-classification", {"label": "label", "text": "review"})


def test_ids_beside_the_text_do_not_make_it_tabular(ws, tmp_path):
    rows = [{"id": i, "review_id": f"r{i:05d}", **r} for i, r in enumerate(reviews())]
    ds = ws.datasets.add(write_jsonl(tmp_path / "reviews.jsonl", rows))
    task, columns = infer(ds, None, None)
    assert task == "text-classification" and columns["text"] == "review"


def test_a_table_with_free_text_and_no_label_name_asks_for_the_target(ws, tmp_path):
    """No column is named like a label, and besides a free-text column the table has numbers:
    that is a table whose target we cannot guess, not documents for a language model. Only
    a table of documents (and ids) is inferred as causal-lm."""
    import pandas as pd

    from trainlab.errors import TrainlabError
    from trainlab.training.columns import infer

    rng = __import__("numpy").random.default_rng(0)
    notes = [" ".join(rng.choice(["late payment", "asked about pro plan", "happy with support",
                                  "wants a discount", "moving abroad soon"], 3)) + f" #{i}"
             for i in range(200)]
    table = ws.datasets.add(pd.DataFrame({"tenure": rng.integers(1, 72, 200), "notes": notes,
                                          "churned": rng.choice(["yes", "no"], 200)}))
    with pytest.raises(TrainlabError) as info:
        infer(table, None, {})
    assert info.value.code == "no_columns" and "target" in str(info.value)
    docs = ws.datasets.add(pd.DataFrame({"id": range(200), "body": notes}))
    assert infer(docs, None, {}) == ("causal-lm", {"text": "body"})
