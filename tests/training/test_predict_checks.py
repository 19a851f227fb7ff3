"""model.predict checks each record on its own (issue 14, 2.7): every input field present
(null for a missing value), no field the model does not know, each value of the type the
model was trained on; never decided by the other records of the batch."""

from __future__ import annotations

import pandas as pd
import pytest

import trainlab
from trainlab.errors import TrainlabError

GOOD = {"x": 1.0, "z": 0.0, "color": "red", "amount": 2.0}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from tests.training.conftest import tabular_rows, write_jsonl

    folder = tmp_path_factory.mktemp("predict")
    ws = trainlab.Workspace(folder / "ws")
    rows = [{**r, "flag": i % 2 == 0} for i, r in enumerate(tabular_rows(300))]
    ds = ws.datasets.add(write_jsonl(folder / "t.jsonl", rows))
    assert ds.schema["flag"] == "boolean"
    return trainlab.fit(ds, workspace=ws, columns={"target": "label"}, max_steps=5,
                        device="cpu").load()


def refused(model, records) -> TrainlabError:
    with pytest.raises(TrainlabError) as err:
        model.predict(records)
    assert err.value.status == 422
    return err.value


def test_a_record_without_the_features_is_refused_naming_them(model) -> None:
    err = refused(model, [{}])
    assert err.code == "missing_features" and "x, z, color, amount, flag" in str(err)
    err = refused(model, [{**GOOD, "flag": True}, {"x": 1.0, "flag": False}])
    assert err.code == "missing_features" and err.params["index"] == 1
    assert err.params["fields"] == "z, color, amount"
    err = refused(model, pd.DataFrame([{"x": 1.0}]))
    assert err.code == "missing_features"


def test_unknown_fields_are_refused_and_the_target_is_allowed(model) -> None:
    err = refused(model, [{"nope": 1, **GOOD, "flag": True}])
    assert err.code == "unknown_fields" and "nope" in str(err)
    assert model.predict([{**GOOD, "flag": True, "label": "low"}]) in (["high"], ["low"])


def test_a_boolean_is_not_a_number(model) -> None:
    err = refused(model, [{**GOOD, "x": True, "flag": True}])
    assert err.code == "wrong_value_type" and err.params["field"] == "x"
    err = refused(model, pd.DataFrame([{**GOOD, "x": True, "flag": True}]))
    assert err.code == "wrong_value_type"
    err = refused(model, [{**GOOD, "flag": 1}])  # and a boolean feature takes booleans only
    assert err.code == "wrong_value_type" and err.params["field"] == "flag"
    err = refused(model, [{**GOOD, "color": False, "flag": True}])
    assert err.code == "wrong_value_type" and err.params["field"] == "color"


def test_each_record_is_judged_alone(model) -> None:
    bad = {**GOOD, "x": "lots", "flag": True}
    alone = refused(model, [bad])
    after_a_good_one = refused(model, [{**GOOD, "flag": False}, bad])
    assert alone.code == after_a_good_one.code == "wrong_value_type"
    assert (alone.params["index"], after_a_good_one.params["index"]) == (0, 1)
    err = refused(model, [{**GOOD, "x": 10**400, "flag": True}])  # beyond any float
    assert err.code == "wrong_value_type"
    # a category that is a number is the same category whichever records come with it
    one = model.predict_proba([{**GOOD, "color": 3, "flag": True}]).to_numpy()
    mixed = model.predict_proba([{**GOOD, "color": "red", "flag": True},
                                 {**GOOD, "color": 3.0, "flag": True}]).to_numpy()
    assert abs(one[0] - mixed[1]).max() < 1e-5  # equal up to float32 batch rounding


def test_nulls_are_missing_values(model) -> None:
    nulls = {"x": None, "z": None, "color": None, "amount": None, "flag": None}
    assert len(model.predict([nulls])) == 1
