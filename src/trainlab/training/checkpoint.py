"""Checkpoints: everything needed to continue a run exactly, written atomically, read without
unpickling code (``torch.load(weights_only=True)``)."""

from __future__ import annotations

import errno
import os
import pickle
import random
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch

from trainlab.errors import NotFoundError, TrainlabError
from trainlab.workspace.files import atomic_writer


def rng_state() -> dict[str, Any]:
    _mt, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {"torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                      "has_gauss": int(has_gauss), "gauss": float(gauss)},
            "python": {"version": version, "state": list(internal), "gauss": gauss_next}}


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["gauss"]))
    p = state["python"]
    random.setstate((p["version"], tuple(p["state"]), p["gauss"]))


def save(path: Path, state: dict[str, Any], tmp_dir: Path) -> Path:
    """Write atomically: a reader (or a resume after a crash mid-write) sees the old file or
    the new one. A full or read-only disk is a clear ``write_failed`` error: torch's writer
    turns the ``OSError`` of a failed write into a ``RuntimeError``, so the file handle keeps
    the ``OSError`` it raised, and that (its errno) decides."""
    try:
        with atomic_writer(path, tmp_dir) as handle:
            recording = _Recording(handle)
            try:
                torch.save(state, recording)
            except RuntimeError as exc:
                if recording.failed is not None:
                    raise recording.failed from exc
                raise
    except OSError as exc:
        raise write_failed(path, exc) from exc
    return path


class _Recording:
    """A binary file that remembers the ``OSError`` its ``write`` raised."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.failed = handle, None

    def write(self, data: Any) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            self.failed = exc
            raise

    def flush(self) -> None:
        self.handle.flush()


def write_failed(path: Path, exc: BaseException) -> TrainlabError:
    """``write_failed`` (507). An ``OSError`` says why by its errno; a writer that does not
    raise ``OSError`` (safetensors raises ``SafetensorError``) is explained by the state of
    the disk under ``path``: read-only, or full."""
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else _disk_state(path)
    return TrainlabError("write_failed", path=str(path), detail=detail or type(exc).__name__,
                         status=507)


def _disk_state(path: Path) -> str | None:
    folder = path if path.is_dir() else path.parent
    try:
        stat = os.statvfs(folder)
    except OSError:
        return None
    if stat.f_flag & os.ST_RDONLY:
        return os.strerror(errno.EROFS)
    if stat.f_bavail * stat.f_frsize < FULL_BELOW:
        return os.strerror(errno.ENOSPC)
    return None


FULL_BELOW = 1 << 20  # a disk with less than 1 MiB left for us counts as full


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise NotFoundError("checkpoint_not_found", path=str(path))
    return torch.load(path, map_location="cpu", weights_only=True)


def saved_step(path: str | Path) -> int | None:
    """The step a run resumed from ``path`` restarts at; None when there is no readable
    checkpoint. Its tensors are mapped, not read, so this is cheap for a large model."""
    try:
        return int(torch.load(path, map_location="cpu", weights_only=True, mmap=True)["step"])
    except (OSError, RuntimeError, KeyError, TypeError, ValueError, pickle.UnpicklingError):
        return None
