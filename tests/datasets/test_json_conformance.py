"""The public JSON parsing conformance suite (nst/JSONTestSuite, ``test_parsing``) through ingest.

The files are in ``tests/data/JSONTestSuite`` (MIT, see its README.md and LICENSE). Each file is
one JSON text: ``y_`` must be accepted by a parser, ``n_`` refused, ``i_`` either. Through
``ws.datasets.add`` and ``preview``, on the native and the Python paths:

- every ``y_`` file, as one line of a ``.jsonl`` and as one element of a ``.json`` array, is a
  valid record when it is a JSON object, and a ``not_an_object`` bad line otherwise;
- every ``n_`` file, as one line of a ``.jsonl``, is a bad line with a code and a message;
- every ``i_`` file, as a line, as an array element and as a whole file, gives an answer with
  a code (a record, a named bad line, or a whole-file ``DatasetError``), never a crash.

Choices, to keep it fast (one dataset per category, not one per file) and exact:

- The files of a category are the lines of one ``.jsonl`` after 64 KiB of good records, so
  that each is read as a line *after the file's head*: a file's NUL byte or bad UTF-8 is then
  a bad line, not a whole-file ``binary_file``/``not_utf8`` rejection of the whole category
  (``i_`` files are also added one by one as whole files, where those rejections are right).
- A line of JSON Lines cannot hold a raw newline: the five files with one (two ``y_``, three
  ``n_``) are read inside a ``.json`` array instead, where the newline is JSON whitespace or, in
  ``n_string_unescaped_newline``, a raw control character in a string that must be refused.
- ``n_structure_no_data`` and ``n_single_space`` are empty: as a line of JSON Lines they are
  blank lines (counted and warned, not records), which is what an empty line is there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainlab.datasets import native
from trainlab.errors import DatasetError
from trainlab.i18n import MESSAGES

SUITE = Path(__file__).resolve().parents[1] / "data" / "JSONTestSuite" / "test_parsing"
PAD = b'{"pad": 0}\n' * 7000  # 77 KB of good records: the files come after the head
PAD_LINES = PAD.count(b"\n")


def files(prefix: str) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in sorted(SUITE.glob(f"{prefix}_*.json"))]


def one_line(content: bytes) -> bool:
    return b"\n" not in content.rstrip(b"\n") and b"\r" not in content


def blank(content: bytes) -> bool:
    return not content.strip(b" \t\r\n")


def as_jsonl(contents: list[bytes]) -> tuple[bytes, list[int]]:
    """The contents as lines after the padding, and the 1-based line of each."""
    lines = [content.rstrip(b"\n") for content in contents]
    return PAD + b"\n".join(lines) + b"\n", [PAD_LINES + 1 + i for i in range(len(lines))]


def as_array(contents: list[bytes]) -> tuple[bytes, list[int]]:
    """The contents as the elements of one JSON array, and the line each element starts on."""
    doc, starts = b"[\n", []
    for i, content in enumerate(contents):
        lead = content[:len(content) - len(content.lstrip(b" \t\r\n"))]
        starts.append(doc.count(b"\n") + lead.count(b"\n") + 1)
        doc += content + (b",\n" if i < len(contents) - 1 else b"\n")
    return doc + b"]", starts


def errors_by_line(ds) -> dict[int, str]:
    errors = ds.report["errors"]
    assert len(errors) == sum(ds.report["error_counts"].values())  # none left out
    for error in errors:
        assert error["code"] in MESSAGES and error["message"], error
    return {error["line"]: error["code"] for error in errors}


def check_accepted(ds, lines: list[int], contents: list[bytes]) -> None:
    """Each object a valid record on its line; each other value a ``not_an_object`` line."""
    found = errors_by_line(ds)
    kept = set(ds.preview(0, ds.rows).index.tolist())
    for line, content in zip(lines, contents):
        if isinstance(json.loads(content), dict):
            assert line in kept and line not in found, (line, content[:60])
        else:
            assert found.get(line) == "not_an_object" and line not in kept, (line, content[:60])


def test_the_suite_is_there() -> None:
    assert (SUITE.parent / "LICENSE").is_file()
    assert len(files("y")) == 95 and len(files("n")) == 188 and len(files("i")) == 35


def test_y_files_as_jsonl_lines(ws, write, paths) -> None:
    chosen = [content for _, content in files("y") if one_line(content)]
    data, lines = as_jsonl(chosen)
    ds = ws.datasets.add(write("y.jsonl", data))
    check_accepted(ds, lines, chosen)
    assert ds.rows == PAD_LINES + sum(isinstance(json.loads(c), dict) for c in chosen)


def test_y_files_as_json_array_elements(ws, write, paths) -> None:
    chosen = [content for _, content in files("y")]  # the ones with newlines too
    data, lines = as_array(chosen)
    ds = ws.datasets.add(write("y.json", data))
    check_accepted(ds, lines, chosen)


def test_n_files_as_jsonl_lines_are_each_named(ws, write, paths) -> None:
    chosen = [(name, content) for name, content in files("n")
              if one_line(content) and not blank(content)]
    data, lines = as_jsonl([content for _, content in chosen])
    ds = ws.datasets.add(write("n.jsonl", data))
    found = errors_by_line(ds)
    missing = [name for (name, _), line in zip(chosen, lines) if line not in found]
    assert missing == [] and ds.rows == PAD_LINES


def test_empty_n_files_are_blank_lines(ws, write, paths) -> None:
    chosen = [content for _, content in files("n") if blank(content)]
    assert len(chosen) == 2
    data, _ = as_jsonl(chosen)
    ds = ws.datasets.add(write("blank.jsonl", data))
    assert ds.report["errors"] == [] and ds.rows == PAD_LINES
    assert any(w["code"] == "blank_lines" for w in ds.report["warnings"])


@pytest.mark.parametrize("name", [name for name, content in files("n") if not one_line(content)])
def test_n_files_with_newlines_as_json_documents(ws, write, paths, name) -> None:
    content = (SUITE / name).read_bytes()
    try:
        ds = ws.datasets.add(write("n.json", b"[" + content + b"]"))
    except DatasetError as exc:
        assert exc.code in MESSAGES
        return
    assert errors_by_line(ds) and ds.status == "invalid"


def test_i_files_never_crash(ws, write, paths) -> None:
    chosen = [content for _, content in files("i")]
    data, lines = as_jsonl(chosen)
    ds = ws.datasets.add(write("i.jsonl", data))
    found = errors_by_line(ds)
    kept = set(ds.preview(0, ds.rows).index.tolist())
    assert all((line in found) != (line in kept) for line in lines)
    data, _ = as_array(chosen)
    try:
        ds = ws.datasets.add(write("i.json", data))
        errors_by_line(ds)
        ds.preview(0, ds.rows)
    except DatasetError as exc:
        assert exc.code in MESSAGES
    for name, content in files("i"):  # whole files: BOMs and UTF-16 are whole-file answers
        for suffix in (".jsonl", ".json"):
            try:
                ds = ws.datasets.add(write(name.replace(".json", suffix), content))
            except DatasetError as exc:
                assert exc.code in MESSAGES, name
                continue
            errors_by_line(ds)
            ds.preview()


def test_n_and_i_lines_are_named_alike_on_both_paths(ws, write, monkeypatch) -> None:
    if not native.AVAILABLE:
        pytest.skip("no native scanner here")
    chosen = [content for prefix in ("n", "i") for _, content in files(prefix)
              if one_line(content) and not blank(content)]
    data, _ = as_jsonl(chosen)
    answers = []
    for available in (True, False):
        monkeypatch.setattr(native, "AVAILABLE", available)
        ds = ws.datasets.add(write("ni.jsonl", data))
        answers.append([(e["line"], e["code"], e["params"]) for e in ds.report["errors"]])
    assert answers[0] == answers[1]
