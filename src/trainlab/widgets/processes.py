"""The training panel's "Processes" box: ``devices=N`` (issue 20), one GPU each, or CPU
processes when the run trains on the CPU."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from trainlab import display


def devices_box(lang: str) -> w.BoundedIntText:
    """How many processes train the model (1: this kernel alone)."""
    return w.BoundedIntText(1, min=1, max=256, description=display.word("tp_devices", lang),
                            tooltip=display.word("tp_devices_tip", lang))


def devices_kwargs(box: w.BoundedIntText) -> dict[str, Any]:
    """``{"devices": N}`` for :func:`trainlab.fit` when the box asks for more than one."""
    return {"devices": int(box.value)} if int(box.value) > 1 else {}
