"""Why a line of JSON was refused, found from its bytes.

msgspec (the strict reader of the Python paths, and of the lines the native scanner sets
aside) says only *that* a line is not a JSON object we accept. What the report says about it
(the code, the column, the detail) is decided here, from the line itself: its UTF-8, the
position where Python's own JSON grammar stops, and the tokens outside strings. Nothing
depends on the wording of another library's messages, which change between releases
(msgspec 0.23 began to word invalid UTF-8 as a ``DecodeError``; the codes here did not move).
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from trainlab.datasets.block import char_column, nul_error, utf8_error
from trainlab.datasets.semantics import MAX_DEPTH

# A string (escapes included) or a bare token that is a number or a non-finite word. Strings
# are matched so that a "NaN" inside one is skipped, and so their escapes can be looked at.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?')
_ESCAPED_UTF16 = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
                            r"|\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_JSON_SPACE = " \t\r\n"
_DECODER = json.JSONDecoder()
_STRING_BYTES = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_PLAIN_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_OPEN = np.zeros(256, np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def line_problem(line: bytes) -> tuple[str, dict[str, Any]] | None:
    """What refuses ``line`` before any reader decodes it: a NUL byte (``nul_byte``), or
    nesting deeper than :data:`~trainlab.datasets.semantics.MAX_DEPTH` (``too_deep``, found
    here so that no recursive reader or walk ever meets it). ``None`` when neither."""
    nul = nul_error(line)
    if nul is not None:
        return nul
    if line.count(b"[") + line.count(b"{") <= MAX_DEPTH or not _deeper_than_limit(line):
        return None
    deeper = _too_deep_at(line)
    if deeper is None:
        return None
    return "too_deep", {"column": char_column(line, deeper), "limit": MAX_DEPTH}


def _deeper_than_limit(line: bytes) -> bool:
    """Whether ``line`` nests deeper than MAX_DEPTH: the quick test, on its brackets alone.

    Escaped backslashes and quotes go first (so every quote left opens or closes a string),
    then every byte but quotes and brackets, then the strings; what is left is short.
    """
    bare = line.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    bare = _PLAIN_STRING.sub(b"", bare)
    return bool(len(bare)) and int(np.cumsum(_OPEN[np.frombuffer(bare, np.uint8)]).max()) > MAX_DEPTH


def _too_deep_at(line: bytes) -> int | None:
    """The byte offset of the bracket that opens level MAX_DEPTH + 1, if one does."""
    # Strings blanked (same length) so their brackets do not count; an unclosed one stays.
    bare = _STRING_BYTES.sub(lambda m: b" " * len(m.group()), line)
    depth = np.cumsum(_OPEN[np.frombuffer(bare, np.uint8)], dtype=np.int64)
    over = np.flatnonzero(depth > MAX_DEPTH)
    return int(over[0]) if len(over) else None


def json_error(line: bytes) -> tuple[str, dict[str, Any]]:
    """The error code and parameters for ``line``, which the strict reader refused.

    One of ``invalid_utf8`` (column and byte), ``non_finite_number`` (NaN, Infinity),
    ``trailing_data`` (a second value after the first) or ``invalid_json`` (column and a
    detail). Columns count characters from 1, at the first problem on the line. (A NUL byte
    or too deep a nesting is found first: :func:`line_problem`.)
    """
    problem = line_problem(line)
    if problem is not None:
        return problem
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return utf8_error(line)
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    stopped: int | None = None  # where Python's grammar stops, if it does
    end = len(text)
    try:
        _, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        stopped = exc.pos
    value = _value_problem(text, stopped if stopped is not None else end)
    if value is not None:
        return value
    if stopped is not None:
        return "invalid_json", {"column": stopped + 1, "detail": _unexpected(text, stopped)}
    if text[end:].strip(_JSON_SPACE):
        rest = end + len(text[end:]) - len(text[end:].lstrip(_JSON_SPACE))
        return "trailing_data", {"column": rest + 1}
    # Python's grammar takes the line whole: only the strict reader's own limits are left.
    return "invalid_json", {"column": start + 1, "detail": "not accepted by the strict reader"}


def _value_problem(text: str, before: int) -> tuple[str, dict[str, Any]] | None:
    """A non-finite number, a number out of range or a lone surrogate before ``before``."""
    for match in _TOKENS.finditer(text, 0, before + 1):
        token, at = match.group(), match.start()
        if at > before:
            break
        if token[0] == '"':
            lone = _lone_surrogate(token)
            if lone is not None:
                return "invalid_json", {"column": at + lone + 1,
                                        "detail": "a lone UTF-16 surrogate escape"}
        elif token[-1] in "yN":  # Infinity, -Infinity, NaN
            return "non_finite_number", {"column": at + 1}
        elif float(token) in (float("inf"), float("-inf")):
            return "invalid_json", {"column": at + 1,
                                    "detail": "a number too large for a 64-bit float"}
    return None


def _lone_surrogate(string: str) -> int | None:
    """The offset in ``string`` of a \\uD800-\\uDFFF escape that is not one half of a pair."""
    if "\\u" not in string:
        return None
    for match in _ESCAPED_UTF16.finditer(string):
        if match.group(1) is None or match.group(2) is None:  # a low half, or a high alone
            if string[:match.start()].endswith("\\") and _escaped(string, match.start()):
                continue
            return match.start()
    return None


def _escaped(string: str, at: int) -> bool:
    """Whether the backslash at ``at`` is itself escaped (preceded by an odd run of them)."""
    run = len(string[:at]) - len(string[:at].rstrip("\\"))
    return run % 2 == 1


def _unexpected(text: str, at: int) -> str:
    if at >= len(text.rstrip(_JSON_SPACE)):
        return "the record ends too early"
    char = text[at]
    if char in "\r\n":
        return "a raw line break inside a string; write it as \\n"
    if ord(char) < 0x20:
        return f"a control character (U+{ord(char):04X}) must be escaped"
    return f"unexpected {char!r}"
