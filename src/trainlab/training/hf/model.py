"""Loading a pretrained Hugging Face model for a task, LoRA through peft, and the module the loop
trains (:class:`PretrainedModule`).

transformers and peft are imported inside the functions that need them (the bare-GPU-machine
rule); their progress bars and advisory warnings are silenced while loading, so a notebook's
output stays clean.
"""

from __future__ import annotations

import contextlib
import copy
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trainlab.errors import TrainlabError
from trainlab.training.config import TrainConfig

LORA_ABOVE = 300_000_000  # lora=None: LoRA for models with more parameters than this
HEADS = {"text-classification": "AutoModelForSequenceClassification",
         "causal-lm": "AutoModelForCausalLM"}
MAPPINGS = {"text-classification": "MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
            "causal-lm": "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"}


def needs_extra() -> None:
    """Raise ``hf_extra_missing`` unless transformers, peft, tokenizers and huggingface_hub
    import."""
    try:
        import huggingface_hub  # noqa: F401
        import peft  # noqa: F401
        import tokenizers  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise TrainlabError("hf_extra_missing", detail=str(exc)) from exc


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """transformers' and huggingface_hub's progress bars and advisory warnings off, restored after."""
    from huggingface_hub.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )
    from transformers.utils import logging

    verbosity, bars, hub_bars = logging.get_verbosity(), logging.is_progress_bar_enabled(), \
        are_progress_bars_disabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    disable_progress_bars()
    try:
        with warnings.catch_warnings():
            for category in (UserWarning, FutureWarning, DeprecationWarning):
                warnings.simplefilter("ignore", category)
            yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()
        if not hub_bars:
            enable_progress_bars()


def check_model_type(path: Path, name: str, task: str) -> None:
    """``hf_wrong_model`` when ``config.json``'s ``model_type`` is not one transformers knows
    (looked up in its ``CONFIG_MAPPING`` table before ``AutoConfig`` reads the file)."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    try:
        model_type = json.loads((Path(path) / "config.json").read_text(encoding="utf-8")) \
            .get("model_type")
    except (OSError, ValueError, AttributeError):
        model_type = None
    if not isinstance(model_type, str) or model_type not in CONFIG_MAPPING_NAMES:
        raise TrainlabError("hf_wrong_model", name=name, model_type=str(model_type), task=task,
                            status=422)


def load_config(path: Path) -> Any:
    from transformers import AutoConfig

    with quiet():
        return AutoConfig.from_pretrained(path)


def check_head(name: str, config: Any, task: str) -> None:
    """``hf_wrong_model`` when the model's architecture has no head for ``task`` (decided from
    transformers' own model-type tables, not from an error message)."""
    from transformers.models.auto import modeling_auto

    if config.model_type not in getattr(modeling_auto, MAPPINGS[task]):
        raise TrainlabError("hf_wrong_model", name=name, model_type=config.model_type, task=task,
                            status=422)


def count_parameters(config: Any, task: str, num_labels: int | None = None) -> int:
    """Parameters of the model built from ``config``, counted on the meta device (no memory)."""
    import transformers

    auto = getattr(transformers, HEADS[task])
    config = copy.deepcopy(config)
    if num_labels is not None:
        config.num_labels = num_labels
    with quiet(), torch.device("meta"):
        model = auto.from_config(config)
    return sum(p.numel() for p in model.parameters())


def use_lora(config: TrainConfig, parameters: int) -> bool:
    """``lora`` as asked, else on for models over :data:`LORA_ABOVE` parameters."""
    return config.lora if config.lora is not None else parameters > LORA_ABOVE


def load_model(path: Path, task: str, *, labels: list[Any] | None, dtype: torch.dtype | None
               ) -> Any:
    """The transformers model for ``task`` from ``path``: SDPA attention where the architecture
    has it, weights in ``dtype`` (None: as stored in float32), a classifier head sized to the
    labels with their names in ``id2label``/``label2id``."""
    import transformers

    auto = getattr(transformers, HEADS[task])
    kwargs: dict[str, Any] = {"dtype": dtype or torch.float32, "use_safetensors": True}
    if labels is not None:
        names = [str(v) for v in labels]
        kwargs.update(num_labels=len(names), id2label=dict(enumerate(names)),
                      label2id={n: i for i, n in enumerate(names)}, ignore_mismatched_sizes=True)
    config = load_config(path)
    if getattr(type_of(auto, config), "_supports_sdpa", False):
        kwargs["attn_implementation"] = "sdpa"
    with quiet():
        model = auto.from_pretrained(path, **kwargs)
    if task == "causal-lm" and model.config.pad_token_id is None:
        model.config.pad_token_id = model.config.eos_token_id
    return model


