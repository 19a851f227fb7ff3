"""Your own nn.Module, data, loss and metrics through the same loop."""

from __future__ import annotations

import threading

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import trainlab


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _data(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=gen)
    return x, (x[:, 0] * x[:, 1] > 0).long()  # XOR-like: needs the hidden layer


def accuracy(out: torch.Tensor, y: torch.Tensor) -> float:
    return (out.argmax(1) == y).float().mean().item()


def test_tensors_learn_and_the_weights_load_back(ws: trainlab.Workspace) -> None:
    result = trainlab.fit(model=Net(), train=_data(2000, 0), val=_data(400, 1), loss=F.cross_entropy,
                          metrics={"accuracy": accuracy}, workspace=ws, epochs=15, batch_size=64,
                          lr=1e-2, device="cpu")
    assert result.task == "custom" and result.status == "completed"
    assert result.metrics["accuracy"] > 0.9, result.history
    fresh = trainlab.load_model(result.model_path, model=Net())
    x, _ = _data(10, 2)
    assert torch.equal(fresh(x), result.module(x))
    try:
        trainlab.load_model(result.model_path)
    except trainlab.TrainlabError as err:
        assert err.code == "custom_model_needed"
    else:
        raise AssertionError("a custom model needs its module")


def test_a_dataset_or_a_loader_works_too(ws: trainlab.Workspace) -> None:
    train = TensorDataset(*_data(512, 0))
    by_dataset = trainlab.fit(model=Net(), train=train, val=TensorDataset(*_data(128, 1)),
                              loss=F.cross_entropy, workspace=ws, epochs=2, batch_size=32)
    assert by_dataset.steps == 2 * 16 and "loss" in by_dataset.metrics
    loader = DataLoader(train, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
    by_loader = trainlab.fit(model=Net(), train=loader, loss=F.cross_entropy, workspace=ws, epochs=1)
    assert by_loader.steps == 8 and by_loader.metrics == {}  # no validation data, no metrics


def test_custom_runs_stop_and_resume_exactly(ws: trainlab.Workspace) -> None:
    settings = {"loss": F.cross_entropy, "workspace": ws, "epochs": 2, "batch_size": 64,
                "log_every": 1, "device": "cpu", "seed": 1}
    torch.manual_seed(0)
    whole = trainlab.fit(model=Net(), train=_data(640, 0), **settings)
    stop = threading.Event()

    class StopAt(trainlab.Callback):
        def on_step(self, step, *rest):
            if step == 10:
                stop.set()

    torch.manual_seed(0)
    stopped = trainlab.fit(model=Net(), train=_data(640, 0), stop=stop, callbacks=[StopAt()],
                           **settings)
    assert stopped.status == "stopped" and stopped.steps == 10
    resumed = trainlab.fit(model=Net(), train=_data(640, 0), loss=F.cross_entropy, workspace=ws,
                           resume_from=stopped.job_id)
    assert resumed.steps == whole.steps == 20
    for name, tensor in whole.module.state_dict().items():
        assert torch.equal(tensor, resumed.module.state_dict()[name]), name


def test_compile_true_trains_through_torch_compile(ws: trainlab.Workspace) -> None:
    calls = {"n": 0}
    real = torch.compile

    def counting(module, *args, **kwargs):
        calls["n"] += 1
        return real(module, *args, **kwargs)

    torch.compile = counting
    try:
        result = trainlab.fit(model=Net(), train=_data(256, 0), val=_data(64, 1), loss=F.cross_entropy,
                              workspace=ws, epochs=1, batch_size=64, compile=True, device="cpu")
    finally:
        torch.compile = real
    assert calls["n"] == 1 and result.status == "completed" and result.steps == 4
    assert trainlab.load_model(result.model_path, model=Net())  # weights saved from the plain module
