#!/usr/bin/env bash
# The GPU check of the training engine, for a CUDA machine with Python, torch, numpy, pandas
# and pyarrow (no jupyter): the training tests marked `gpu` (the pretrained-model ones
# included), the train benchmark on CUDA with bf16, then the pretrained-model benchmark
# (bench_hf.py: trainlab vs transformers.Trainer, a 124M GPT-2-shaped LM with its MFU and a
# BERT-base-shaped classifier). Each step has its own time limit; under 8 minutes in all on one
# H100/H200. The benchmarks print one JSON line each.
#
#   benchmarks/gpu_check.sh            # from the repository root
#
# Packages the machine lacks (msgspec, safetensors, pytest) are installed from wheels in
# .wheels/ when that folder exists (a machine with no network), else from the index:
#   pip download --only-binary=:all: --python-version 3.12 -d .wheels msgspec safetensors pytest \
#     pyarrow transformers tokenizers huggingface_hub peft accelerate
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "no CUDA device here")'
missing=$("$PY" - <<'PYEOF'
import importlib.util
print(" ".join(m for m in ("msgspec", "safetensors", "pytest", "pyarrow", "transformers",
      "tokenizers", "huggingface_hub", "peft", "accelerate") if importlib.util.find_spec(m) is None))
PYEOF
)
if [ -n "$missing" ]; then
  if [ -d .wheels ]; then
    "$PY" -m pip install --quiet --no-index --find-links .wheels ${missing//_/-}
  else
    "$PY" -m pip install --quiet ${missing//_/-}
  fi
fi
export PYTHONPATH=src HF_HUB_OFFLINE=1  # nothing is downloaded: the models are built from configs
"$PY" -c 'import torch; print("torch", torch.__version__, "on", torch.cuda.get_device_name(0))'
timeout 150 "$PY" -m pytest tests/training tests/jobs/test_launcher.py -m gpu -q -p no:cacheprovider -o addopts="-ra"
timeout 150 "$PY" benchmarks/bench_train.py --device cuda --repeat 3
timeout 150 "$PY" benchmarks/bench_hf.py --device cuda --repeat 3
# devices=N: the same job on 1 GPU and on every GPU of the machine (samples/s and the ratio)
timeout 150 "$PY" benchmarks/bench_multigpu.py