def type_of(auto: Any, config: Any) -> Any:
    """The model class an Auto class builds for ``config`` (None when its table is not there)."""
    mapping = getattr(auto, "_model_mapping", None)
    try:
        return mapping[type(config)] if mapping is not None else None
    except KeyError:
        return None


def lora_targets(model: nn.Module, config: TrainConfig) -> list[str]:
    """``lora_targets``, else peft's own mapping for the model type, else every Linear (or
    GPT-2-style Conv1D) layer inside an attention block."""
    if config.lora_targets:
        return list(config.lora_targets)
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as known

    model_type = getattr(model.config, "model_type", None)
    if model_type in known:
        return list(known[model_type])
    names = set()
    for name, module in model.named_modules():
        leaf = name.rsplit(".", 1)[-1]
        if "attn" in name.lower() or "attention" in name.lower():
            if isinstance(module, nn.Linear) or type(module).__name__ == "Conv1D":
                names.add(leaf)
    if not names:
        raise TrainlabError("hf_no_lora_targets", model_type=str(model_type), status=422)
    return sorted(names)


def add_lora(model: Any, task: str, config: TrainConfig, targets: list[str]) -> Any:
    """A peft LoRA model: only the adapters (and, for classification, the head) train."""
    from peft import LoraConfig, TaskType, get_peft_model

    conv1d = any(type(m).__name__ == "Conv1D" and name.rsplit(".", 1)[-1] in targets
                 for name, m in model.named_modules())  # GPT-2 style layers store W transposed
    lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha,
                      lora_dropout=config.lora_dropout, target_modules=targets,
                      fan_in_fan_out=conv1d,
                      task_type=TaskType.SEQ_CLS if task == "text-classification"
                      else TaskType.CAUSAL_LM)
    with quiet():
        return get_peft_model(model, lora)


