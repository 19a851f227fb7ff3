"""Build the native scanner (src/trainlab/datasets/scanner.c) when trainlab is installed.

A plain shared library with no Python headers, loaded with ctypes (trainlab.datasets.native):
one build serves every Python version, so the wheel is tagged ``py3-none-<platform>``. Without
a C compiler, or if the build fails, the install goes on without it and trainlab reads CSV and
JSON Lines with its Python paths (same answers, slower): the build says so, and so does
trainlab when it first reads a file. ``TRAINLAB_NO_NATIVE=1`` skips the build.

The JupyterLab sidebar (src/trainlab/labextension, shared data of the wheel) is built by
hatch-jupyter-builder's hook (pyproject.toml) when it is missing; this hook runs first and
stops such a build with a clear message when there is no Node.js to build it with.

``python hatch_build.py --sanitize OUT`` builds the library with AddressSanitizer and
UndefinedBehaviorSanitizer for ``make test-native-asan``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

SOURCE = Path("src/trainlab/datasets/scanner.c")
LIBRARY = SOURCE.with_name("_scanner.so")
SEMANTICS = SOURCE.with_name("semantics.py")  # writes scanner_semantics.h, which scanner.c includes
BUNDLE = Path("src/trainlab/labextension/static/style.js")  # tools/build_labextension.py
RELEASE_FLAGS = ["-O3"]
SANITIZE_FLAGS = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                  "-fno-sanitize-recover=all"]


def compile_scanner(root: Path, output: Path, flags: list[str]) -> str | None:
    """Compile scanner.c into ``output`` (atomically); the reason when it cannot be built."""
    spec = importlib.util.spec_from_file_location("trainlab_semantics", root / SEMANTICS)
    semantics = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(semantics)
    semantics.write_header()  # the rules shared with Python, as C
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return "no C compiler (cc) found"
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    command = [compiler, *flags, "-fPIC", "-shared", "-o", str(partial), str(root / SOURCE)]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        partial.unlink(missing_ok=True)
        return f"{' '.join(command)} failed:\n{getattr(exc, 'stderr', '') or exc}"
    os.replace(partial, output)
    return None


def check_labextension(root: Path) -> None:
    """Stop a standard build that cannot carry the sidebar, saying how to fix it.

    The jupyter-builder hook (pyproject.toml) builds the bundle when it is missing, with
    ``jlpm`` and Node.js; without node its error would be a bare "command not found"."""
    if (root / BUNDLE).is_file() or os.environ.get("SKIP_JUPYTER_BUILDER"):
        return
    if shutil.which("node") is None:
        raise RuntimeError(
            "trainlab: the JupyterLab sidebar's prebuilt bundle (src/trainlab/labextension) is "
            "missing and Node.js is not installed to build it. Install Node.js 20.19 or newer "
            "and build again (or run `make labext` first), or install a released trainlab "
            "wheel, which carries the bundle.")


def platform_tag() -> str:
    """This machine's platform as a wheel tag: the library is built here, for here."""
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script (make test-native-asan) without hatchling
    BuildHookInterface = object  # type: ignore[assignment,misc]


class NativeScannerHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name in ("wheel", "sdist") and version == "standard":
            check_labextension(Path(self.root))
        if self.target_name != "wheel" or os.environ.get("TRAINLAB_NO_NATIVE") == "1":
            return
        root = Path(self.root)
        problem = compile_scanner(root, root / LIBRARY, RELEASE_FLAGS)
        if problem is not None:
            print(f"trainlab: the native scanner was not built ({problem}); CSV and JSON Lines "
                  "files will be validated by the slower Python paths (same answers). Install "
                  "a C compiler and reinstall trainlab to build it.", file=sys.stderr)
            return
        if version != "editable":  # an editable install loads it from src/ where it lies
            build_data["force_include"][str(root / LIBRARY)] = "trainlab/datasets/_scanner.so"
            build_data["pure_python"] = False
            # ctypes, no Python headers: any Python 3 on this platform, no CPython ABI.
            build_data["tag"] = f"py3-none-{platform_tag()}"


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--sanitize":
        sys.exit("usage: python hatch_build.py --sanitize OUTPUT.so")
    failure = compile_scanner(Path(__file__).parent, Path(sys.argv[2]), SANITIZE_FLAGS)
    if failure is not None:
        sys.exit(f"trainlab: the sanitizer build failed: {failure}")
