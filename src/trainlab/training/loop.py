"""The one training loop every task runs through.

Read top to bottom: set up (seed, optimizer, schedule, precision, DDP, resume), then for each
epoch, for each optimizer step: ``grad_accum`` micro-batches forward and backward, clip,
step, schedule; report every ``log_every`` steps; evaluate every ``eval_every`` steps and at
each epoch's end (early stopping, best weights); checkpoint; stop when asked.
"""

from __future__ import annotations

import math
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from trainlab.training import checkpoint
from trainlab.training.callbacks import CallbackList
from trainlab.training.config import TrainConfig
from trainlab.training.devices import autocast
from trainlab.training.distributed import Distributed

EPOCH_CHECKPOINT_MIN_S = 5.0  # epoch-end checkpoints at most this often (stop and end always write)


@dataclass
class Outcome:
    status: str  # completed | stopped
    step: int
    epoch: int
    history: list[dict[str, Any]] = field(default_factory=list)
    train_history: list[dict[str, Any]] = field(default_factory=list)  # step, epoch, loss per log
    best: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    stop_reason: str | None = None
    samples_per_s: float = 0.0
    tokens_per_s: float = 0.0
    train_seconds: float = 0.0
    checkpoint: str | None = None


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def warmup_cosine(total: int, warmup: float, min_ratio: float) -> Callable[[int], float]:
    warm = int(total * warmup)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = min(1.0, (step - warm) / max(1, total - warm))
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def make_optimizer(model: nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW; matrices decay, biases, norms and embeddings-of-size-1 vectors do not."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    plain = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay},
              {"params": plain, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.999),
                             fused=device.type == "cuda")


