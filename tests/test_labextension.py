"""The JupyterLab sidebar's build tooling (tools/build_labextension.py) and its lock: the
sources' hash decides whether `make labext` rebuilds, and the lock names no registry."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_labextension",
                                              ROOT / "tools" / "build_labextension.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def sources(tmp_path: Path) -> Path:
    source = tmp_path / "labextension"
    shutil.copytree(ROOT / "labextension", source, ignore=shutil.ignore_patterns(
        "node_modules", "lib", ".yarn", "coverage", "*.tsbuildinfo", "junit.xml"))
    return source


def test_the_hash_follows_the_sources_and_nothing_else(tmp_path: Path) -> None:
    source = sources(tmp_path)
    before = tool.source_hash(source)
    assert tool.source_hash(source) == before
    (source / "README.md").write_text("not a build input")
    (source / "node_modules" / "x").mkdir(parents=True)
    (source / "node_modules" / "x" / "index.js").write_text("1")
    assert tool.source_hash(source) == before
    index = source / "src" / "index.ts"
    index.write_text(index.read_text() + "\n")
    assert tool.source_hash(source) != before
    index.rename(source / "src" / "renamed.ts")  # same bytes, another name
    moved = tool.source_hash(source)
    assert moved != before and moved != tool.source_hash(sources(tmp_path / "again"))


def test_up_to_date_needs_the_bundle_and_the_stamp_of_these_sources(tmp_path: Path) -> None:
    source, output = sources(tmp_path), tmp_path / "out"
    assert not tool.up_to_date(output, source)
    (output / "static").mkdir(parents=True)
    (output / "static" / "style.js").write_text("")
    assert not tool.up_to_date(output, source)  # no stamp
    (output / tool.STAMP).write_text(tool.source_hash(source) + "\n")
    assert tool.up_to_date(output, source)
    (source / "style" / "base.css").write_text("/* changed */")
    assert not tool.up_to_date(output, source)


def test_a_development_bundle_is_not_a_production_one_nor_the_reverse(tmp_path: Path) -> None:
    source, output = sources(tmp_path), tmp_path / "out"
    (output / "static").mkdir(parents=True)
    (output / "static" / "style.js").write_text("")
    (output / tool.STAMP).write_text(tool.stamp_text(source, dev=True) + "\n")  # --dev build
    assert tool.up_to_date(output, source, dev=True)
    assert not tool.up_to_date(output, source)  # `make labext` wants the production bundle
    (output / tool.STAMP).write_text(tool.stamp_text(source) + "\n")
    assert tool.up_to_date(output, source) and not tool.up_to_date(output, source, dev=True)


def test_link_points_the_venv_at_the_output_replacing_a_copy(tmp_path: Path) -> None:
    copy = tmp_path / "venv" / "share" / "jupyter" / "labextensions" / "trainlab"
    copy.mkdir(parents=True)
    (copy / "package.json").write_text("{}")  # what `pip install -e .` copied
    tool.link(tmp_path / "venv")
    assert copy.is_symlink() and copy.resolve() == tool.OUTPUT.resolve()
    tool.link(tmp_path / "venv")  # again: unchanged
    assert copy.resolve() == tool.OUTPUT.resolve()


def test_the_lock_names_no_registry() -> None:
    lock = (ROOT / "labextension" / "yarn.lock").read_text()
    assert "__metadata:" in lock and "checksum:" in lock  # yarn berry's, with checksums
    assert "://" not in lock
    assert "npmRegistryServer" not in (ROOT / "labextension" / ".yarnrc.yml").read_text()
