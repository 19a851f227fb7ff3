"""The byte tokenizer, windows and masks, splits, caching and devices."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch

import trainlab
from trainlab.training import tokenizer
from trainlab.training.devices import resolve_device, resolve_precision
from trainlab.training.tasks import split_indices
from trainlab.training.tasks.text import _prompt_rows, _windows
from trainlab.training.tokenizer import BOS, EOS, PAD, SEP


def test_bytes_round_trip_any_language() -> None:
    for text in ("hello", "سلام دنیا", "日本語", "emoji 🙂", ""):
        assert tokenizer.decode(tokenizer.encode(text)) == text


def test_encode_matrix_pads_truncates_and_reads_sliced_arrays() -> None:
    rows = tokenizer.encode_matrix(pa.array(["skip", "ab", None, "abcdefgh"]).slice(1), 5,
                                   prefix=[BOS], suffix=[EOS])
    assert rows.tolist() == [[BOS, 97, 98, EOS, PAD], [BOS, EOS, PAD, PAD, PAD],
                             [BOS, 97, 98, 99, 100]]
    persian = tokenizer.encode_matrix(["سلام"], 9)
    assert tokenizer.decode(persian[0]) == "سلام"


def test_documents_become_overlapping_windows() -> None:
    rows = _windows(pa.chunked_array([pa.array(["ab", "c"])]), 4)
    stream = [BOS, 97, 98, EOS, BOS, 99, EOS]
    assert rows[:, :].tolist()[0] == stream[:4]
    assert rows[1].tolist() == stream[3:7]   # one token of overlap: every token is a target once


def test_prompt_rows_mark_where_the_completion_starts() -> None:
    rows, starts = _prompt_rows(pa.chunked_array([pa.array(["1+1="])]),
                                pa.chunked_array([pa.array(["2"])]), 9)
    assert rows[0].tolist() == [BOS, 49, 43, 49, 61, SEP, 50, EOS, PAD]
    assert starts.tolist() == [6]


def test_stratified_split_keeps_every_class_in_validation() -> None:
    groups = np.array(["a"] * 90 + ["b"] * 10)
    train, val = split_indices(100, 0.2, 0, groups)
    assert len(val) == 20 and set(groups[val]) == {"a", "b"} and (groups[val] == "b").sum() == 2
    assert not set(train) & set(val) and len(train) + len(val) == 100
    again, _ = split_indices(100, 0.2, 0, groups)
    assert (again == train).all()


def test_tensors_are_cached_beside_the_dataset(ws: trainlab.Workspace, tabular_ds) -> None:
    first = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, max_steps=3)
    second = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, max_steps=3)
    assert not first.cached_tensors and second.cached_tensors
    assert list((tabular_ds.directory / "cache").glob("*.safetensors"))
    assert first.history == second.history
    other = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, max_steps=3, seed=5)
    assert not other.cached_tensors  # a different split is different tensors


def test_auto_device_falls_back_to_cpu_and_says_so() -> None:
    device, notes = resolve_device("auto")
    if not torch.cuda.is_available():
        assert device.type in ("cpu", "mps")
        assert device.type == "mps" or "CPU" in notes[0]
    assert resolve_precision(torch.device("cpu"), "auto") == "fp32"


@pytest.mark.gpu
def test_cuda_trains_with_mixed_precision(ws: trainlab.Workspace, reviews_ds) -> None:
    result = trainlab.fit(reviews_ds, workspace=ws, device="cuda", max_steps=50)
    assert result.device.startswith("cuda") and result.precision in ("bf16", "fp16")
    assert result.tokens_per_s and result.tokens_per_s > 0
    assert trainlab.load_model(result.model_path, device="cuda").predict(["great"]) in (["pos"], ["neg"])
    with pytest.raises(trainlab.TrainlabError) as err:
        trainlab.fit(reviews_ds, workspace=ws, device=f"cuda:{torch.cuda.device_count()}")
    assert err.value.code == "no_such_gpu"


@pytest.mark.gpu
def test_cuda_causal_lm_with_compile(ws: trainlab.Workspace, reviews_ds) -> None:
    result = trainlab.fit(reviews_ds, task="causal-lm", columns={"text": "review"}, workspace=ws,
                          device="cuda", max_steps=30, compile=True)
    assert result.status == "completed" and (result.mfu is None or result.mfu > 0)


def test_defaults_come_from_the_data_size() -> None:
    from trainlab.training.config import TrainConfig

    small = TrainConfig().resolved("tabular-classification", 500)
    # 16 steps an epoch; 188 epochs reach the 3,000-step budget
    assert small.batch_size == 32 and small.epochs == 188 and small.eval_every == 16
    big = TrainConfig().resolved("tabular-classification", 10_000_000)
    assert big.batch_size == 256 and big.epochs == 1 and big.max_steps == 15_000
    assert big.total_steps(10_000_000) == 15_000 and big.eval_every == 1000
    mine = TrainConfig(epochs=3).resolved("causal-lm", 10_000_000)
    assert mine.max_steps is None and mine.epochs == 3


def test_a_validation_dataset_replaces_the_split(ws: trainlab.Workspace, tabular_ds, tmp_path) -> None:
    from tests.training.conftest import tabular_rows, write_jsonl

    held_out = ws.datasets.add(write_jsonl(tmp_path / "val.jsonl", tabular_rows(50, seed=9)))
    result = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"},
                          validation=held_out.id, max_steps=20)
    assert result.config["n_val"] == 50 and result.config["n_train"] == tabular_ds.rows
    assert result.metrics["accuracy"] > 0.5


def test_a_path_is_added_to_the_workspace_first(ws: trainlab.Workspace, tmp_path) -> None:
    from tests.training.conftest import tabular_rows, write_jsonl

    path = write_jsonl(tmp_path / "new.jsonl", tabular_rows(60))
    result = trainlab.fit(path, workspace=ws, max_steps=5)
    assert [d.name for d in ws.datasets.list()] == ["new.jsonl"]
    assert result.config["dataset_id"] == ws.datasets.list()[0].id
    assert result.config["columns"]["target"] == "label"  # inferred from the name


def test_the_task_check_is_remembered_beside_the_dataset(ws: trainlab.Workspace, tabular_ds,
                                                         monkeypatch) -> None:
    first = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, max_steps=3)
    assert list((tabular_ds.directory / "cache").glob("check-*.json"))
    wrong = {"task": "tabular-regression", "columns": {"target": "color"}}
    with pytest.raises(trainlab.TrainlabError) as err:
        trainlab.fit(tabular_ds, workspace=ws, **wrong)
    assert err.value.code == "not_trainable"

    def no_second_pass(*args, **kwargs):
        raise AssertionError("the dataset was checked again")

    monkeypatch.setattr(type(tabular_ds), "check", no_second_pass)
    second = trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, max_steps=3)
    assert second.history == first.history
    resolved = trainlab.fit(tabular_ds, workspace=ws, task="tabular-classification",
                            columns={"target": "label"}, max_steps=3)  # as a job's worker asks
    assert resolved.history == first.history
    monkeypatch.setenv("TRAINLAB_LANG", "fa")
    with pytest.raises(trainlab.TrainlabError) as err:  # a remembered report speaks Persian too
        trainlab.fit(tabular_ds, workspace=ws, **wrong)
    message = err.value.message()
    assert err.value.code == "not_trainable"
    assert "قابل استفاده نیست" in message and "نیاز دارد" in message
