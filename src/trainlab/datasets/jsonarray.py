"""Streaming the elements of a top-level JSON array without holding the document.

A JSON array file is split into its elements by a small tokenizer that tracks strings and
nesting depth. Each element becomes one line of JSON Lines, remembered with the physical line it
starts on, so the rest of the engine treats JSON exactly like JSON Lines. Line breaks between
tokens become spaces; one inside a string (which JSON forbids) becomes a raw carriage return,
so the element stays refused, as the same text is on a line of JSON Lines, never changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

_STRUCTURAL = re.compile(rb'["{}\[\],]')
_STRING_END = re.compile(rb'(?:[^"\\]|\\.)*"', re.DOTALL)
_WHITESPACE = b" \t\r\n"
_STRING_OR_BREAK = re.compile(rb'"(?:[^"\\]|\\.)*"|[\r\n]', re.DOTALL)
# Text whose strings hold no raw line break (possessive: linear, no backtracking).
_NO_BREAK_IN_STRING = re.compile(rb'(?:[^"]++|"(?:[^"\\\r\n]++|\\[^\r\n])*+")*+')
CHUNK = 1 << 20


@dataclass
class Element:
    data: bytes  # one line of JSON Lines
    line: int  # 0-based physical line where the element starts
    offset: int  # byte offset where the element starts


@dataclass
class StructureError:
    line: int
    column: int
    detail: str


def iter_elements(handle: BinaryIO, start: int = 0, line: int = 0,
                  inside: bool = False) -> Iterator[Element | StructureError]:
    """Yield the elements of the array in ``handle``.

    ``start``/``line`` resume at an element boundary found earlier; ``inside`` says that the
    opening ``[`` is already behind. A broken document yields one :class:`StructureError`
    (with where it breaks) and stops.
    """
    handle.seek(start)
    buffer = b""
    base = start  # file offset of buffer[0]
    counted_pos, counted_line = 0, line  # buffer index up to which newlines are counted
    pos = 0
    depth = 1 if inside else 0
    element_start: int | None = None  # buffer index
    element_line = 0
    eof = False
    seen_open = inside
    finished = False
    after_comma = False  # the last token at depth 1 was a separating comma

    def refill() -> bool:
        nonlocal buffer, base, pos, element_start, counted_pos, eof
        keep = element_start if element_start is not None else pos
        line_of(keep)
        base += keep
        buffer = buffer[keep:]
        pos -= keep
        counted_pos -= keep
        if element_start is not None:
            element_start = 0
        chunk = handle.read(CHUNK)
        if not chunk:
            eof = True
            return False
        buffer += chunk
        return True

    def line_of(index: int) -> int:
        nonlocal counted_pos, counted_line
        if index >= counted_pos:
            counted_line += buffer.count(b"\n", counted_pos, index)
        else:
            counted_line -= buffer.count(b"\n", index, counted_pos)
        counted_pos = index
        return counted_line

    def where(index: int) -> tuple[int, int]:
        column = index - (buffer.rfind(b"\n", 0, index) + 1) + 1
        return line_of(index), column

    refill()
    while True:
        # skip whitespace to the next token
        while True:
            while pos < len(buffer) and buffer[pos] in _WHITESPACE:
                pos += 1
            if pos < len(buffer) or eof or not refill():
                break
        if pos >= len(buffer):
            if finished and seen_open:
                return
            line_no, column = where(pos)
            yield StructureError(line_no, column, "the file ends before the array is closed with ]")
            return
        char = buffer[pos:pos + 1]
        if finished:
            line_no, column = where(pos)
            yield StructureError(line_no, column, "text after the closing ]")
            return
        if not seen_open:
            if char != b"[":
                line_no, column = where(pos)
                yield StructureError(line_no, column, "the document does not start with [")
                return
            seen_open, depth = True, 1
            pos += 1
            continue
        if depth == 1:
            if char == b"]":
                if element_start is not None:
                    yield _element(buffer, element_start, pos, element_line, base)
                    element_start = None
                elif after_comma:  # [{..},] : JSON has no trailing comma
                    line_no, column = where(pos)
                    yield StructureError(line_no, column, "a comma right before ]")
                    return
                finished, depth = True, 0
                pos += 1
                continue
            if char == b",":
                if element_start is None:
                    line_no, column = where(pos)
                    yield StructureError(line_no, column, "an empty element (two commas, or a "
                                         "comma right after [)")
                    return
                yield _element(buffer, element_start, pos, element_line, base)
                element_start, after_comma = None, True
                pos += 1
                continue
            if element_start is None:
                element_start, after_comma = pos, False
                element_line = line_of(pos)
        # inside an element: jump from structural character to structural character
        match = _STRUCTURAL.search(buffer, pos)
        if match is None:
            if not refill():
                pos = len(buffer)
                continue
            continue
        pos = match.start()
        token = buffer[pos:pos + 1]
        if token == b'"':
            end = _STRING_END.match(buffer, pos + 1)
            while end is None or (end.end() >= len(buffer) and not eof):
                if not refill():
                    break
                end = _STRING_END.match(buffer, pos + 1)
            if end is None:
                line_no, column = where(pos)
                yield StructureError(line_no, column, "a string that is never closed")
                return
            pos = end.end()
        elif token in (b"{", b"["):
            depth += 1
            pos += 1
        elif token in (b"}", b"]"):
            if depth == 1:  # the closing ] of the array, or a stray }
                if token == b"}":
                    line_no, column = where(pos)
                    yield StructureError(line_no, column, "a } without its {")
                    return
                continue
            depth -= 1
            pos += 1
        else:  # ',' inside a nested value, or the separator at depth 1
            if depth == 1:
                continue
            pos += 1


def _element(buffer: bytes, start: int, end: int, line: int, base: int) -> Element:
    data = buffer[start:end].rstrip(_WHITESPACE)
    if b"\n" in data or b"\r" in data:
        if _NO_BREAK_IN_STRING.fullmatch(data):  # the usual pretty-printed element
            data = data.replace(b"\r", b" ").replace(b"\n", b" ")
        else:
            data = _STRING_OR_BREAK.sub(_fold_break, data)
    return Element(data, line, base + start)


def _fold_break(match: re.Match[bytes]) -> bytes:
    """A line break between tokens: a space. Inside a string: a carriage return (still a raw
    control character, so the strict reader refuses the element and names the line break)."""
    token = match.group()
    return token.replace(b"\n", b"\r") if token[:1] == b'"' else b" "