class PretrainedModule(nn.Module):
    """The module the loop trains: a transformers model (or its peft LoRA wrapper) called with
    ``input_ids`` and ``attention_mask``, returning logits.

    A LoRA run's checkpoints hold only what trains (:meth:`checkpoint_state`): the adapters and
    the head, not the frozen base."""

    def __init__(self, net: Any, task: str, *, lora: bool, tokenizer: Any = None,
                 info: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.net, self.task, self.lora = net, task, lora
        self.tokenizer = tokenizer
        self.info = dict(info or {})

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits for the batch."""
        if self.task == "causal-lm":
            return self.net(input_ids=input_ids, attention_mask=attention_mask,
                            use_cache=False).logits
        return self.net(input_ids=input_ids, attention_mask=attention_mask).logits

    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        """The weights a checkpoint keeps: all of them, or (LoRA) only the trainable ones."""
        if not self.lora:
            return self.state_dict()
        return {k: p.detach() for k, p in self.named_parameters() if p.requires_grad}

    def load_checkpoint_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load what :meth:`checkpoint_state` gave; a missing or unexpected name is an error."""
        if not self.lora:
            self.load_state_dict(state)
            return
        own = dict(self.named_parameters())
        unknown = [k for k in state if k not in own]
        missing = [k for k, p in own.items() if p.requires_grad and k not in state]
        if unknown or missing:
            raise TrainlabError("bad_checkpoint_weights", missing=", ".join(missing[:3]) or "-",
                                unexpected=", ".join(unknown[:3]) or "-")
        with torch.no_grad():
            for k, v in state.items():
                own[k].copy_(v)

    def trainable_parameters(self) -> int:
        """How many parameters train (all of them unless LoRA)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def flops_per_token(self) -> float:
        """Training FLOPs per token, 6N (N: the parameters outside the embeddings)."""
        embed = self.net.get_input_embeddings()
        n = sum(p.numel() for p in self.parameters()) - sum(p.numel() for p in embed.parameters())
        return 6.0 * n

    def save_artifact(self, directory: Path, tmp_dir: Path) -> None:
        """The artifact in ``save_pretrained`` layout, safetensors only, with the tokenizer:
        full fine-tuning writes the whole model; LoRA writes the peft adapter
        (``adapter_config.json`` + ``adapter_model.safetensors``, ``base_model_name_or_path``
        the Hub id, with a pinned ``revision``, or the base folder); LoRA with ``merge``
        writes the merged model there and the adapter under ``adapter/``. A LoRA classifier
        is always saved merged: its head is sized to the data's labels and named by them,
        which a bare adapter cannot carry (transformers would rebuild the base's head from
        the base's config)."""
        directory.mkdir(parents=True, exist_ok=True)
        with quiet():
            self.tokenizer.save_pretrained(directory)
            if not self.lora:
                self.net.save_pretrained(directory, safe_serialization=True)
                return
            adapter = self.net.peft_config["default"]
            adapter.base_model_name_or_path = self.info.get("repo_id") or self.info["base_path"]
            adapter.revision = self.info.get("revision") if self.info.get("repo_id") else None
            if self.info.get("merge"):
                self.net.save_pretrained(directory / "adapter", safe_serialization=True)
                merged = copy.deepcopy(self.net).merge_and_unload()
                merged.save_pretrained(directory, safe_serialization=True)
            else:
                self.net.save_pretrained(directory, safe_serialization=True)

    def positions(self) -> int | None:
        """The longest sequence the model reads (its position table), None when unbounded."""
        config = self.net.config
        for name in ("max_position_embeddings", "n_positions"):
            value = getattr(config, name, None)
            if isinstance(value, int) and value > 0:
                return value
        return None

    @torch.no_grad()
    def generate_text(self, prompt: str, max_new_tokens: int, *, temperature: float,
                      top_k: int | None, seed: int | None, chat_template: bool = False) -> str:
        """Continue ``prompt`` with transformers' ``generate`` (the model's KV cache); greedy
        when ``temperature <= 0``. Never past the model's context: ``max_new_tokens`` is capped
        at its positions - 1, and a longer prompt keeps its last ``positions - max_new_tokens``
        tokens. Sampling with ``seed`` runs on a forked RNG (the global one is left as it was)."""
        tok, device = self.tokenizer, next(self.parameters()).device
        if chat_template:
            prompt = tok.apply_chat_template([{"role": "user", "content": prompt}],
                                             tokenize=False, add_generation_prompt=True)
        ids = tok(prompt, add_special_tokens=not chat_template)["input_ids"]
        if not ids:
            start = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
            ids = [start if start is not None else 0]
        limit = self.positions()
        if limit is not None:
            max_new_tokens = max(1, min(max_new_tokens, limit - 1))
            ids = ids[-(limit - max_new_tokens):]
        input_ids = torch.tensor([ids], device=device)
        sample = temperature > 0
        kwargs: dict[str, Any] = {"do_sample": sample}
        if sample:
            kwargs.update(temperature=temperature, top_k=top_k or 0)
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        devices = [device] if device.type == "cuda" else []
        with quiet(), torch.random.fork_rng(devices=devices, enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            out = self.net.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                    max_new_tokens=max_new_tokens, pad_token_id=pad,
                                    eos_token_id=tok.eos_token_id, use_cache=True, **kwargs)
        return tok.decode(out[0, len(ids):], skip_special_tokens=True)


def dtype_for(precision: str, lora: bool, device: torch.device) -> torch.dtype | None:
    """Weights in bf16 for a LoRA run under bf16 on CUDA (the frozen base; the adapters stay
    float32); float32 otherwise (full fine-tuning keeps float32 master weights under autocast)."""
    if lora and precision == "bf16" and device.type == "cuda":
        return torch.bfloat16
    return None


def lr_default(lora: bool) -> float:
    """The learning rate of a fine-tuning run: 2e-4 with LoRA, 5e-5 for full fine-tuning."""
    return 2e-4 if lora else 5e-5
