"""Checkpoints: everything needed to continue a run exactly, written atomically, read without
unpickling code (``torch.load(weights_only=True)``)."""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

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
    the new one. A full or read-only disk is a clear ``write_failed`` error."""
    try:
        with atomic_writer(path, tmp_dir) as handle:
            torch.save(state, handle)
    except OSError as exc:
        raise write_failed(path, exc) from exc
    return path


def write_failed(path: Path, exc: OSError) -> TrainlabError:
    return TrainlabError("write_failed", path=str(path), detail=exc.strerror or str(exc), status=507)


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
