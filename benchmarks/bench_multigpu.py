"""The same job on 1 and on N devices: samples/s of each and the scaling ratio.

    python benchmarks/bench_multigpu.py [--devices N] [--device cpu|cuda] [--rows 20000]
                                        [--steps 200] [--batch-size 256]

``trainlab.fit(..., devices=N)`` as a user calls it: N GPUs (one process each, NCCL) on a CUDA
machine, else N CPU processes (gloo). Both runs train the tabular MLP on the same generated
table with the same per-process batch size and number of steps (so the N-device run sees N
times the samples); the figure is the loop's own ``samples_per_s`` (all processes together,
measured over the training steps, without the start-up; ``wall_s`` includes it). Every process
uses one CPU thread (``OMP_NUM_THREADS=1``, as torchrun sets it), the one-process run too, so the
two runs compare like for like; on a CPU machine the processes share its cores.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch: the same threads per process

import trainlab


def rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        values = [rng.gauss(0, 1) for _ in range(16)]
        out.append({**{f"x{i}": v for i, v in enumerate(values)},
                    "label": "high" if sum(values[:4]) > 0 else "low"})
    return out


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cuda = torch.cuda.is_available()
    parser.add_argument("--devices", type=int, default=torch.cuda.device_count() if cuda else 2)
    parser.add_argument("--device", default="cuda" if cuda else "cpu")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = trainlab.Workspace(Path(tmp) / "ws")
        path = Path(tmp) / "table.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows(args.rows)))
        ds = ws.datasets.add(path)
        figures = {}
        for n in (1, args.devices):
            started = time.perf_counter()
            result = trainlab.fit(ds, workspace=ws, label="label", device=args.device, devices=n,
                                  max_steps=args.steps, batch_size=args.batch_size,
                                  early_stopping=None, eval_every=args.steps, log_every=50)
            figures[n] = {"samples_per_s": round(result.samples_per_s, 1),
                          "wall_s": round(time.perf_counter() - started, 2),
                          "steps": result.steps, "world": result.config["world_size"]}
    one, many = figures[1], figures[args.devices]
    print(json.dumps({
        "bench": "multigpu", "device": args.device,
        "gpu": torch.cuda.get_device_name(0) if args.device == "cuda" else None,
        "devices": args.devices, "batch_size_per_process": args.batch_size,
        "steps": args.steps, "one": one, "many": many,
        "scaling": round(many["samples_per_s"] / one["samples_per_s"], 3)
        if one["samples_per_s"] else None}))


if __name__ == "__main__":
    main()
