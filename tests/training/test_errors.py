"""Bad requests fail before any tensor is built, with a code and a way out."""

from __future__ import annotations

from pathlib import Path

import pytest

import trainlab
from tests.training.conftest import tabular_rows, write_jsonl
from trainlab.errors import DatasetError, TrainlabError


@pytest.mark.parametrize(("params", "code"), [
    ({"epoch": 3}, "unknown_parameter"),
    ({"lr": -1}, "parameter_out_of_range"),
    ({"batch_size": 0}, "parameter_out_of_range"),
    ({"val_fraction": 1.5}, "parameter_out_of_range"),
    ({"precision": "fp8"}, "parameter_out_of_range"),
    ({"device": "cuda:0"}, "cuda_unavailable"),
    ({"device": "tpu"}, "unknown_device"),
])
def test_bad_parameters(ws, tabular_ds, params, code) -> None:
    if code == "cuda_unavailable":
        import torch

        if torch.cuda.is_available():
            pytest.skip("this machine has a GPU")
    with pytest.raises(TrainlabError) as err:
        trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, **params)
    assert err.value.code == code
    assert not any(ws.jobs_dir.iterdir())  # nothing started
    if code == "unknown_parameter":
        assert "epochs" in str(err.value)  # suggests the close name


def test_unknown_column_is_named_with_a_suggestion(ws, tabular_ds) -> None:
    with pytest.raises(DatasetError) as err:
        trainlab.fit(tabular_ds, workspace=ws, columns={"target": "labl"})
    assert err.value.code == "column_not_found" and "label" in str(err.value)


def test_wrong_column_type_is_refused(ws, reviews_ds) -> None:
    with pytest.raises(DatasetError) as err:
        trainlab.fit(reviews_ds, workspace=ws, task="tabular-regression", columns={"target": "label"})
    assert err.value.code == "not_trainable" and "numeric" in str(err.value)


def test_invalid_rows_refused_unless_skipped(ws: trainlab.Workspace, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", tabular_rows(120))
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"x": 1, "label": \n')
        f.write('{"x": 2, "z": 1, "color": "red", "amount": 1}\n')  # no label: unusable
    ds = ws.datasets.add(path)
    assert ds.status == "invalid"
    with pytest.raises(DatasetError) as err:
        trainlab.fit(ds, workspace=ws, columns={"target": "label"})
    assert err.value.code == "invalid_rows" and "skip_invalid=True" in str(err.value)
    result = trainlab.fit(ds, workspace=ws, columns={"target": "label"}, skip_invalid=True,
                          max_steps=5)
    assert result.config["n_train"] + result.config["n_val"] == 120


def test_too_few_rows(ws: trainlab.Workspace, tmp_path: Path) -> None:
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", tabular_rows(3)))
    with pytest.raises(DatasetError) as err:
        trainlab.fit(ds, workspace=ws, columns={"target": "amount"})
    assert err.value.code == "too_few_rows"


def test_a_dataset_with_nothing_to_guess(ws: trainlab.Workspace, tmp_path: Path) -> None:
    ds = ws.datasets.add(write_jsonl(tmp_path / "t.jsonl", [{"a": i, "b": i * 2} for i in range(20)]))
    with pytest.raises(DatasetError) as err:
        trainlab.fit(ds, workspace=ws)
    assert err.value.code == "no_columns" and "columns=" in str(err.value)


def test_custom_needs_its_parts() -> None:
    import torch

    with pytest.raises(TrainlabError) as err:
        trainlab.fit(model=torch.nn.Linear(2, 1), train=(torch.zeros(4, 2), torch.zeros(4, 1)))
    assert err.value.code == "custom_needs" and "loss" in str(err.value)


def test_resume_from_nothing(ws) -> None:
    with pytest.raises(TrainlabError) as err:
        trainlab.fit(resume_from="job_nothing", workspace=ws)
    assert err.value.code == "checkpoint_not_found"


def test_messages_in_persian(ws, tabular_ds, monkeypatch) -> None:
    monkeypatch.setenv("TRAINLAB_LANG", "fa")
    with pytest.raises(TrainlabError) as err:
        trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, lr=0)
    assert "خارج از بازه" in err.value.message()
