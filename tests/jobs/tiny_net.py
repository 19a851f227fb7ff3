"""A module for the multi-process tests: a class the rank processes can import."""

from __future__ import annotations

import torch


class TinyNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


class FailOnRankZero:
    """A loss that raises on rank 0 at its ``at``-th call (the other ranks go on): rank 0's own
    error, while its peers wait for it in a collective."""

    def __init__(self, at: int = 3) -> None:
        self.at, self.calls = at, 0

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        import os

        self.calls += 1
        if os.environ.get("RANK") == "0" and self.calls == self.at:
            raise ValueError("a loss that fails on rank 0")
        return torch.nn.functional.mse_loss(output, target)
