"""Build the JupyterLab sidebar (labextension/) into src/trainlab/labextension, when its
sources changed.

The sources' hash (package.json, yarn.lock, configs, src/, style/, schema/, and the
jupyter-builder version) and the kind of bundle (production, or ``-dev``) are stamped into
the output; an unchanged stamp with the bundle in place is up to date (a fraction of a
second, no node needed). Otherwise: ``jlpm install --immutable`` (skipped when node_modules
is newer than the lock and package.json), then ``jlpm build:prod``. Without node the build
is skipped with a message (an error when ``CI=true``): trainlab works without its sidebar.

``--link VENV`` makes ``VENV/share/jupyter/labextensions/trainlab`` a symbolic link to the
output (what ``jupyter labextension develop`` does), so ``jlpm watch`` is live in JupyterLab.
``--dev`` builds the development bundle (``jlpm build``: source maps, faster).

Usage: ``python tools/build_labextension.py [--dev] [--link VENV]`` (``make labext``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "labextension"
OUTPUT = ROOT / "src" / "trainlab" / "labextension"
STAMP = ".source-sha256"
FILES = ("package.json", "yarn.lock", ".yarnrc.yml", "tsconfig.json", "install.json")
FOLDERS = ("src", "style", "schema")


def source_hash(source: Path = SOURCE) -> str:
    """The sha256 over the sources' relative paths and bytes, and the builder's version."""
    digest = hashlib.sha256()
    paths = [source / name for name in FILES if (source / name).is_file()]
    for folder in FOLDERS:
        paths += sorted(p for p in (source / folder).rglob("*") if p.is_file())
    for path in paths:
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    try:
        from jupyter_builder import __version__ as builder
    except ImportError:  # the build itself will say what is missing
        builder = "none"
    digest.update(builder.encode())
    return digest.hexdigest()


def stamp_text(source: Path = SOURCE, dev: bool = False) -> str:
    """What a build stamps: the sources' hash, and ``-dev`` for a development bundle (so a
    development build never passes for a production one, nor the reverse)."""
    return source_hash(source) + ("-dev" if dev else "")


def up_to_date(output: Path = OUTPUT, source: Path = SOURCE, dev: bool = False) -> bool:
    """Whether the output holds a bundle of the kind asked for, built from the current sources."""
    stamp = output / STAMP
    return ((output / "static" / "style.js").is_file() and stamp.is_file()
            and stamp.read_text().strip() == stamp_text(source, dev))


def jlpm() -> list[str]:
    """The command running jlpm (the one beside this Python first)."""
    beside = Path(sys.executable).with_name("jlpm")
    return [str(beside)] if beside.exists() else ["jlpm"]


def build(dev: bool = False) -> None:
    """Install the locked node packages when needed, then build into OUTPUT and stamp it."""
    modules = SOURCE / "node_modules" / ".yarn-state.yml"
    newest = max((SOURCE / name).stat().st_mtime for name in ("package.json", "yarn.lock"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.monotonic()
    if not modules.exists() or modules.stat().st_mtime < newest:
        subprocess.run([*jlpm(), "install", "--immutable"], cwd=SOURCE, env=env, check=True)
    subprocess.run([*jlpm(), "build" if dev else "build:prod"], cwd=SOURCE, env=env, check=True)
    (OUTPUT / STAMP).write_text(stamp_text(dev=dev) + "\n")
    print(f"trainlab: the JupyterLab sidebar was built in {time.monotonic() - started:.0f} s "
          f"({OUTPUT.relative_to(ROOT)})")


def link(venv: Path) -> None:
    """Point VENV's share/jupyter/labextensions/trainlab at OUTPUT (replacing a copy)."""
    target = venv / "share" / "jupyter" / "labextensions" / "trainlab"
    if target.is_symlink() and target.resolve() == OUTPUT.resolve():
        return
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)  # the copy a `pip install -e .` made: stale after every build
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(OUTPUT.resolve(), target_is_directory=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="development bundle (jlpm build)")
    parser.add_argument("--link", type=Path, metavar="VENV", help="symlink the output into VENV")
    args = parser.parse_args(argv)
    if not up_to_date(dev=args.dev):
        if shutil.which("node") is None:
            message = ("node is not installed: the JupyterLab sidebar is not built and its tests "
                       "are skipped. Install Node.js 20 (e.g. apt-get install nodejs) and run "
                       "`make labext`.")
            print(f"trainlab: {message}", file=sys.stderr)
            return 1 if os.environ.get("CI") == "true" else 0
        build(dev=args.dev)
    if args.link is not None:
        link(args.link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
