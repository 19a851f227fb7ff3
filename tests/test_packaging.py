"""The wheel as pip builds it: tagged for what the native scanner is (a plain library loaded
with ctypes: any Python 3, this platform), and, without a C compiler, a pure wheel whose build
says so and whose trainlab works on the Python paths."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "hatch_build.py", "README.md", "src", "jupyter-config")


def build(tmp_path: Path, **env: str) -> tuple[Path, str]:
    """A wheel built from a copy of the sources (the build writes into its tree)."""
    tree = tmp_path / "tree"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns(
                "_scanner.so*", "__pycache__", "*.egg-info"))
        else:
            tree.mkdir(exist_ok=True)
            shutil.copy2(source, tree / name)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
         "-w", str(tmp_path / "dist"), str(tree)],
        capture_output=True, text=True, timeout=600, env={**os.environ, **env})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    return wheel, out.stdout + out.stderr


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to build the scanner")
def test_the_wheel_is_tagged_for_a_ctypes_library_and_carries_it(tmp_path: Path) -> None:
    from trainlab.datasets import native

    wheel, _ = build(tmp_path)
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert wheel.name == f"trainlab-0.1.0-py3-none-{platform}.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "trainlab/datasets/_scanner.so" in names
        assert any(n.endswith("jupyter_server_config.d/trainlab.json") for n in names)
        archive.extract("trainlab/datasets/_scanner.so", tmp_path / "x")
    assert native._load(tmp_path / "x/trainlab/datasets/_scanner.so") is not None  # not stale


def test_without_a_compiler_the_wheel_is_pure_and_the_build_says_why(tmp_path: Path) -> None:
    wheel, said = build(tmp_path, CC=str(tmp_path / "no-such-cc"))
    assert wheel.name == "trainlab-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert not any("_scanner" in n and n.endswith(".so") for n in archive.namelist())
    assert "the native scanner was not built" in said and "Python paths" in said
