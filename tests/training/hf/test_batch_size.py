"""The automatic batch size of a pretrained run: on CUDA the largest power of two whose training
step fits, found by halving on out-of-memory (faked here: no GPU needed), never on CPU."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
from torch import nn

import trainlab
from tests.hf_models import tiny_classifier
from tests.training.conftest import reviews
from trainlab.training.hf import batch


class FillsAt(nn.Module):
    """A model whose forward runs out of memory above ``limit`` rows, as a GPU would."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.seen = limit, []
        self.linear = nn.Linear(4, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        self.seen.append(tuple(input_ids.shape))
        if len(input_ids) > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory (faked)")
        return self.linear(torch.ones(len(input_ids), input_ids.shape[1], 4))


def test_the_search_halves_from_the_largest_until_a_step_fits() -> None:
    model = FillsAt(limit=40)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    cpu = torch.device("cpu")
    size = batch.pick(lambda n: batch.probe(model, "causal-lm", 33, n, cpu, "fp32"),
                      batch.first_size(1000))
    assert size == 32
    assert model.seen == [(256, 33), (128, 33), (64, 33), (32, 33)]  # at the longest row
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # lr 0
    assert all(p.grad is None for p in model.parameters())


def test_the_first_size_is_a_power_of_two_within_the_rows() -> None:
    assert [batch.first_size(n) for n in (1, 7, 100, 256, 5000)] == [1, 4, 64, 256, 256]
    assert batch.pick(lambda n: False, 64) == 1


def test_no_probe_on_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object) -> bool:
        raise AssertionError("probed on CPU")

    monkeypatch.setattr(batch, "probe", never)
    folder = tiny_classifier(tmp_path / "model", texts=[r["review"] for r in reviews(60)],
                             layers=1)
    result = trainlab.fit(pd.DataFrame(reviews(40, seed=1)), task="text-classification",
                          columns={"text": "review", "label": "label"}, device="cpu",
                          workspace=trainlab.Workspace(tmp_path / "ws"), base_model=str(folder),
                          max_steps=1)
    assert result.config["batch_size"] == 16
    assert not any("fits the GPU" in note for note in result.notes)
