"""trainlab.fit from a DataFrame, the label=/target=/text= shortcuts, and clear errors for
inputs it does not take."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

import trainlab
from tests.training.conftest import TINY_TEXT, reviews, tabular_rows
from trainlab.errors import TrainlabError

FAST = {"max_steps": 4, "batch_size": 32}


def table_frame(n: int = 200) -> pd.DataFrame:
    frame = pd.DataFrame(tabular_rows(n)).rename(columns={"label": "churned"})
    frame["color"] = frame["color"].astype("category")
    return frame.set_index(pd.Index([f"c{i}" for i in range(n)], name="customer"))


def test_fit_from_a_dataframe_records_the_dataset(ws: trainlab.Workspace) -> None:
    df = table_frame()
    result = trainlab.fit(df, workspace=ws, label="churned", **FAST)
    assert result.status == "completed" and result.task == "tabular-classification"
    [ds] = ws.datasets.list()
    assert ds.rows == len(df) and ds.format == "jsonl"
    job = ws.jobs.get(result.job_id)
    assert job.dataset_id == ds.id == result.config["dataset_id"]
    assert result.config["columns"]["target"] == "churned"
    features = result.config["columns"]["features"]
    assert "customer" not in features and {"x", "z", "color"} <= set(features)
    pd.testing.assert_frame_equal(ds.to_pandas(), df)
    # the same frame again trains on the same dataset
    again = trainlab.fit(df.copy(), workspace=ws, target="churned", **FAST)
    assert again.config["dataset_id"] == ds.id and len(ws.datasets.list()) == 1
    model = trainlab.load_model(result.job_id, workspace=ws)
    assert model.predict({"x": 1.0, "z": 0.0, "color": "red", "amount": 3.0}) is not None


def test_fit_from_an_arrow_table_and_training_fit(ws: trainlab.Workspace) -> None:
    from trainlab.training import fit

    table = pa.Table.from_pylist(tabular_rows(120))
    result = fit(table, workspace=ws, target="amount", **FAST)
    assert result.task == "tabular-regression"
    assert ws.datasets.get(result.config["dataset_id"]).to_arrow().equals(table)


def test_plain_fit_of_a_dataframe_infers_everything(ws: trainlab.Workspace) -> None:
    df = pd.DataFrame(tabular_rows(150))
    result = trainlab.fit(df, workspace=ws, **FAST)
    assert result.status == "completed" and result.config["columns"]["target"] == "label"


def test_text_shortcuts(ws: trainlab.Workspace) -> None:
    df = pd.DataFrame(reviews(200)).rename(columns={"label": "mood"})
    result = trainlab.fit(df, workspace=ws, label="mood", text="review", arch=TINY_TEXT, **FAST)
    assert result.task == "text-classification"
    assert result.config["columns"] == {"label": "mood", "text": "review"}
    # with no text=, the free-text column makes label= the text classifier's label
    inferred = trainlab.fit(df, workspace=ws, label="mood", arch=TINY_TEXT, **FAST)
    assert inferred.task == "text-classification"


def test_shortcuts_map_to_roles_and_conflicts_are_refused(ws: trainlab.Workspace) -> None:
    from trainlab.datasets.dataset import Dataset
    from trainlab.training.columns import with_shortcuts

    ds: Dataset = ws.datasets.add(table_frame(60))
    assert with_shortcuts(ds, "tabular", {}, {"label": "churned"}) == {"target": "churned"}
    assert with_shortcuts(ds, "text-classification", {}, {"target": "churned"}) == \
        {"label": "churned"}
    assert with_shortcuts(ds, None, {"features": ["x"]}, {"label": "churned"}) == \
        {"features": ["x"], "target": "churned"}
    assert with_shortcuts(ds, None, {"target": "churned"}, {"label": "churned"}) == \
        {"target": "churned"}
    with pytest.raises(TrainlabError) as info:
        trainlab.fit(ds, workspace=ws, label="churned", columns={"target": "amount"}, **FAST)
    assert info.value.code == "shortcut_conflict" and "amount" in str(info.value)
    with pytest.raises(TrainlabError) as info:  # no columns= here: the message says so
        trainlab.fit(ds, workspace=ws, label="churned", target="amount", **FAST)
    assert info.value.code == "shortcut_two_columns" and "columns=" not in str(info.value)
    assert "label='churned' and target='amount' name different columns" in str(info.value)
    assert "target='amount'" in info.value.message("fa")
    with pytest.raises(TrainlabError) as info:  # causal-lm has no label role
        trainlab.fit(ds, workspace=ws, task="causal-lm", label="churned", **FAST)
    assert info.value.code == "unknown_column_role"
    assert ws.jobs.list() == []


@pytest.mark.parametrize(("kwargs", "got"), [
    ({"dataset": [1, 2, 3]}, "got list"),
    ({"dataset": None}, "got None"),
    ({"dataset": {"x": [1]}}, "got dict"),
])
def test_an_unsupported_input_is_a_clear_error(ws: trainlab.Workspace, kwargs, got) -> None:
    with pytest.raises(TrainlabError) as info:
        trainlab.fit(**kwargs, workspace=ws, **FAST)
    assert info.value.code == "invalid_argument"
    assert f"a Dataset, a dataset id, a path, or a DataFrame; {got}" in str(info.value)
    assert not isinstance(info.value, TypeError) and ws.jobs.list() == []


def test_an_unsupported_resume_from_is_a_clear_error(ws: trainlab.Workspace) -> None:
    from trainlab.training import fit

    for call in (trainlab.fit, fit):
        with pytest.raises(TrainlabError) as info:
            call(resume_from=["job_x"], workspace=ws)
        assert info.value.code == "invalid_argument" and "got list" in str(info.value)


def test_a_frames_index_is_never_the_inferred_label_or_a_feature(ws: trainlab.Workspace) -> None:
    from trainlab.training.columns import infer

    df = pd.DataFrame(tabular_rows(60)).rename(columns={"label": "outcome"})
    df.index = pd.Index([f"row{i}" for i in range(60)], name="label")
    ds = ws.datasets.add(df)
    assert "label" in ds.schema  # stored as a column, restored as the index
    task, columns = infer(ds, None, None)
    assert task == "tabular" and columns["target"] == "outcome"
    assert "label" not in columns["features"]


def notes_frame(n: int = 200) -> pd.DataFrame:
    """A customer table with a free-text column among numeric features."""
    moods = ["happy with the service", "annoyed by the fees", "asking about the plan"]
    return pd.DataFrame({
        "tenure": [i % 37 for i in range(n)],
        "fee": [round(10 + (i * 7) % 23 * 0.5, 2) for i in range(n)],
        "notes": [f"customer {i} wrote that they are {moods[i % 3]} this month" for i in range(n)],
        "churned": ["yes" if (i % 37) < 12 else "no" for i in range(n)]})


@pytest.mark.parametrize("keyword", ["label", "target"])
def test_a_table_with_a_text_column_trains_tabular(ws: trainlab.Workspace, keyword) -> None:
    # label= is text classification only on a table of free text and a label; here tenure
    # and fee are features, so label= and target= both train a tabular model that keeps them
    result = trainlab.fit(notes_frame(), workspace=ws, **{keyword: "churned"}, **FAST)
    assert result.task == "tabular-classification"
    assert result.config["columns"]["target"] == "churned"
    assert {"tenure", "fee"} <= set(result.config["columns"]["features"])


def test_a_float_label_is_regression_and_a_label_of_single_rows_says_so(ws: trainlab.Workspace
                                                                        ) -> None:
    df = notes_frame()[["notes"]].assign(price=[10.0 + i * 0.37 for i in range(200)])
    result = trainlab.fit(df, workspace=ws, label="price", **FAST)
    assert result.task == "tabular-regression"  # not a 200-class text classifier
    with pytest.raises(TrainlabError) as info:  # forced: every class has a single row
        trainlab.fit(df, workspace=ws, task="text-classification", label="price", **FAST)
    text = str(info.value)
    assert info.value.code == "val_no_repeated_class" and "needs at least" not in text
    assert "Too many classes for the rows: 'price'" in text and "200 distinct values" in text
