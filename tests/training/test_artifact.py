"""The trained model: one folder, loads without pickle, predicts the same in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import torch

import trainlab
from tests.training.conftest import TINY_TEXT
from trainlab.errors import DatasetError, NotFoundError, TrainlabError

RECORDS = [{"x": 1.5, "z": 0.0, "color": "red"}, {"x": -2.0, "z": 1.0, "color": "green"},
           {"x": None, "z": 0.3, "color": "purple"}, {"x": None, "z": 0.1, "color": None}]


@pytest.fixture()
def tabular_result(ws: trainlab.Workspace, tabular_ds):
    return trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label",
                        "features": ["x", "z", "color"]}, max_steps=150, device="cpu")


def test_the_folder_holds_safetensors_and_json(tabular_result) -> None:
    folder = tabular_result.model_path
    meta = json.loads(open(f"{folder}/model.json", encoding="utf-8").read())
    assert meta["task"] == "tabular-classification" and meta["format_version"] == 1
    assert meta["state"]["labels"]["values"] == ["high", "low"]
    assert [c["name"] for c in meta["state"]["categorical"]] == ["color"]
    assert {s["name"]: s["indicator"] for s in meta["state"]["numeric"]} == {"x": True, "z": False}
    with open(f"{folder}/model.safetensors", "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    assert "head.weight" in header


def test_predictions_are_identical_in_a_fresh_process(tabular_result, ws) -> None:
    here = trainlab.load_model(tabular_result.job_id, workspace=ws)
    expected = here.predict_proba(RECORDS).to_numpy().tolist()
    code = ("import json, sys, trainlab\n"
            "m = trainlab.load_model(sys.argv[1])\n"
            f"print(json.dumps(m.predict_proba({RECORDS!r}).to_numpy().tolist()))\n")
    out = subprocess.run([sys.executable, "-c", code, tabular_result.model_path],
                         capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(out.stdout) == expected
    assert here.predict(RECORDS)[:2] == ["high", "low"]


def test_predict_takes_dicts_frames_and_missing_or_unseen_values(tabular_result) -> None:
    model = tabular_result.load()
    assert model.predict({"x": 3.0, "z": 0.0, "color": "red"}) == "high"
    assert model.predict({"x": -3.0, "z": 0.0, "color": "green"}) == "low"
    frame = pd.DataFrame(RECORDS, index=[10, 11, 12, 13])
    series = model.predict(frame)
    assert list(series.index) == [10, 11, 12, 13] and set(series) <= {"high", "low"}
    assert model.labels == ["high", "low"]
    with pytest.raises(TrainlabError) as err:
        model.generate("x")
    assert err.value.code == "wrong_model_kind"


def test_a_text_where_a_number_belongs_is_a_clear_error(tabular_result) -> None:
    with pytest.raises(TrainlabError) as err:
        tabular_result.load().predict([{"x": 1, "z": 1.0, "color": "red"},
                                       {"x": "lots", "z": 1.0, "color": "red"}])
    assert err.value.code == "wrong_value_type" and "'x'" in str(err.value)
    assert err.value.params["index"] == 1 and "'lots'" in str(err.value)


def test_loading_never_unpickles(tabular_result, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("load_model must not call torch.load")

    monkeypatch.setattr(torch, "load", refuse)
    assert trainlab.load_model(tabular_result.model_path).predict(RECORDS[:1])


def test_unknown_models_are_clear_errors(tmp_path, ws) -> None:
    with pytest.raises(NotFoundError) as err:
        trainlab.load_model(tmp_path / "nothing")
    assert err.value.code == "model_not_found"
    with pytest.raises(NotFoundError):
        trainlab.load_model("job_doesnotexist", workspace=ws)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.json").write_text("{not json")
    with pytest.raises(TrainlabError) as err:
        trainlab.load_model(bad)
    assert err.value.code == "bad_model_file"


def test_text_model_takes_plain_strings(ws, reviews_ds) -> None:
    result = trainlab.fit(reviews_ds, workspace=ws, arch=TINY_TEXT, max_steps=10)
    model = result.load()
    assert model.predict("عالی") in ("pos", "neg")
    assert len(model.predict([{"review": "great"}, "بد"])) == 2
    with pytest.raises(TrainlabError) as err:
        model.predict([{"other": "x"}])
    assert err.value.code == "missing_features" and "review" in str(err.value)
    with pytest.raises(DatasetError) as err:
        model.predict([{"review": None}])
    assert err.value.code == "bad_record"
