"""trainlab.fit checks column roles and ``arch`` before it prepares anything, and that the
model it builds fits the device's free memory (issue 14, 2.3)."""

from __future__ import annotations

import pytest

import trainlab
from trainlab.errors import TrainlabError
from trainlab.training import models


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"columns": {"target": "label", "bogus": "x"}}, "unknown_column_role"),
    ({"arch": {"x": 1}}, "unknown_arch_key"),
    ({"arch": {"layers": 100000, "hidden": 100000}}, "arch_out_of_range"),
])
def test_fit_refuses_unknown_roles_and_arch(ws, tabular_ds, kwargs, code) -> None:
    kwargs.setdefault("columns", {"target": "label"})
    with pytest.raises(TrainlabError) as err:
        trainlab.fit(tabular_ds, workspace=ws, max_steps=2, **kwargs)
    assert err.value.code == code and err.value.status == 422
    assert not any(ws.jobs_dir.iterdir())  # nothing started


def test_fit_refuses_a_model_larger_than_free_memory(ws, tabular_ds, monkeypatch) -> None:
    monkeypatch.setattr(models, "available_memory", lambda device: 2**20)
    with pytest.raises(TrainlabError) as err:
        trainlab.fit(tabular_ds, workspace=ws, columns={"target": "label"}, max_steps=2,
                     device="cpu")
    assert err.value.code == "model_too_large"
    assert not any(ws.jobs_dir.iterdir())


def test_parameter_count_is_exact_and_allocates_nothing() -> None:
    arch = models.planned_arch("gpt", {"layers": 2, "d_model": 64, "heads": 2})
    real = models.build("gpt", arch)
    assert models.parameter_count("gpt", arch) == sum(p.numel() for p in real.parameters())
    assert models.parameter_count("tabular", models.planned_arch(
        "tabular", {"hidden": 65536, "layers": 128})) > 5 * 10**11  # on "meta": no memory used
