"""Build the native scanner (src/trainlab/datasets/scanner.c) when trainlab is installed.

A plain shared library with no Python headers, loaded with ctypes (trainlab.datasets.native):
one build serves every Python version. Without a C compiler, or if the build fails, the
install goes on without it and trainlab reads CSV and JSON Lines with its Python paths
(same answers, slower); the warning says so. ``TRAINLAB_NO_NATIVE=1`` skips the build.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/trainlab/datasets/scanner.c")
LIBRARY = SOURCE.with_name("_scanner.so")
SEMANTICS = SOURCE.with_name("semantics.py")  # writes scanner_semantics.h, which scanner.c includes


class NativeScannerHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or os.environ.get("TRAINLAB_NO_NATIVE") == "1":
            return
        root = Path(self.root)
        spec = importlib.util.spec_from_file_location("trainlab_semantics", root / SEMANTICS)
        semantics = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(semantics)
        semantics.write_header()
        source, library = root / SOURCE, root / LIBRARY
        compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            self._warn("no C compiler (cc) found")
            return
        partial = library.with_suffix(".so.partial")
        command = [compiler, "-O3", "-fPIC", "-shared", "-o", str(partial), str(source)]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            self._warn(f"{' '.join(command)} failed:\n{detail}")
            partial.unlink(missing_ok=True)
            return
        os.replace(partial, library)
        if version != "editable":  # an editable install loads it from src/ where it lies
            build_data["force_include"][str(library)] = "trainlab/datasets/_scanner.so"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

    @staticmethod
    def _warn(why: str) -> None:
        print(f"trainlab: the native scanner was not built ({why}); CSV and JSON Lines files "
              "will be validated by the slower Python paths.", file=sys.stderr)
