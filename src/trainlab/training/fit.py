"""``trainlab.fit``: one call from a dataset (or your own module and data) to a saved model."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trainlab.datasets.dataset import Dataset
from trainlab.datasets.formats import is_frame
from trainlab.datasets.tasks import task_spec
from trainlab.errors import TrainlabError
from trainlab.training import checkpoint as ckpt
from trainlab.training import loop
from trainlab.training.artifact import save_model
from trainlab.training.callbacks import Callback, CallbackList
from trainlab.training.columns import infer
from trainlab.training.config import ConfigError, TrainConfig, device_count
from trainlab.training.data import LoaderBatches, TensorBatches
from trainlab.training.devices import peak_flops, printable, resolve_device, resolve_precision
from trainlab.training.distributed import Distributed
from trainlab.training.models import build, check_arch, check_fits
from trainlab.training.prepare import checked, prepare
from trainlab.training.result import TrainResult
from trainlab.training.tasks import get_task
from trainlab.training.tasks.custom import CustomTask
from trainlab.workspace import Workspace, new_id, resolve
from trainlab.workspace.files import write_json


def fit(dataset: Dataset | str | os.PathLike[str] | None = None, task: str | None = None,
        columns: dict[str, Any] | None = None, *, model: nn.Module | None = None,
        train: Any = None, val: Any = None, loss: Callable[..., torch.Tensor] | None = None,
        metrics: dict[str, Callable[..., float]] | None = None,
        validation: Dataset | str | None = None, workspace: Workspace | str | None = None,
        callbacks: list[Callback] | None = None,
        stop: threading.Event | Callable[[], bool] | None = None,
        resume_from: str | os.PathLike[str] | None = None, job_id: str | None = None,
        label: str | None = None, target: str | None = None, text: str | None = None,
        prompt: str | None = None, completion: str | None = None,
        **params: Any) -> TrainResult:
    """Train a model in this process and save it under ``<workspace>/jobs/<job_id>/``.

    Built-in tasks: ``fit(ds, task="text-classification", columns={"text": "review",
    "label": "stars"})``; ``task`` and ``columns`` are inferred when left out, and
    hyperparameters (``epochs``, ``batch_size``, ``lr``, ``device``, ... see
    :class:`~trainlab.training.config.TrainConfig`) are derived from the data unless given.
    ``dataset`` is a :class:`Dataset`, a dataset id, a file path, or a pandas DataFrame, a
    pyarrow Table or a polars DataFrame (each added to the workspace first, see
    ``ws.datasets.add``; the run records that dataset's id).

    Shortcuts for ``columns``: ``label=``/``target=`` name the column to predict (the ``label``
    of text classification, the ``target`` of a tabular task; with no ``task``, a dataset with
    a free-text column is text classification, else tabular), and ``text=``, ``prompt=``,
    ``completion=`` name those roles. A shortcut that contradicts ``columns`` is an error.

    ``base_model=`` (a Hub id found in the local Hugging Face cache, or a ``save_pretrained``
    folder) fine-tunes that pretrained model for ``text-classification`` or ``causal-lm``
    instead of a byte-level one, fully or with LoRA (``lora=``); see docs/training.md,
    "Pretrained models".

    Your own module: ``fit(model=net, train=(x, y), val=(x_val, y_val), loss=F.cross_entropy,
    metrics={"acc": fn})``; ``train`` is a tuple of tensors (sliced, fastest), a torch Dataset
    or a DataLoader.

    ``stop`` (an Event or a callable) ends the run cleanly at the next step with a checkpoint,
    as does Ctrl-C / the notebook's interrupt. ``resume_from`` (a checkpoint file or a job id)
    continues a run exactly where it stopped. ``job_id`` names the run's folder (the jobs
    layer passes the id of its record); by default a new id is made.

    ``devices=N``: this function trains in the processes it is given, so under ``torchrun
    --nproc-per-node N`` every process calls it; ``trainlab.fit`` (the jobs layer) starts them.
    """
    resume = _resume_state(resume_from, workspace)
    if resume is not None:  # the run's own settings, unless overridden (device=, epochs=, ...)
        params = {**resume["config"], **params}
    config = TrainConfig.from_kwargs(params)
    dist = Distributed()
    wanted = device_count(config.devices)
    if config.devices is not None and wanted != dist.world:  # before any process group
        raise ConfigError("devices_need_launcher", count=wanted, world=dist.world)
    if config.devices is None:
        config.devices = dist.world  # recorded: a resume starts as many processes
    device, notes = resolve_device(config.device)
    device = dist.setup(device)
    precision = resolve_precision(device, config.precision)
    custom = model is not None or task == "custom" or bool(resume and resume.get("task") == "custom")
    base = _base_model(config, "custom" if custom else task)  # before any data or job folder
    ctx = _Context(workspace, callbacks, stop, resume, dist, job_id, notes, device, precision, base)
    failed = True  # until a result is returned: then every rank leaves the group together
    try:
        if model is not None or task == "custom" or (resume and resume.get("task") == "custom"):
            result = _fit_custom(model, train, val, loss, metrics, config, ctx)
        else:
            shortcuts = {"label": label, "target": target, "text": text, "prompt": prompt,
                         "completion": completion}
            result = _fit_dataset(dataset, task, columns, validation, config, ctx, shortcuts)
        failed = False
        return result
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:  # a full disk or a read-only workspace, found late
            raise ckpt.write_failed(Path(exc.filename or "."), exc) from exc
        raise
    except torch.OutOfMemoryError as exc:
        raise TrainlabError("out_of_memory", device=str(device), batch_size=config.batch_size or "auto",
                            detail=str(exc).splitlines()[0], status=507) from exc
    finally:
        dist.close(failed)


_WRITE_ERRNOS = (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT)


@dataclass
class _Context:
    """How a run is set up, beyond its data and hyperparameters."""

    workspace: Any
    callbacks: list[Callback] | None
    stop: Any
    resume: dict[str, Any] | None
    dist: Distributed
    job_id: str | None
    notes: list[str]
    device: torch.device
    precision: str
    base: Any = None  # the resolved base_model (a ModelRef), for a pretrained run
    cached: bool = False  # the tensors came from the cache beside the dataset


def _base_model(config: TrainConfig, task: str | None) -> Any:
    """The base model's folder (``model_not_available`` when there is none here); a task that
    trains its own model (tabular, custom) with a base model is a ConfigError."""
    if config.base_model is None:
        return None
    from trainlab.training.hf.hub import resolve_model
    from trainlab.training.hf.model import needs_extra
    from trainlab.training.hf.run import refuse_task

    refuse_task(task, config.arch)
    needs_extra()
    return resolve_model(config.base_model)


def _fit_pretrained(ws: Workspace, ds: Dataset, task_name: str, columns: dict[str, Any],
                    val_ds: Dataset | None, config: TrainConfig, ctx: _Context) -> TrainResult:
    from trainlab.training.hf.run import setup

    run = setup(ctx.base, ds, task_name, columns, val_ds, config, device=ctx.device,
                precision=ctx.precision, rank=ctx.dist.rank, world=ctx.dist.world,
                seed_everything=loop.seed_everything)
    ctx.notes.extend(run.notes)
    if run.cached:
        ctx.cached = True
        ctx.notes.append("Tokens came from the cache beside the dataset (same data, tokenizer "
                         "and settings).")
    extra = {"task": task_name, "columns": columns, "dataset_id": ds.id,
             "validation_id": val_ds.id if val_ds is not None else ""}
    return _run(ws, run.task, run.module, run.train, run.val, run.config, ctx, run.meta, extra,
                run.sizes)


def _dataset(source: Any, ws: Workspace, what: str = "dataset") -> Dataset:
    if isinstance(source, Dataset):
        return source
    if is_frame(source):
        return ws.datasets.add(source)
    if not isinstance(source, (str, os.PathLike)):
        raise TrainlabError("invalid_argument", name=what, detail="a Dataset, a dataset id, a path, "
                            f"or a DataFrame; got {_kind(source)}")
    text = os.fspath(source)
    if text.startswith("ds_") and not Path(text).exists():
        return ws.datasets.get(text)
    return ws.datasets.add(text)


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def check_roles(task_name: str, columns: dict[str, Any]) -> None:
    """Refuse a column mapping key that ``task_name`` has no role for (``{"bogus": "price"}``)."""
    roles = task_spec(task_name).roles
    for key in columns:
        if key not in roles:
            raise TrainlabError("unknown_column_role", role=printable(str(key)), task=task_name,
                                roles=", ".join(roles), status=422)


def _resume_state(source: Any, workspace: Any) -> dict[str, Any] | None:
    if source is None:
        return None
    if not isinstance(source, (str, os.PathLike)):
        raise TrainlabError("invalid_argument", name="resume_from", detail="a checkpoint file, "
                            f"a job folder or a job id; got {_kind(source)}")
    text = os.fspath(source)
    path = Path(text).expanduser()
    if not path.exists() and text.startswith("job_"):
        path = resolve(workspace).jobs_dir / text / "checkpoints" / "last.pt"
    if path.is_dir():
        path = path / "checkpoints" / "last.pt" if (path / "checkpoints").is_dir() else path / "last.pt"
    state = ckpt.load(path)
    best = path.parent / "best.pt"
    if best.is_file():
        state["best_model"] = ckpt.load(best)["model"]
    return state


def _fit_dataset(source: Any, task_name: str | None, columns: dict[str, Any] | None,
                 validation: Any, config: TrainConfig, ctx: _Context,
                 shortcuts: dict[str, str | None] | None = None) -> TrainResult:
    resume, dist, notes = ctx.resume, ctx.dist, ctx.notes
    if resume is not None:
        source, task_name, columns = resume["dataset_id"], resume["task"], resume["columns"]
        validation, shortcuts = resume.get("validation_id") or None, None
    ws = resolve(ctx.workspace, source)
    ds = _dataset(source, ws)
    task_name, columns = infer(ds, task_name, columns, shortcuts)
    check_roles(task_name, columns)
    report = checked(ds, task_name, columns, config.skip_invalid)
    task_name = report["task"]
    check_arch(get_task(task_name).model_kind, config.arch)
    config = config.split_for(task_name)
    if task_name == "tabular-regression" or task_name == "tabular-classification":
        columns = {"target": columns["target"], "features": list(columns.get("features") or [])}
    else:
        columns = {k: v for k, v in report["columns"].items() if k != "features"}
    val_ds = None
    if validation is not None:
        val_ds = _dataset(validation, ws, "validation")
        checked(val_ds, task_name, columns, config.skip_invalid)
    if ctx.base is not None:
        return _fit_pretrained(ws, ds, task_name, columns, val_ds, config, ctx)
    task = get_task(task_name)
    prepared = prepare(ds, task, columns, config, validation=val_ds)
    task.state = prepared.state
    asked = config
    config = config.resolved(task_name, prepared.n_train // dist.world)
    if asked.max_steps is None and config.max_steps is not None:
        notes.append(f"Large dataset: training for {config.max_steps} steps, part of one epoch; "
                     "pass epochs= or max_steps= to train longer.")
    arch = task.arch(prepared.state, config)
    check_fits(task.model_kind, arch, ctx.device)
    loop.seed_everything(config.seed)
    model = build(task.model_kind, arch)
    source_batches = TensorBatches(prepared.train, config.batch_size or 1, ctx.device, config.seed,
                                   rank=dist.rank, world=dist.world)
    if prepared.cached:
        ctx.cached = True
        notes.append("Tensors came from the cache beside the dataset (same data and settings).")
    meta = {"task": task_name, "model_kind": task.model_kind, "arch": arch, "state": prepared.state,
            "dataset_id": ds.id, "columns": columns,  # input_types: what predict accepts
            "input_types": {c: ds.schema.get(c) for c in task.input_columns(columns)}}
    extra = {"task": task_name, "columns": columns, "dataset_id": ds.id,
             "validation_id": val_ds.id if val_ds is not None else ""}
    return _run(ws, task, model, source_batches, prepared.val, config, ctx, meta, extra,
                {"n_train": prepared.n_train, "n_val": prepared.n_val})


def _fit_custom(model: nn.Module | None, train: Any, val: Any, loss: Any, metrics: Any,
                config: TrainConfig, ctx: _Context) -> TrainResult:
    device, dist = ctx.device, ctx.dist
    for what, value in (("model=<your nn.Module>", model), ("train=<data>", train),
                        ("loss=<callable>", loss)):
        if value is None:
            raise TrainlabError("custom_needs", what=what)
    ws = resolve(ctx.workspace)
    task = CustomTask(loss, metrics)
    config = config.resolved("custom", _length(train))
    source = _batches(train, config, device, dist, shuffle=True)
    val_source = _batches(val, config, device, dist, shuffle=False, full=True) if val is not None \
        else None
    if isinstance(source, TensorBatches):
        config = config.resolved("custom", source.n // dist.world)
    meta = {"task": "custom", "model_kind": "custom", "class": type(model).__qualname__,
            "module": type(model).__module__}
    return _run(ws, task, model, source, val_source, config, ctx, meta, {"task": "custom"},
                {"n_train": _length(train)})


def _length(data: Any) -> int:
    if isinstance(data, tuple | list) and data and isinstance(data[0], torch.Tensor):
        return len(data[0])
    try:
        return len(data.dataset) if hasattr(data, "dataset") else len(data)
    except TypeError:
        return 1000


def _batches(data: Any, config: TrainConfig, device: torch.device, dist: Distributed, *,
             shuffle: bool, full: bool = False) -> Any:
    if isinstance(data, tuple | list) and data and all(isinstance(t, torch.Tensor) for t in data):
        tensors = {str(i): t for i, t in enumerate(data)}
        return TensorBatches(tensors, config.batch_size or 64, device, config.seed, shuffle=shuffle,
                             rank=0 if full else dist.rank, world=1 if full else dist.world)
    map_style = isinstance(data, torch.utils.data.Dataset) and \
        not isinstance(data, torch.utils.data.IterableDataset)
    if map_style:
        gen = torch.Generator().manual_seed(config.seed)
        sampler = None
        if dist.enabled and not full:
            sampler = torch.utils.data.DistributedSampler(data, dist.world, dist.rank, shuffle=shuffle,
                                                          seed=config.seed)
        loader = torch.utils.data.DataLoader(data, batch_size=config.batch_size or 64,
                                             shuffle=shuffle and sampler is None, sampler=sampler,
                                             generator=gen, pin_memory=device.type == "cuda")
        return LoaderBatches(loader, device)
    return LoaderBatches(data, device)


def _run(ws: Workspace, task: Any, model: nn.Module, source: Any, val: Any, config: TrainConfig,
         ctx: _Context, meta: dict[str, Any], extra: dict[str, Any],
         sizes: dict[str, int]) -> TrainResult:
    device, precision, notes, resume, dist = ctx.device, ctx.precision, ctx.notes, ctx.resume, ctx.dist
    per_epoch = -(-len(source) // config.grad_accum)
    total = per_epoch * (config.epochs or 1)
    if config.max_steps:
        total = min(total, config.max_steps)
    if ctx.job_id is None and resume and resume.get("job_id"):
        ctx.job_id = resume["job_id"]
    job_id = dist.broadcast((ctx.job_id or new_id("job")) if dist.rank == 0 else None)
    job_dir = ws.jobs_dir / job_id
    main = dist.rank == 0
    params = sum(p.numel() for p in model.parameters())
    run_config = {"task": meta["task"],
                  **{k: v for k, v in meta.items() if k in ("columns", "dataset_id")},
                  **config.to_dict(), "device": str(device), "precision": precision,
                  "total_steps": total, "parameters": params, "world_size": dist.world, **sizes}
    if "arch" in meta:
        run_config["architecture"] = meta["arch"]
    if main:
        (job_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
        write_json(job_dir / "config.json", ws.tmp_dir, run_config)
    cbs = CallbackList(ctx.callbacks)
    if main:
        cbs.on_start({"job_id": job_id, "task": meta["task"], "config": run_config,
                      "total_steps": total, "device": str(device), "parameters": params,
                      "notes": list(notes), "main_metric": task.main_metric, "mode": task.mode,
                      "select": list(loop.selection(task)),
                      "start_step": resume["step"] if resume else 0})
    started = time.time()
    with loop.Stopper(ctx.stop) as stopper:
        outcome = loop.train(task, model, source, val, config, device=device, precision=precision,
                             total_steps=total, callbacks=cbs, stop=stopper,
                             checkpoint_dir=job_dir / "checkpoints" if main else None,
                             tmp_dir=ws.tmp_dir, extra={**extra, "job_id": job_id}, resume=resume,
                             dist=dist)
    model_path = None
    metrics = dict(outcome.best or outcome.last or {})
    if main:
        model_path = str(save_model(job_dir / "model", model, {**meta, "metrics": metrics,
                                                                "config": run_config}, ws.tmp_dir))
    mfu = None
    flops = getattr(model, "flops_per_token", None)
    peak = peak_flops(device, precision)
    if flops and peak and outcome.tokens_per_s:
        mfu = outcome.tokens_per_s * flops() / peak
    if outcome.stop_reason == "early_stopping":
        notes.append(f"Early stopping after {outcome.step} of {total} steps: "
                     f"validation {loop.selection(task)[0]} stopped improving.")
    result = TrainResult(
        status=outcome.status, job_id=job_id, model_path=model_path, metrics=metrics,
        config=run_config, task=meta["task"], device=str(device), precision=precision,
        steps=outcome.step, epochs=outcome.epoch + 1, history=outcome.history,
        train_history=outcome.train_history,
        last_metrics=outcome.last, checkpoint_path=outcome.checkpoint,
        stop_reason=outcome.stop_reason, train_seconds=outcome.train_seconds,
        samples_per_s=outcome.samples_per_s,
        tokens_per_s=outcome.tokens_per_s or None, mfu=mfu,
        cached_tensors=ctx.cached, notes=notes)
    result.module = model  # the trained (best) module itself, for use in this process
    if main:
        write_json(job_dir / "result.json", ws.tmp_dir,
                   {**result.to_dict(), "elapsed_s": time.time() - started})
        cbs.on_end(result)
    return result
