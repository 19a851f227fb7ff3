"""Setting up a fine-tuning run of a pretrained model for the one loop: the tokenised data, the
model (full or LoRA), the resolved hyperparameters and what the artifact records."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import torch

from trainlab.datasets.dataset import Dataset
from trainlab.errors import TrainlabError
from trainlab.training.config import ConfigError, TrainConfig, steps_per_epoch
from trainlab.training.hf import data
from trainlab.training.hf import model as hf_model
from trainlab.training.hf.batch import auto_batch_size
from trainlab.training.hf.hub import ModelRef
from trainlab.training.hf.tasks import get_pretrained_task

TASKS = ("text-classification", "causal-lm")
BATCH_SIZE = 16
EPOCHS = 3
STEPS = 5000  # the default run's step budget on large data


def refuse_task(task: str | None, arch: dict[str, Any] | None = None) -> None:
    """``base_model`` with a task that trains its own model (tabular, custom), or with ``arch``
    (the pretrained model's architecture is its own), is a ConfigError."""
    if task is not None and task not in TASKS:
        raise ConfigError("hf_task_unsupported", task=task, tasks=", ".join(TASKS))
    if arch:
        raise ConfigError("hf_arch_unused", keys=", ".join(sorted(map(str, arch))))


@dataclass
class Setup:
    """Everything ``fit`` hands the loop for a pretrained run."""

    task: Any
    module: hf_model.PretrainedModule
    train: data.BucketBatches
    val: data.BucketBatches
    config: TrainConfig
    meta: dict[str, Any]
    sizes: dict[str, int]
    cached: bool
    notes: list[str]


def setup(ref: ModelRef, ds: Dataset, task_name: str, columns: dict[str, Any],
          validation: Dataset | None, config: TrainConfig, *, device: torch.device,
          precision: str, rank: int, world: int, seed_everything: Any) -> Setup:
    """Load the tokenizer, tokenise (or take the cache), load the model, add LoRA when asked."""
    refuse_task(task_name)
    hf_model.needs_extra()
    hf_model.check_model_type(ref.path, config.base_model or ref.name, task_name)
    model_config = hf_model.load_config(ref.path)
    hf_model.check_head(config.base_model or ref.name, model_config, task_name)
    tok = data.load_tokenizer(ref.path, ref.name,
                              vocab_size=getattr(model_config, "vocab_size", None))
    positions = getattr(model_config, "max_position_embeddings", None) or \
        getattr(model_config, "n_positions", None)
    tokenised = data.prepare(ds, task_name, columns, config, tok, data.tokenizer_hash(ref.path),
                             positions, validation=validation)
    state = tokenised.state
    labels = state["labels"]["values"] if "labels" in state else None
    n_params = hf_model.count_parameters(model_config, task_name,
                                         len(labels) if labels is not None else None)
    lora = hf_model.use_lora(config, n_params)
    if config.merge and not lora:
        raise ConfigError("hf_merge_without_lora")
    seed_everything(config.seed)
    net = hf_model.load_model(ref.path, task_name, labels=labels,
                              dtype=hf_model.dtype_for(precision, lora, device))
    if config.gradient_checkpointing:
        if not getattr(net, "supports_gradient_checkpointing", False):
            raise TrainlabError("hf_no_checkpointing", name=ref.name, status=422)
        kwargs = {"use_reentrant": False}
        if hasattr(net, "activation_checkpointing_enable"):  # the name since transformers 5
            net.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            net.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
        net.config.use_cache = False
    targets = hf_model.lora_targets(net, config) if lora else None
    if lora:
        net = hf_model.add_lora(net, task_name, config, targets)
    info = {"base_model": config.base_model, "base_path": str(ref.path), "repo_id": ref.repo_id,
            "revision": ref.revision, "model_type": model_config.model_type, "lora": lora,
            "merge": bool(lora and (config.merge or task_name == "text-classification")),
            "parameters": n_params}  # a LoRA classifier is saved merged: see save_artifact
    if lora:
        info.update(lora_r=config.lora_r, lora_alpha=config.lora_alpha,
                    lora_dropout=config.lora_dropout,
                    lora_targets=targets)
    module = hf_model.PretrainedModule(net, task_name, lora=lora, tokenizer=tok, info=info)
    asked, n_train = config, len(tokenised.train) // world
    if config.batch_size is None and world == 1:  # on CUDA: the size that fills the GPU
        longest = int(tokenised.train.lengths.max()) if len(tokenised.train) else 1
        size = auto_batch_size(module, task_name, longest, n_train, device, precision)
        config = dataclasses.replace(config, batch_size=size)
    config = _defaults(config, lora, n_train).resolved(task_name, n_train)
    notes = []
    if asked.batch_size is None and device.type == "cuda" and world == 1:
        notes.append(f"Batch size {config.batch_size}: the largest that fits the GPU's free "
                     "memory at the longest sequence; pass batch_size= to choose.")
    if asked.epochs is None and asked.max_steps is None and config.max_steps is not None:
        notes.append(f"Large dataset: fine-tuning for {config.max_steps} steps; pass epochs= or "
                     "max_steps= to train longer.")
    task = get_pretrained_task(task_name)
    task.state, task.tokenizer = state, tok
    pad = data.pad_id(tok)
    train = data.BucketBatches(tokenised.train, task_name, config.batch_size or BATCH_SIZE, device,
                               config.seed, pad, rank=rank, world=world)
    val = data.BucketBatches(tokenised.val, task_name, (config.batch_size or BATCH_SIZE) * 2,
                             device, config.seed, pad, shuffle=False)
    meta = {"task": task_name, "model_kind": "hf", "state": state, "dataset_id": ds.id,
            "columns": columns, "hf": info,
            "input_types": {c: ds.schema.get(c) for c in task.input_columns(columns)},
            "trainable_parameters": module.trainable_parameters()}
    return Setup(task, module, train, val, config, meta,
                 {"n_train": len(tokenised.train), "n_val": len(tokenised.val)},
                 tokenised.cached, notes)


def _defaults(config: TrainConfig, lora: bool, n_train: int) -> TrainConfig:
    """Fine-tuning defaults where the user gave none: a small batch, a few epochs (at most
    :data:`STEPS` optimizer steps), and the learning rate of full fine-tuning or of LoRA."""
    changes: dict[str, Any] = {"lora": lora}  # what ran, also for a resumed run
    if config.lr is None:
        changes["lr"] = hf_model.lr_default(lora)
    if config.batch_size is None:
        changes["batch_size"] = BATCH_SIZE
    if config.epochs is None and config.max_steps is None:
        per_epoch = steps_per_epoch(n_train, config.batch_size or BATCH_SIZE, config.grad_accum)
        changes["epochs"] = EPOCHS
        if per_epoch * EPOCHS > STEPS:
            changes["epochs"], changes["max_steps"] = math.ceil(STEPS / per_epoch), STEPS
    return dataclasses.replace(config, **changes)
