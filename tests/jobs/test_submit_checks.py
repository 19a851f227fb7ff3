"""Submit checks everything it says it checks (issue 14, 2.3): the device exists on this
machine, every column role and ``arch`` setting is known and in bounds, and the model fits in
the device's free memory; nothing is queued otherwise."""

from __future__ import annotations

import warnings

import pytest
import torch

from trainlab.errors import TrainlabError
from trainlab.training import models

NO_GPU = "no_such_gpu" if torch.cuda.is_available() else "cuda_unavailable"


def refused(ws, ds, **spec) -> TrainlabError:
    with pytest.raises(TrainlabError) as err:
        ws.jobs.submit({"dataset_id": ds.id, "columns": {"target": "label"}, **spec})
    assert err.value.status == 422
    assert ws.jobs.list() == []
    return err.value


@pytest.mark.parametrize(("device", "code"), [
    ("meta", "unknown_device"), ("../../etc", "unknown_device"), ("cuda:99", NO_GPU),
    ("tpu", "unknown_device")])
def test_a_device_this_machine_lacks_is_refused(ws, ds, device, code) -> None:
    err = refused(ws, ds, device=device)
    assert err.code == code and device in str(err)


@pytest.mark.parametrize(("arch", "code", "named"), [
    ({"x": 1}, "unknown_arch_key", "hidden, layers, dropout"),
    ({"n_out": 7}, "unknown_arch_key", "'n_out'"),  # sizes that come from the data
    ({"layers": 100000, "hidden": 100000}, "arch_out_of_range", "[1, 128]"),
    ({"hidden": "wide"}, "arch_out_of_range", "'hidden'"),
    ({"layers": True}, "arch_out_of_range", "'layers'"),
    ({"layers": 2.5}, "arch_out_of_range", "whole number"),
    ({"dropout": float("nan")}, "arch_out_of_range", "'dropout'"),
    ({"hidden": 65536, "layers": 128}, "model_too_large", "parameters"),  # in bounds, too big
])
def test_arch_is_checked_per_model(ws, ds, arch, code, named) -> None:
    err = refused(ws, ds, params={"arch": arch})
    assert err.code == code and named in str(err)


def test_the_model_must_fit_the_devices_free_memory(ws, ds, monkeypatch) -> None:
    seen = []

    def small(device):
        seen.append(device)
        return 2**20  # one MiB free

    monkeypatch.setattr(models, "available_memory", small)
    err = refused(ws, ds, device="cpu")
    assert err.code == "model_too_large" and err.params["free"] == "0.0"
    assert seen == [torch.device("cpu")]


def test_unknown_column_roles_are_refused(ws, ds) -> None:
    err = refused(ws, ds, task="causal-lm", columns={"text": "color", "bogus": "label"})
    assert err.code == "unknown_column_role" and "'bogus'" in str(err)
    assert "text, prompt, completion" in str(err)
    err = refused(ws, ds, columns={"target": "label", "bogus": "x"})
    assert err.code == "unknown_column_role"


def test_a_sound_arch_is_accepted(ws, ds) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = ws.jobs.submit(dataset_id=ds.id, columns={"target": "label"}, device="cpu",
                             params={"arch": {"hidden": 64, "layers": 3, "dropout": 0}})
    assert job.status == "queued"
