"""Small datasets the training tests generate (nothing is downloaded)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

import trainlab

POS_EN = ["great", "wonderful", "excellent", "loved it", "amazing", "fantastic"]
NEG_EN = ["terrible", "awful", "boring", "hated it", "a waste", "horrible"]
POS_FA = ["عالی", "فوق‌العاده", "دوست داشتم", "زیبا"]
NEG_FA = ["افتضاح", "خسته‌کننده", "بد", "وقت تلف کردن"]
FILL_EN = ["the movie was", "honestly", "this film is", "I think the plot was", "acting:"]
FILL_FA = ["فیلم", "واقعا", "به نظرم داستان", "بازیگری"]
TINY_TEXT = {"d_model": 32, "heads": 2, "layers": 1}


def reviews(n: int = 400, seed: int = 0) -> list[dict]:
    """Short English and Persian reviews whose label follows from a sentiment word."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = rng.choice(["pos", "neg"])
        if rng.random() < 0.5:
            words = [rng.choice(FILL_EN), rng.choice(POS_EN if label == "pos" else NEG_EN),
                     rng.choice(FILL_EN)]
        else:
            words = [rng.choice(FILL_FA), rng.choice(POS_FA if label == "pos" else NEG_FA),
                     rng.choice(FILL_FA)]
        rows.append({"review": " ".join(words), "label": label})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def tabular_rows(n: int = 300, seed: int = 0) -> list[dict]:
    """Two numbers, a category and a few nulls; the class follows from x + the category."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        x, z = rng.gauss(0, 1), rng.gauss(0, 1)
        color = rng.choice(["red", "green", "blue"])
        score = x + {"red": 1.0, "green": -1.0, "blue": 0.0}[color]
        rows.append({"x": x if rng.random() > 0.05 else None, "z": z, "color": color,
                     "amount": 3 * x - 2 * z + rng.gauss(0, 0.1),
                     "label": "high" if score > 0 else "low"})
    return rows


@pytest.fixture()
def tabular_ds(ws: trainlab.Workspace, tmp_path: Path):
    return ws.datasets.add(write_jsonl(tmp_path / "table.jsonl", tabular_rows()))


@pytest.fixture()
def reviews_ds(ws: trainlab.Workspace, tmp_path: Path):
    return ws.datasets.add(write_jsonl(tmp_path / "reviews.jsonl", reviews()))


FAST = {"epochs": 2, "batch_size": 32, "log_every": 1}  # a classifier in a few seconds


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One workspace, a small CSV and a classifier trained on it, per test module (training is
    the slow part; the tests that use it only read, or add records of their own)."""
    root = tmp_path_factory.mktemp("trained")
    ws = trainlab.Workspace(root / "ws")
    ds = ws.datasets.add(write_csv(root / "churn.csv", tabular_rows(200)))
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, **FAST)
    return ws, ds, result
