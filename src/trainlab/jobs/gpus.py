"""The GPUs of this machine: which exist, whether a job's ``devices=`` can run here, and which
GPUs the scheduler hands a job.

``devices`` is a count (``devices=2``: two processes, one GPU each, or two CPU processes with
the gloo backend when the job trains on the CPU) or a list of GPU ids of the server's set
(``devices=[0, 2]``: ids as ``CUDA_VISIBLE_DEVICES`` takes them).

The set a server hands out (:func:`detect_gpus`) is what the platform gave it, so a job never
touches a GPU outside it:

- ``CUDA_VISIBLE_DEVICES`` set (a spawner, a batch system): its entries, indices or
  ``GPU-``/``MIG-`` UUIDs, up to the first negative one, as CUDA reads it; ``""`` or ``-1``:
  none. A worker gets a subset of these ids, so CUDA resolves them as it does for the server.
- else ``NVIDIA_VISIBLE_DEVICES`` set (Kubernetes' device plugin, the NVIDIA container
  runtime): ``""``, ``void`` and ``none``: none; ``all``: every GPU CUDA sees. A list of UUIDs:
  those UUIDs (valid inside and outside the container). A list of indices: inside the
  container the runtime exposed exactly those GPUs and CUDA numbers them ``0..n-1``, so those
  numbers; when CUDA sees more GPUs than listed, the runtime did not apply the list (no
  container) and its indices are taken as CUDA's own.
- else every GPU CUDA sees (torch is imported only where an NVIDIA device exists).

``device="cuda:N"`` is the N-th GPU of the set, as torch numbers them in a kernel that sees
the same set; the worker gets that GPU's id.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError
from trainlab.training.config import device_count

NO_GPUS = ("", "void", "none")  # NVIDIA_VISIBLE_DEVICES values that expose no GPU


class DevicesError(TrainlabError):
    """A ``devices=`` this machine or this device cannot give; raised before anything starts."""

    status = 422


def visible_gpu_count() -> int:
    """How many GPUs CUDA sees in this process's environment, without ``CUDA_VISIBLE_DEVICES``
    narrowing it (0 where no NVIDIA device exists; torch is imported only where one does)."""
    if not (shutil.which("nvidia-smi") or Path("/dev/nvidia0").exists()):
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _uuid(entry: str) -> bool:
    return entry.upper().startswith(("GPU-", "MIG-"))


def _negative(entry: str) -> bool:
    return entry.startswith("-") and entry[1:].isdigit()


def detect_gpus() -> list[str]:
    """The ids of the GPUs this server may hand out (see the module's docstring for the rule):
    ``CUDA_VISIBLE_DEVICES``, else ``NVIDIA_VISIBLE_DEVICES``, else every GPU CUDA sees."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        found: list[str] = []
        for entry in (e.strip() for e in visible.split(",")):
            if not entry or _negative(entry):  # CUDA stops at the first invalid entry
                break
            found.append(entry)
        return found
    nvidia = os.environ.get("NVIDIA_VISIBLE_DEVICES")
    if nvidia is not None and nvidia.strip().lower() != "all":
        entries = [e.strip() for e in nvidia.split(",") if e.strip()]
        if nvidia.strip().lower() in NO_GPUS or not entries:
            return []
        if all(_uuid(e) for e in entries):
            return entries
        count = visible_gpu_count()
        if count > len(entries) and all(e.isdigit() and int(e) < count for e in entries):
            return entries  # not applied by a runtime: CUDA sees the host's GPUs, these among them
        return [str(i) for i in range(min(count, len(entries)))]
    return [str(i) for i in range(visible_gpu_count())]


def gpu_set(configured: list[str] | None = None, source: str = "c.TrainlabApp.gpus") -> list[str]:
    """The GPUs a scheduler hands out: ``configured`` (e.g. ``c.TrainlabApp.gpus``), each of
    which must be one of :func:`detect_gpus`, or all of them when None. A configured GPU outside
    the set is a :class:`TrainlabError` (``gpus_outside_set``) naming the set and where it
    came from."""
    here = detect_gpus()
    if configured is None:
        return here
    wanted = [str(g).strip() for g in configured]
    for gpu in wanted:
        if gpu not in here:
            raise TrainlabError("gpus_outside_set", gpu=gpu, source=source,
                                gpus=", ".join(here) or "none", given=gpu_source())
    return wanted


def gpu_source() -> str:
    """Which variable gave this server its GPUs, for messages and /health."""
    for name in ("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"):
        if os.environ.get(name) is not None:
            return f"{name}={os.environ[name]!r}"
    return "every GPU CUDA sees"


def check_devices(devices: Any, device: str = "auto", gpus: list[str] | None = None
                  ) -> tuple[int, list[str] | None]:
    """How many processes ``devices`` starts and, for a list, which GPUs (ids of ``gpus``,
    default :func:`detect_gpus`); a :class:`DevicesError` saying what to change otherwise.

    On ``device='cpu'`` (or ``auto`` on a machine without a GPU) a count means CPU processes;
    a list of GPU ids needs GPUs. ``cuda:N`` names one GPU (the N-th of the set: a larger N is
    refused), so it takes ``devices=1``.
    """
    count = device_count(devices)
    shown = repr(devices)
    here = None if gpus is None else [str(g) for g in gpus]
    text = str(device or "auto").strip().lower()
    if text.startswith("cuda:"):  # the N-th GPU of the set: one that exists
        here = detect_gpus() if here is None else here
        number = text[5:]
        if here and (not number.isdigit() or int(number) >= len(here)):
            raise DevicesError("device_outside_set", device=str(device), count=len(here),
                               last=len(here) - 1, gpus=", ".join(here))
    if count == 0:
        if isinstance(devices, list | tuple) and len(set(map(str, devices))) < len(devices):
            raise DevicesError("devices_duplicate", value=shown)
        raise DevicesError("devices_invalid", value=shown)
    if count == 1 and not isinstance(devices, list | tuple):
        return 1, None
    here = detect_gpus() if here is None else here
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
    if device.startswith("cuda:"):  # the N-th of the set (check_devices refused any other)
        number = device.split(":", 1)[1]
        wanted = gpus[int(number)] if number.isdigit() and int(number) < len(gpus) else number
        return [wanted] if load.get(wanted, 0) < per_gpu else None
    free = [g for g in gpus if load.get(g, 0) < per_gpu]
    if isinstance(devices, list | tuple):
        wanted_set = [str(g) for g in devices]
        return wanted_set if all(g in free for g in wanted_set) else None
    count = max(1, device_count(devices))
    if len(free) < count:
        return None
    return sorted(free, key=lambda g: load.get(g, 0))[:count]
