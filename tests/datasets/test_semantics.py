"""The rules shared by the scanner and the Python paths, and the check that the library loaded
was built from them."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from trainlab.datasets import native, semantics

needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
# Where cc exists the library must have loaded (test_native says why it did not): these run.
needs_native = pytest.mark.skipif(
    os.environ.get("TRAINLAB_NATIVE") == "0" or shutil.which("cc") is None,
    reason="the native scanner is turned off or cannot be built here")


def test_the_committed_header_is_what_the_rules_write() -> None:
    """scanner.c is compiled with the header in the tree: it must say what semantics.py says
    (run ``python -m trainlab.datasets.semantics`` after editing that file)."""
    assert semantics.HEADER.read_text() == semantics.header_text()


def test_write_header_writes_only_when_the_rules_changed(tmp_path: Path) -> None:
    target = tmp_path / "scanner_semantics.h"
    assert semantics.write_header(target) is True
    assert semantics.write_header(target) is False
    assert target.read_text() == semantics.header_text()


@needs_native
def test_the_scanner_reads_the_words_as_the_rules_say() -> None:
    for word in semantics.NULL_WORDS:
        assert native.classify(word) == ("null", None), word
    for word in semantics.BOOL_WORDS:
        assert native.classify(word) == ("boolean", word in semantics.TRUE_WORDS), word
    for word in ("nul", "NONE", "Na", "yes", "tRue", "0"):
        assert native.classify(word)[0] not in ("null", "boolean"), word


def build(tmp_path: Path, *flags: str, source: Path | None = None) -> Path:
    library = tmp_path / "_scanner.so"
    source = source or native.LIBRARY.with_name("scanner.c")
    subprocess.run(["cc", "-O0", "-fPIC", "-shared", *flags, "-o", str(library), str(source)],
                   check=True, capture_output=True)
    return library


def declined(path: Path) -> str:
    """The warning given when the library at ``path`` is declined."""
    with pytest.warns(RuntimeWarning) as caught:
        assert native._load(path) is None
    message = str(caught[0].message)
    assert str(path) in message and "rebuilt" in message
    return message


@needs_native
def test_the_built_library_is_loaded_without_a_word() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native._load(native.LIBRARY) is not None


@pytest.fixture()
def loader_on(monkeypatch) -> None:
    """These test the loader on a given library: TRAINLAB_NATIVE=0 (make test-python-paths)
    would have it load nothing, silently."""
    monkeypatch.delenv("TRAINLAB_NATIVE", raising=False)


@needs_cc
@pytest.mark.usefixtures("loader_on")
def test_a_library_of_another_abi_is_declined(tmp_path: Path) -> None:
    message = declined(build(tmp_path, "-DSCANNER_ABI=999"))
    assert f"scanner_abi() is 999, expected {semantics.SCANNER_ABI}" in message


@needs_cc
@pytest.mark.usefixtures("loader_on")
def test_a_library_built_before_the_abi_was_said_is_declined(tmp_path: Path) -> None:
    source = tmp_path / "old.c"
    source.write_text("int find_byte(const char *s, long n, int c) { return -1; }\n")
    assert "does not say its ABI" in declined(build(tmp_path, source=source))


@needs_native
def test_a_library_of_other_rules_or_structs_is_declined(monkeypatch) -> None:
    monkeypatch.setattr(semantics, "RULES", semantics.RULES ^ 1)
    assert "scanner_rules()" in declined(native.LIBRARY)
    monkeypatch.undo()

    class Wider(ctypes.Structure):
        _fields_ = [*native._Result._fields_, ("extra", ctypes.c_int64)]

    monkeypatch.setattr(native, "_Result", Wider)
    assert "scanner_result_size()" in declined(native.LIBRARY)


def test_a_missing_library_is_said_once_with_how_to_build_it(tmp_path: Path, monkeypatch) -> None:
    """pip hides what a build prints: without a compiler, trainlab itself says it is slower."""
    monkeypatch.delenv("TRAINLAB_NATIVE", raising=False)
    with pytest.warns(RuntimeWarning) as caught:
        assert native._load(tmp_path / "_scanner.so") is None
    message = str(caught[0].message)
    assert "is not there" in message and "C compiler" in message and "TRAINLAB_NATIVE=0" in message
    monkeypatch.setenv("TRAINLAB_NATIVE", "0")  # turned off on purpose: silent
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native._load(tmp_path / "_scanner.so") is None
