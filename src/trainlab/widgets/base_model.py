"""The training panel's "Base model" field (issue 15): for the text tasks, a pretrained Hugging
Face model to fine-tune instead of the built-in byte-level one.

A combobox lists the models found in the local Hugging Face cache (read when the panel opens,
when a text task is chosen, and on the refresh button) and takes any other Hub id or a folder
path typed in; empty means the built-in model. With a base model, the advanced settings show a
LoRA choice (auto, on, off) and gradient checkpointing. Hidden for the other tasks, and where
the ``trainlab[hf]`` extra is not installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import ipywidgets as w

from trainlab.display import word
from trainlab.jobs.pretrained import TEXT_TASKS
from trainlab.widgets import form

LORA = {"auto": None, "on": True, "off": False}  # the LoRA choice -> TrainConfig.lora


def hf_installed() -> bool:
    """Whether the ``trainlab[hf]`` extra (transformers and huggingface_hub) is importable."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("transformers", "huggingface_hub"))


def cached_ids() -> list[str]:
    """The ids of the models in the local Hugging Face cache, newest first (reads the disk)."""
    from trainlab.training.hf.hub import cached_models

    return [m["id"] for m in cached_models()]


class BaseModelField:
    """The widgets of the field: ``row`` (the combobox and its refresh button) goes under the
    panel's "Model" heading, ``advanced`` (LoRA, gradient checkpointing) into its advanced
    settings. :meth:`show` follows the panel's task; :meth:`params` is what a run gets."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.task: str | None = None
        self.available = hf_installed()
        self.combo = w.Combobox(value="", options=[], ensure_option=False, continuous_update=False,
                                description=word("hf_base_model", lang),
                                placeholder=word("hf_base_placeholder", lang),
                                tooltip=word("hf_base_tip", lang))
        self.refresh_button = w.Button(icon="refresh", tooltip=word("hf_refresh_tip", lang),
                                       layout=w.Layout(width="2.6em"))
        self.lora = w.Dropdown(options=[(word(key, lang), value) for key, value in (
            ("tp_auto", "auto"), ("hf_on", "on"), ("hf_off", "off"))],
            description=word("hf_lora", lang), tooltip=word("hf_lora_tip", lang))
        self.checkpointing = w.Checkbox(False, description=word("hf_checkpointing", lang),
                                        tooltip=word("hf_checkpointing_tip", lang))
        form.styled(self.combo, self.lora)
        self.checkpointing.style = {"description_width": form.LABEL_WIDTH}
        self.row = w.HBox([self.combo, self.refresh_button])
        self.advanced = w.VBox([self.lora, self.checkpointing])
        self.refresh_button.on_click(lambda _: self.refresh())
        self.combo.observe(lambda _: self._update(), names="value")
        if self.available:
            self.refresh()
        self._update()

    @property
    def value(self) -> str | None:
        """The base model typed or picked (a Hub id or a folder); None: the built-in model, or
        a task that takes no base model."""
        text = self.combo.value.strip()
        return text if text and self.available and self.task in TEXT_TASKS else None

    def refresh(self) -> list[str]:
        """Read the local Hugging Face cache again; its model ids become the options."""
        self.combo.options = cached_ids() if self.available else []
        return list(self.combo.options)

    def show(self, task: str | None) -> None:
        """Follow the panel's task: shown for the text tasks (the cache read again when one is
        chosen), hidden otherwise."""
        if task in TEXT_TASKS and self.task not in TEXT_TASKS and self.available:
            self.refresh()
        self.task = task
        self._update()

    def _update(self) -> None:
        shown = self.available and self.task in TEXT_TASKS
        self.row.layout.display = "" if shown else "none"
        self.advanced.layout.display = "" if self.value is not None else "none"

    def params(self) -> dict[str, Any]:
        """The run's settings: ``base_model`` and, with it, ``lora`` (unless auto) and
        ``gradient_checkpointing`` (when on); nothing without a base model."""
        if self.value is None:
            return {}
        params: dict[str, Any] = {"base_model": self.value}
        if LORA[self.lora.value] is not None:
            params["lora"] = LORA[self.lora.value]
        if self.checkpointing.value:
            params["gradient_checkpointing"] = True
        return params
