"""Loading a fine-tuned pretrained model's artifact back (``trainlab.load_model``).

The folder is a ``save_pretrained`` layout (see :meth:`PretrainedModule.save_artifact`) plus
trainlab's ``model.json``; an unmerged LoRA adapter is applied to its base model, found again
as at training time (the base folder, else the Hub id through the local cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainlab.training.hf import data, hub
from trainlab.training.hf import model as hf_model
from trainlab.training.hf.tasks import get_pretrained_task


def base_name(info: dict[str, Any]) -> str:
    """The base model as ``fit`` resolved it: the Hub id with its pinned revision
    (``id@revision``), else the name given."""
    if info.get("repo_id"):
        return info["repo_id"] + (f"@{info['revision']}" if info.get("revision") else "")
    return info["base_model"]


def load_pretrained(meta: dict[str, Any], directory: Path, device: str) -> tuple[Any, Any]:
    """The module and the task of a pretrained artifact, on ``device``, in eval mode."""
    hf_model.needs_extra()
    info, task_name, state = meta["hf"], meta["task"], meta["state"]
    labels = state["labels"]["values"] if "labels" in state else None
    tok = data.load_tokenizer(directory, str(directory))
    adapter = info.get("lora") and not info.get("merge")
    if adapter:
        from peft import PeftModel

        base = Path(info["base_path"])
        if not (base / hub.CONFIG).is_file():
            base = hub.resolve_model(base_name(info)).path
        net = hf_model.load_model(base, task_name, labels=labels, dtype=None)
        with hf_model.quiet():
            net = PeftModel.from_pretrained(net, directory)
    else:
        net = hf_model.load_model(directory, task_name, labels=labels, dtype=None)
    module = hf_model.PretrainedModule(net, task_name, lora=bool(adapter), tokenizer=tok,
                                       info=info)
    task = get_pretrained_task(task_name)
    task.state, task.tokenizer = state, tok
    return module.to(device).eval(), task
