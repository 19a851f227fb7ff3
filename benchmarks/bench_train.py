"""trainlab's loop vs a hand-written PyTorch loop: same model, tensors, optimizer, batch, steps.

    python benchmarks/bench_train.py [--device cpu|cuda] [--models mlp,transformer] [--repeat 5]

For each model both contenders train from the same initial weights on the same tensors,
resident on the device, batches sliced by a random permutation, AdamW, the same batch size
and number of steps; on CUDA both use bf16 autocast (fused AdamW). trainlab runs as users
run it: ``trainlab.fit(model=..., train=(x, y), loss=...)`` with a callback attached, its
default gradient clipping and warmup+cosine schedule, a checkpoint and the saved model at the
end, all inside the timed call. The plain loop is the short loop a person writes
(forward, backward, clip, step, zero_grad, schedule). One warm-up run of each is dropped; the
repeats alternate and the medians are reported. For the MLP, a third figure is the plain loop
fed by a ``DataLoader`` over a ``TensorDataset``, the usual way, which collates per sample.

Prints one JSON line per model.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import trainlab
from trainlab.training.loop import warmup_cosine
from trainlab.training.models import GPT


class MLP(nn.Module):
    def __init__(self, n_in: int = 64, hidden: int = 512, n_out: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, hidden), nn.GELU(), nn.Linear(hidden, hidden),
                                 nn.GELU(), nn.Linear(hidden, n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def lm_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), target.reshape(-1))


def setup(name: str, device: torch.device, scale: float = 1.0) -> dict:
    gen = torch.Generator().manual_seed(0)
    if name == "mlp":
        n, batch, steps = 65536, 256, 300 if device.type == "cpu" else 2000
        steps = int(steps * scale)
        x = torch.randn(n, 64, generator=gen)
        y = torch.randint(0, 10, (n,), generator=gen)
        return {"make": MLP, "data": (x, y), "loss": F.cross_entropy, "batch": batch,
                "steps": steps, "tokens": 1}
    if name == "transformer":
        ctx, batch = (64, 32) if device.type == "cpu" else (256, 64)
        arch = {"vocab_size": 260, "context": ctx, "d_model": 128, "heads": 4, "layers": 2} \
            if device.type == "cpu" else {"vocab_size": 260, "context": ctx, "d_model": 512,
                                          "heads": 8, "layers": 6}
        steps = int((40 if device.type == "cpu" else 300) * scale)
        tokens = torch.randint(0, 256, (batch * steps, ctx + 1), generator=gen)
        return {"make": lambda: GPT(**arch), "data": (tokens[:, :-1].contiguous(),
                                                      tokens[:, 1:].contiguous()),
                "loss": lm_loss, "batch": batch, "steps": steps, "tokens": ctx, "arch": arch}
    raise SystemExit(f"unknown model {name!r}")


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def plain_loop(spec: dict, state: dict, device: torch.device, loader: bool = False) -> float:
    model = spec["make"]().to(device)
    model.load_state_dict(state)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01},
                             {"params": rest, "weight_decay": 0.0}], lr=1e-3,
                            fused=device.type == "cuda")
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_cosine(spec["steps"], 0.05, 0.1))
    x, y = (t.to(device) for t in spec["data"])
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else None
    batches = iter(())
    if loader:
        data = torch.utils.data.TensorDataset(*spec["data"])
        dl = torch.utils.data.DataLoader(data, batch_size=spec["batch"], shuffle=True,
                                         pin_memory=device.type == "cuda")
    sync(device)
    start = time.perf_counter()
    step = 0
    while step < spec["steps"]:
        if loader:
            batches = iter(dl)
        else:
            perm = torch.randperm(len(x), device=device)
            batches = ((x[perm[i: i + spec["batch"]]], y[perm[i: i + spec["batch"]]])
                       for i in range(0, len(x), spec["batch"]))
        for xb, yb in batches:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            if amp is not None:
                with amp:
                    loss = spec["loss"](model(xb), yb)
            else:
                loss = spec["loss"](model(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            sched.step()
            step += 1
            if step >= spec["steps"]:
                break
    sync(device)
    return spec["steps"] * spec["batch"] / (time.perf_counter() - start)


class Count(trainlab.Callback):
    def __init__(self) -> None:
        self.calls = 0

    def on_step(self, *args: object) -> None:
        self.calls += 1


def trainlab_loop(spec: dict, state: dict, device: torch.device, ws: trainlab.Workspace,
                  in_loop: list | None = None) -> float:
    """Samples/s of the whole call; ``in_loop`` gets trainlab's own figure for the training
    steps alone (set-up, evaluation, the checkpoint and the saved model left out)."""
    model = spec["make"]()
    model.load_state_dict(state)
    counter = Count()
    sync(device)
    start = time.perf_counter()
    result = trainlab.fit(model=model, train=spec["data"], loss=spec["loss"], workspace=ws,
                          batch_size=spec["batch"], max_steps=spec["steps"], lr=1e-3,
                          device=str(device), callbacks=[counter], early_stopping=None)
    sync(device)
    elapsed = time.perf_counter() - start
    assert result.steps == spec["steps"] and counter.calls > 0 and result.checkpoint_path
    if in_loop is not None and result.samples_per_s:
        in_loop.append(result.samples_per_s)
    return spec["steps"] * spec["batch"] / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--models", default="mlp,transformer")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--steps-scale", type=float, default=1.0,
                        help="train this many times the default steps (fixed costs weigh less)")
    parser.add_argument("--no-loader", action="store_true", help="skip the DataLoader figure")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    with tempfile.TemporaryDirectory() as tmp:
        ws = trainlab.Workspace(Path(tmp) / "ws")
        for name in args.models.split(","):
            spec = setup(name, device, args.steps_scale)
            torch.manual_seed(0)
            state = spec["make"]().state_dict()
            plain_loop(spec, state, device)            # warm-up, dropped
            trainlab_loop(spec, state, device, ws)     # warm-up, dropped
            raw, ours, loader, in_loop = [], [], [], []
            for _ in range(args.repeat):
                raw.append(plain_loop(spec, state, device))
                ours.append(trainlab_loop(spec, state, device, ws, in_loop))
                if name == "mlp" and not args.no_loader:
                    loader.append(plain_loop(spec, state, device, loader=True))
            raw_s, ours_s = statistics.median(raw), statistics.median(ours)
            line = {"bench": "train", "device": str(device), "model": name,
                    "raw_samples_per_s": round(raw_s, 1), "trainlab_samples_per_s": round(ours_s, 1),
                    "ratio": round(ours_s / raw_s, 3), "batch_size": spec["batch"],
                    "steps": spec["steps"], "repeats": args.repeat,
                    "threads": torch.get_num_threads()}
            if in_loop:  # the steps alone: what the fixed costs of a call hide
                line["trainlab_in_loop_samples_per_s"] = round(statistics.median(in_loop), 1)
                line["in_loop_ratio"] = round(statistics.median(in_loop) / raw_s, 3)
            if loader:
                line["raw_dataloader_samples_per_s"] = round(statistics.median(loader), 1)
            if spec["tokens"] > 1:
                line["trainlab_tokens_per_s"] = round(ours_s * spec["tokens"], 1)
            if device.type == "cuda":
                line["gpu"] = torch.cuda.get_device_name(device)
                if name == "transformer":
                    flops = GPT(**spec["arch"]).flops_per_token()
                    from trainlab.training.devices import peak_flops

                    peak = peak_flops(device, "bf16")
                    if peak:
                        line["trainlab_mfu"] = round(ours_s * spec["tokens"] * flops / peak, 3)
            print(json.dumps(line), flush=True)
            assert math.isfinite(line["ratio"])


if __name__ == "__main__":
    main()
