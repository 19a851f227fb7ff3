"""Checking a job's memory at submit must not open a CUDA context in the Jupyter server."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import torch

from trainlab.training.devices import available_memory


def test_free_gpu_memory_comes_from_nvidia_smi_without_a_cuda_context(tmp_path: Path,
                                                                        monkeypatch) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text('#!/bin/sh\n[ "$3" = "-i" ] && [ "$4" = "3" ] && echo 1234 && exit 0\nexit 1\n')
    smi.chmod(smi.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)

    def no_context(*args):
        raise AssertionError("mem_get_info opens a CUDA context")

    monkeypatch.setattr(torch.cuda, "mem_get_info", no_context)
    assert available_memory(torch.device("cuda:1")) == 1234 * 1024 * 1024  # GPU 3
    assert available_memory(torch.device("cuda:2")) is None  # not visible
