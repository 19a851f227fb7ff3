#!/bin/sh
# Installs trainlab the way the test suite's set-up does (Makefile): torch first and pinned (a plain
# `pip install torch` pulls a multi-GB CUDA build, or a torch newer than the one tested), then trainlab
# with its JupyterLab and JupyterHub extras, torch held at that version in the same resolve.
#
#   sh deploy/install.sh [SOURCE] [pip install options...]
#
# SOURCE: a source folder or a built wheel (default: this checkout). Environment: TORCH_VERSION
# (default: the Makefile's), TORCH_INDEX (PyTorch's index of a variant, e.g.
# https://download.pytorch.org/whl/cu128; default: pip's configured index), PYTHON (default: python).
# deploy/Dockerfile runs it; tests/test_deploy.py runs it with --dry-run in a fresh environment.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/..}
[ $# -gt 0 ] && shift
torch="torch==${TORCH_VERSION:-2.13.0}"
python=${PYTHON:-python}
"$python" -m pip install --no-cache-dir ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} "$@" "$torch"
"$python" -m pip install --no-cache-dir "$@" "$src[lab,hub]" "$torch"
