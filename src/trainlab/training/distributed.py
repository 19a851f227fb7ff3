"""DistributedDataParallel when launched by ``torchrun`` (WORLD_SIZE > 1); a no-op otherwise.

Rank 0 alone reports, checkpoints and saves the model; every rank evaluates the same
validation set, and a stop (requested or early) on any rank stops them all at the same step.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from typing import Any

import torch
import torch.distributed as torch_dist
from torch import nn


class Distributed:
    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.enabled = self.world > 1
        self.owns_group = False
        self.device = torch.device("cpu")

    def setup(self, device: torch.device) -> torch.device:
        """Join the process group; on CUDA each rank takes the GPU of its local rank."""
        if not self.enabled:
            return device
        self.device = device
        if device.type == "cuda":
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
            self.device = device
        if not torch_dist.is_initialized():
            torch_dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
            self.owns_group = True
        return device

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        if not self.enabled:
            return model
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)

    def no_sync(self, net: nn.Module, skip: bool) -> Any:
        """Skip the gradient all-reduce on all but the last micro-batch of an accumulated step."""
        return net.no_sync() if self.enabled and skip else nullcontext()

    def any(self, flag: bool) -> bool:
        if not self.enabled:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        torch_dist.all_reduce(value, op=torch_dist.ReduceOp.MAX)
        return bool(value.item())

    def broadcast(self, value: Any) -> Any:
        """Rank 0's value on every rank (the job id, say)."""
        if not self.enabled:
            return value
        box = [value]
        torch_dist.broadcast_object_list(box, src=0)
        return box[0]

    def close(self, failed: bool = False) -> None:
        """Leave the process group together: a rank that tears it down while rank 0 is still
        saving the model can abort in gloo's teardown ("terminate called without an active
        exception", seen once in the DDP test), so every rank waits at a barrier first.

        After a failure (``failed``) this rank leaves without a word: its peers wait in a
        collective it will never join, and a barrier would wait for them for ever. When this
        process exits its connections close, and the peers' collectives fail at once."""
        if failed:
            self.owns_group = False
            return
        if self.owns_group and torch_dist.is_initialized():
            try:
                torch_dist.barrier()
            except RuntimeError:  # a rank already gone: nothing left to wait for
                pass
            torch_dist.destroy_process_group()
