"""A bad JSON line is classified from its bytes, whatever the strict reader says about it.

msgspec 0.23 began to raise ``DecodeError('Invalid UTF-8 encoded string')`` where older
releases raised ``UnicodeDecodeError``, and a classifier reading its messages turned
``invalid_utf8`` into ``invalid_json``. These tests feed both paths a reader that words
every failure differently (and raises either exception) and expect the same report.
"""

from __future__ import annotations

import json
import os

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainlab.datasets import native
from trainlab.datasets.json_errors import json_error, line_problem
from trainlab.datasets.semantics import MAX_DEPTH

BAD_LINES = [
    '{"a": 1, "b": "x"}',
    '{"a": 2, "b": "y",}',  # trailing comma
    '{"a": 3, "b": "z"}{"a": 4}',  # two objects on one line
    '{"a": NaN, "b": "w"}',
    "[1, 2]",
    '{"a": 5, "b": "\xff"}',  # replaced by an invalid byte below
    '{"a": 6, "b": "v"}',
]
EXPECTED = [(2, "invalid_json", 19), (3, "trailing_data", 19), (4, "non_finite_number", 7),
            (5, "not_an_object", None), (6, "invalid_utf8", 16)]


@pytest.mark.parametrize(("line", "code", "params"), [
    (b'{"a": 1', "invalid_json", {"column": 8, "detail": "the record ends too early"}),
    (b'{"a": x}', "invalid_json", {"column": 7, "detail": "unexpected 'x'"}),
    (b'{a: 1}', "invalid_json", {"column": 2, "detail": "unexpected 'a'"}),
    (b'{"a": "a\tb"}', "invalid_json",
     {"column": 9, "detail": "a control character (U+0009) must be escaped"}),
    (b'{"a": NaN}', "non_finite_number", {"column": 7}),
    (b'{"a": [1, -Infinity]}', "non_finite_number", {"column": 11}),
    (b'{"a": "NaN", "b": Infinity}', "non_finite_number", {"column": 19}),
    (b'{"a": x, "b": NaN}', "invalid_json", {"column": 7, "detail": "unexpected 'x'"}),
    (b'{"a":1}{"a":2}', "trailing_data", {"column": 8}),
    (b'  {"a":1}  [2]', "trailing_data", {"column": 12}),
    (b'{"a": "\xff"}', "invalid_utf8", {"column": 8, "byte": "ff"}),
    ('{"é": "\\ud800"}'.encode(), "invalid_json",
     {"column": 8, "detail": "a lone UTF-16 surrogate escape"}),
    (b'{"a": "\\\\ud800", "b": 1e999}', "invalid_json",
     {"column": 23, "detail": "a number too large for a 64-bit float"}),
    (b"[" * 5000, "too_deep", {"column": 65, "limit": 64}),
    (b'{"a": "x\x00"}', "nul_byte", {"column": 9}),
    (b'{"a": "x\ry"}', "invalid_json", {"column": 9, "detail": "a raw line break inside a "
                                        "string; write it as \\n"}),
])
def test_classified_from_the_bytes(line: bytes, code: str, params: dict) -> None:
    assert json_error(line) == (code, params)


def _reworded(exception: type[Exception]):
    """A msgspec decoder whose every failure is ``exception`` with a message of our own."""
    real = msgspec.json.Decoder().decode

    def decode(data: bytes):
        try:
            return real(data)
        except (msgspec.DecodeError, UnicodeDecodeError):
            if exception is UnicodeDecodeError:
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "reworded") from None
            raise exception("a message no classifier has seen (byte 99)") from None

    return decode


@pytest.mark.parametrize("exception", [msgspec.DecodeError, msgspec.ValidationError,
                                       UnicodeDecodeError])
@pytest.mark.parametrize("use_native", [False, True])
def test_same_report_whatever_the_reader_says(ws, write, monkeypatch, exception,
                                              use_native) -> None:
    if use_native and not native.AVAILABLE:
        if os.environ.get("TRAINLAB_NATIVE") == "0":
            pytest.skip("TRAINLAB_NATIVE=0: the Python paths alone")
        pytest.fail("the native scanner is not built")
    decode = _reworded(exception)

    class Decoder:
        def __init__(self, *args, **kwargs) -> None:
            self.decode = decode

    monkeypatch.setattr(msgspec.json, "Decoder", Decoder)  # the Python path's reader
    monkeypatch.setattr(native, "_DECODE", decode)  # the lines the scanner sets aside
    monkeypatch.setattr(native, "AVAILABLE", use_native)
    raw = ("\n".join(BAD_LINES) + "\n").encode().replace("\xff".encode(), b"\xff")
    ds = ws.datasets.add(write("rows.jsonl", raw))
    got = [(e["line"], e["code"], e["params"].get("column")) for e in ds.report["errors"]]
    assert got == EXPECTED
    assert ds.report["rows_valid"] == 2


# -- the nesting limit, found from the bytes (issue 14, section 1, item 1) --------------------
_LEAVES = st.one_of(st.none(), st.integers(), st.text(alphabet='[]{}"\\ab\n\x00é', max_size=6))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text('[]{}"\\k', max_size=3), inner,
                                                 max_size=3)), max_leaves=12)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(_VALUES, st.integers(50, 70), st.booleans())
@settings(max_examples=300, deadline=None)
def test_too_deep_exactly_when_deeper_than_the_limit(value, wrap, objects) -> None:
    for _ in range(wrap):
        value = {"k": value} if objects else [value]
    record = {"v": value}
    line = json.dumps(record).encode()
    problem = line_problem(line)
    if _depth(record) > MAX_DEPTH:
        assert problem is not None and problem[0] == "too_deep"
        column = problem[1]["column"]
        prefix = line.decode()[:column]  # up to the bracket that goes one level too deep
        assert prefix[-1] in "[{" and _open_levels(prefix) == MAX_DEPTH + 1
    else:
        assert problem is None


def _open_levels(prefix: str) -> int:
    """How many brackets are open at the end of ``prefix`` (decoded JSON text, no NUL)."""
    depth, in_string, escaped = 0, False, False
    for char in prefix:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth
