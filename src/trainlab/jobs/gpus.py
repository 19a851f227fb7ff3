"""The GPUs of this machine: which exist, whether a job's ``devices=`` can run here, and which
GPUs the scheduler hands a job.

``devices`` is a count (``devices=2``: two processes, one GPU each, or two CPU processes with
the gloo backend when the job trains on the CPU) or a list of GPU indices (``devices=[0, 2]``:
the GPUs as ``nvidia-smi`` and ``CUDA_VISIBLE_DEVICES`` number them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.training.config import device_count


class DevicesError(TrainlabError):
    """A ``devices=`` this machine or this device cannot give; raised before anything starts."""

    status = 422


def detect_gpus() -> list[str]:
    """The GPUs this machine offers: ``CUDA_VISIBLE_DEVICES`` if set, else what torch sees
    (torch is imported only where an NVIDIA device exists)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip() and g.strip() != "-1"]
    if not (shutil.which("nvidia-smi") or Path("/dev/nvidia0").exists()):
        return []
    import torch

    return [str(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []


def check_devices(devices: Any, device: str = "auto", gpus: list[str] | None = None
                  ) -> tuple[int, list[str] | None]:
    """How many processes ``devices`` starts and, for a list, which GPUs (ids of ``gpus``,
    default :func:`detect_gpus`); a :class:`DevicesError` saying what to change otherwise.

    On ``device='cpu'`` (or ``auto`` on a machine without a GPU) a count means CPU processes;
    a list of GPU indices needs GPUs. ``cuda:N`` names one GPU, so it takes ``devices=1``.
    """
    count = device_count(devices)
    shown = repr(devices)
    if count == 0:
        if isinstance(devices, list | tuple) and len(set(map(str, devices))) < len(devices):
            raise DevicesError("devices_duplicate", value=shown)
        raise DevicesError("devices_invalid", value=shown)
    if count == 1 and not isinstance(devices, list | tuple):
        return 1, None
    text = str(device or "auto").strip().lower()
    here = detect_gpus() if gpus is None else [str(g) for g in gpus]
    on_cpu = text == "cpu" or (text == "auto" and not here)
    if text.startswith("cuda:") or text not in ("auto", "cpu", "cuda"):
        raise DevicesError("devices_one_device", value=shown, device=str(device))
    if on_cpu:
        if isinstance(devices, list | tuple):
            raise DevicesError("devices_list_needs_gpu", value=shown, device=text)
        return count, None
    if isinstance(devices, list | tuple):
        for index in devices:
            if str(index) not in here:
                raise DevicesError("devices_unknown_gpu", index=index, value=shown,
                                   gpus=", ".join(here) or "-")
        return count, [str(i) for i in devices]
    if count > len(here):
        raise DevicesError("devices_too_many", count=count, available=len(here),
                           gpus=", ".join(here) or "-")
    return count, None


def pick_gpus(gpus: list[str], load: dict[str, int], per_gpu: int, device: str,
              devices: Any = None) -> list[str] | None:
    """The GPUs for a job (``[]``: none wanted or none here), or None to wait for them: all
    that it asks for are free at once, or it waits (a job never starts on part of its set)."""
    if device == "cpu" or not gpus:
        return []
    if device.startswith("cuda:"):
        wanted = device.split(":", 1)[1]
        return [wanted] if load.get(wanted, 0) < per_gpu else None
    free = [g for g in gpus if load.get(g, 0) < per_gpu]
    if isinstance(devices, list | tuple):
        wanted_set = [str(g) for g in devices]
        return wanted_set if all(g in free for g in wanted_set) else None
    count = max(1, device_count(devices))
    if len(free) < count:
        return None
    return sorted(free, key=lambda g: load.get(g, 0))[:count]
