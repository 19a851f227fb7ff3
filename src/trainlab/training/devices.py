"""Choosing the device and the precision a run trains with."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import nullcontext
from typing import Any

import torch

from trainlab.errors import TrainlabError


class DeviceError(TrainlabError):
    status = 400


def resolve_device(spec: str | torch.device | None = "auto") -> tuple[torch.device, list[str]]:
    """``auto`` picks CUDA, then MPS, then CPU (and says so); ``cuda:1`` must exist."""
    notes: list[str] = []
    text = str(spec or "auto").strip().lower()
    shown = printable(str(spec))
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device()), notes
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps"), notes
        notes.append("No GPU found (CUDA or MPS); training on the CPU.")
        return torch.device("cpu"), notes
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError) as exc:  # ValueError: text C++ cannot take
        raise DeviceError("unknown_device", device=shown, detail=printable(str(exc))) from exc
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise DeviceError("cuda_unavailable", device=shown)
        index = 0 if device.index is None else device.index
        if index >= count:
            raise DeviceError("no_such_gpu", device=shown, count=count)
        return torch.device("cuda", index), notes
    if device.type == "mps" and not (getattr(torch.backends, "mps", None)
                                     and torch.backends.mps.is_available()):
        raise DeviceError("cuda_unavailable", device=shown)
    if device.type not in ("cpu", "cuda", "mps"):
        raise DeviceError("unknown_device", device=shown,
                          detail=f"trainlab does not train on '{device.type}' devices")
    return device, notes


def printable(text: str) -> str:
    """``text`` with what UTF-8 cannot carry (a lone surrogate) escaped, for a message."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def resolve_precision(device: torch.device, precision: str = "auto") -> str:
    """``fp32`` off CUDA; on CUDA ``auto`` is bf16 where supported, else fp16 (with a scaler)."""
    if precision not in ("auto", "fp32", "bf16", "fp16"):
        raise DeviceError("invalid_argument", name="precision",
                          detail=f"{precision!r}; use auto, fp32, bf16 or fp16")
    if device.type != "cuda":
        return "fp32" if precision == "auto" else ("fp32" if precision == "fp16" else precision)
    if precision == "auto":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return precision


def autocast(device: torch.device, precision: str) -> Any:
    if precision == "fp32":
        return nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device.type, dtype=dtype)


def devices() -> list[dict[str, Any]]:
    """What a person can pick: the CPU and each GPU with its name and free memory."""
    found: list[dict[str, Any]] = [{"id": "cpu", "name": "CPU", "type": "cpu"}]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            free, total = torch.cuda.mem_get_info(i)
            found.append({"id": f"cuda:{i}", "name": torch.cuda.get_device_name(i), "type": "cuda",
                          "free_bytes": int(free), "total_bytes": int(total)})
    return found


def available_memory(device: torch.device) -> int | None:
    """Bytes free for a new run: a GPU's free memory, the CPU's available RAM (Linux's
    ``MemAvailable``, else free pages); None where it cannot be known (MPS)."""
    if device.type == "cuda":
        if torch.cuda.is_initialized():  # this process trains on it already: ask CUDA
            return int(torch.cuda.mem_get_info(device)[0])
        # A process that does not train (the Jupyter server checking a job at submit) must
        # not open a CUDA context for this: it would hold GPU memory for its whole life.
        return _nvidia_smi_free(device.index or 0)
    if device.type != "cpu":
        return None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def peak_flops(device: torch.device, precision: str) -> float | None:
    """Dense peak of the GPU for MFU, from its name; None where unknown."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    table = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12,
             "L4": 121e12, "4090": 165e12, "3090": 71e12, "V100": 125e12, "T4": 65e12}
    for key, flops in table.items():
        if key in name:
            return flops if precision != "fp32" else flops / 8
    return None


def _nvidia_smi_free(index: int) -> int | None:
    """Free bytes on GPU ``index`` (as CUDA_VISIBLE_DEVICES shows it) from nvidia-smi."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible:
        ids = [v.strip() for v in visible.split(",") if v.strip()]
        if index >= len(ids):
            return None
        physical = ids[index]
    else:
        physical = str(index)
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        out = subprocess.run([smi, "--query-gpu=memory.free", "--format=csv,noheader,nounits",
                              "-i", physical], capture_output=True, text=True, timeout=10)
        return int(out.stdout.strip().splitlines()[0]) * 1024 * 1024 if out.returncode == 0 else None
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None