class Stopper:
    """The stop request: the user's flag (Event or callable), and Ctrl-C while training."""

    def __init__(self, flag: threading.Event | Callable[[], bool] | None) -> None:
        self.flag = flag
        self.interrupted = False
        self._previous: Any = None

    def __call__(self) -> bool:
        if self.interrupted:
            return True
        if self.flag is None:
            return False
        return self.flag.is_set() if isinstance(self.flag, threading.Event) else bool(self.flag())

    def __enter__(self) -> Stopper:
        # In the main thread (a notebook cell), the first Ctrl-C asks for a clean stop; the
        # second one interrupts as usual.
        if threading.current_thread() is threading.main_thread():
            def handler(signum: int, frame: Any) -> None:
                if self.interrupted:
                    raise KeyboardInterrupt
                self.interrupted = True
            self._previous = signal.signal(signal.SIGINT, handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def selection(task: Any) -> tuple[str, str]:
    """The validation metric early stopping and the kept weights follow, and "max" or "min"."""
    return (getattr(task, "select_metric", None) or task.main_metric,
            getattr(task, "select_mode", None) or task.mode)


def train(task: Any, model: nn.Module, source: Any, val: Any, config: TrainConfig, *,
          device: torch.device, precision: str, total_steps: int, callbacks: CallbackList,
          stop: Stopper, checkpoint_dir: Path | None, tmp_dir: Path, extra: dict[str, Any],
          resume: dict[str, Any] | None = None, dist: Distributed | None = None) -> Outcome:
    dist = dist or Distributed()
    main = dist.rank == 0
    seed_everything(config.seed)
    model.to(device)
    optimizer = make_optimizer(model, config, device)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, warmup_cosine(total_steps, config.warmup, config.min_lr_ratio))
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    net = dist.wrap(model, device)
    forward = torch.compile(net) if config.compile else net
    out = Outcome("completed", 0, 0)
    key, mode = selection(task)
    better = (lambda a, b: a > b) if mode == "max" else (lambda a, b: a < b)
    best_state: dict[str, torch.Tensor] | None = None
    best_written = True
    start_epoch, skip, bad_evals = 0, 0, 0
    if resume is not None:
        load_weights(model, resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        scheduler.load_state_dict(resume["scheduler"])
        scaler.load_state_dict(resume["scaler"])
        out.step, start_epoch, skip = resume["step"], resume["epoch"], resume["batch"]
        out.history, bad_evals = list(resume["history"]), resume["bad_evals"]
        out.train_history = list(resume.get("train_history", ()))
        out.best, out.last = resume["best"], resume["last"]
        best_state = resume.get("best_model")
        checkpoint.set_rng_state(resume["rng"])

    per_epoch = -(-len(source) // config.grad_accum)
    accum = config.grad_accum
    last_checkpoint_at = time.monotonic()

    def save(kind: str, epoch: int, batch: int) -> None:
        nonlocal best_written, last_checkpoint_at
        if not main or checkpoint_dir is None:
            return
        state = {"model": weights(model), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
                 "step": out.step, "epoch": epoch, "batch": batch, "history": out.history,
                 "train_history": out.train_history,
                 "bad_evals": bad_evals, "best": out.best, "last": out.last,
                 "rng": checkpoint.rng_state(), "config": config.to_dict(), **extra}
        path = checkpoint.save(checkpoint_dir / "last.pt", state, tmp_dir)
        if best_state is not None and not best_written:
            checkpoint.save(checkpoint_dir / "best.pt", {"model": best_state, "best": out.best},
                            tmp_dir)
            best_written = True
        out.checkpoint = str(path)
        last_checkpoint_at = time.monotonic()
        callbacks.on_checkpoint(str(path))

    def evaluate(epoch: int) -> bool:
        """Validation; True when early stopping says to end."""
        nonlocal best_state, best_written, bad_evals
        if val is None:
            return False
        metrics = evaluate_model(task, model, val, device, precision, config.batch_size or 64)
        metrics = {"step": out.step, "epoch": epoch, **metrics}
        out.last = metrics
        out.history.append(metrics)
        value = metrics.get(key)
        if value is not None and not math.isnan(value) and (
                out.best is None or better(value, out.best[key])):
            out.best, bad_evals = metrics, 0
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in weights(model).items()}
            best_written = False
        else:
            bad_evals += 1
        if main:
            callbacks.on_eval(metrics)
        return config.early_stopping is not None and bad_evals >= config.early_stopping

    running = torch.zeros((), device=device)
    window_steps, window_samples, window_tokens = 0, 0, 0
    total_samples, total_tokens, train_time = 0, 0, 0.0
    window_start = time.perf_counter()
    ended = out.step >= total_steps
    epoch = start_epoch
    model.train()
    while not ended and epoch < (config.epochs or 1):
        batches = source.epoch(epoch, skip * accum)
        step_in_epoch = skip
        skip = 0
        while step_in_epoch < per_epoch:
            micro = []
            for _ in range(accum):
                batch = next(batches, None)
                if batch is None:
                    break
                micro.append(batch)
            if not micro:
                break
            for i, batch in enumerate(micro):
                with dist.no_sync(net, i < len(micro) - 1), autocast(device, precision):
                    loss = task.loss(forward, batch)
                    if len(micro) > 1:
                        loss = loss / len(micro)
                scaler.scale(loss).backward()
                running += loss.detach()
                n = source.size(batch)
                window_samples += n
                window_tokens += task.tokens(batch)
            if config.grad_clip is not None:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            out.step += 1
            step_in_epoch += 1
            window_steps += 1
            last_of_epoch = step_in_epoch >= per_epoch
            done = out.step >= total_steps
            if window_steps >= config.log_every or done or last_of_epoch:
                loss_value = running.item() / window_steps  # the one device sync per window
                now = time.perf_counter()
                elapsed = now - window_start
                train_time += elapsed
                total_samples += window_samples
                total_tokens += window_tokens
                rate = window_samples * dist.world / elapsed if elapsed > 0 else 0.0
                eta = (total_steps - out.step) * elapsed / window_steps
                out.train_history.append({"step": out.step, "epoch": epoch, "loss": loss_value})
                if main:
                    tokens = window_tokens * dist.world / elapsed if elapsed > 0 else 0.0
                    callbacks.on_throughput(out.step, rate, tokens or None)
                    callbacks.on_step(out.step, total_steps, epoch, loss_value,
                                      scheduler.get_last_lr()[0], rate, eta)
                running.zero_()
                window_steps, window_samples, window_tokens = 0, 0, 0
                window_start = now  # the callbacks' time counts in the next window
            early = False
            if out.step % (config.eval_every or per_epoch) == 0 or last_of_epoch or done:
                model.eval()
                early = evaluate(epoch)
                model.train()
                window_start = time.perf_counter()
            wanted = stop()
            if dist.any(wanted or early):
                # every rank agrees on why: a stop seen by one rank alone is still a stop, never
                # recorded by rank 0 as early stopping
                requested = dist.any(wanted)
                position = (epoch + 1, 0) if last_of_epoch else (epoch, step_in_epoch)
                save("stop", *position)
                out.status = "stopped" if requested else "completed"
                out.stop_reason = ("interrupted" if stop.interrupted else "requested") \
                    if requested else "early_stopping"
                ended = True
                break
            if config.checkpoint_every and out.step % config.checkpoint_every == 0:
                save("every", *((epoch + 1, 0) if last_of_epoch else (epoch, step_in_epoch)))
            if done:
                ended = True
                break
        out.epoch = epoch
        if not ended and time.monotonic() - last_checkpoint_at >= EPOCH_CHECKPOINT_MIN_S:
            save("epoch", epoch + 1, 0)
        epoch += 1
    if out.status == "completed" and out.stop_reason is None:
        save("end", epoch if not ended else out.epoch + 1, 0)
    if best_state is not None:
        load_weights(model, best_state)  # the artifact holds the best weights
    out.train_seconds = train_time
    out.samples_per_s = total_samples * dist.world / train_time if train_time else 0.0
    out.tokens_per_s = total_tokens * dist.world / train_time if train_time else 0.0
    return out


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    """What a checkpoint keeps of the model: its state, or what the model says (a LoRA run:
    only the trainable adapter and head, not the frozen base)."""
    own = getattr(model, "checkpoint_state", None)
    return own() if own is not None else model.state_dict()


def load_weights(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Load what :func:`weights` gave."""
    own = getattr(model, "load_checkpoint_state", None)
    if own is not None:
        own(state)
    else:
        model.load_state_dict(state)


@torch.no_grad()
def evaluate_model(task: Any, model: nn.Module, val: Any, device: torch.device, precision: str,
                   batch_size: int) -> dict[str, float]:
    """The task's metrics over the whole validation set, batch by batch."""
    was_training = model.training
    model.eval()
    try:
        if hasattr(task, "evaluate"):
            return task.evaluate(model, val, device, precision, batch_size)
        from trainlab.training.tasks import batches

        outputs = []
        for batch in batches(val, batch_size * 2):
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with autocast(device, precision):
                outputs.append(task.outputs(model, batch).float())
        data = {k: v.to(device) for k, v in val.items()}
        return task.metrics(torch.cat(outputs), data, task.state)
    finally:
        model.train(was_training)
