"""What a Persian panel shows a reader, and the Latin words in it (issue 18: "a test that renders
each panel in Persian and fails on any Latin word outside a whitelist").

Text a panel marks as left to right on purpose (inside ``<code>`` or an element with
``dir="ltr"``: ``<bdi dir="ltr">``, ``<span dir="ltr">``) is meant to be data: ids, paths,
numbers with units, column names, a line of Python. It is still read, with a relaxed rule
(review of issue 18): a token that looks like data (a digit, ``_``, ``/``, ``.``, ``-``, ``=``,
``(`` or a quote in it, or an id ``ds_…``/``job_…``) or is allowed passes; a plain English word
there fails, as it would anywhere else. ``<pre>`` (a traceback under "details"), ``<style>``,
``<script>``, ``<kbd>`` and ``<samp>`` are left out. Widget labels (descriptions, button texts,
tooltips, placeholders, option labels, tab and accordion titles) are checked as they are.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any

# Words a Persian panel may keep in Latin letters: units, and names that are not translated.
ALLOWED = frozenset({
    "B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "s", "ms", "min", "h",
    "CPU", "GPU", "CUDA", "MPS", "JSON", "JSONL", "CSV", "trainlab", "PyTorch",
    "fp32", "bf16", "fp16", "auto",
    "cpu", "cuda", "mps",  # a device as PyTorch names it (the jobs' device, the log's start line)
})
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-']*")
DATA_MARK = re.compile(r"[0-9_/.\-=()\"'`]")  # a token with one of these is data, not a word
DATA_ID = re.compile(r"^(ds|job)_[0-9a-z]+$")
RELAXED = "[ltr]"  # the end of a ``where`` whose text is read with the relaxed rule
_SKIP_TAGS = {"pre", "style", "script", "kbd", "samp"}
_DATA_TAGS = {"code"}
_VOID = {"br", "img", "input", "meta", "link", "hr", "col", "wbr", "source", "path", "line",
         "polyline", "rect", "circle", "stop"}


class _Reader(HTMLParser):
    """The text of an HTML fragment: wording, and the data marked left to right, apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []  # per open element: "text", "data" or "skip"
        self.parts: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        outer = self.stack[-1] if self.stack else "text"
        if outer == "skip" or tag in _SKIP_TAGS:
            kind = "skip"
        elif outer == "data" or tag in _DATA_TAGS or dict(attrs).get("dir") == "ltr":
            kind = "data"
        else:
            kind = "text"
        self.stack.append(kind)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        return

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        kind = self.stack[-1] if self.stack else "text"
        if kind == "text":
            self.parts.append(data)
        elif kind == "data":
            self.data.append(data)


def _read(markup: str) -> _Reader:
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader


def visible_text(markup: str) -> str:
    """The wording of ``markup`` a reader sees, without code and ``dir="ltr"`` parts."""
    return html.unescape(" ".join(_read(markup).parts))


def data_text(markup: str) -> str:
    """The text of ``markup``'s code and ``dir="ltr"`` parts (checked with the relaxed rule)."""
    return html.unescape(" ".join(_read(markup).data))


def html_texts(where: str, markup: str) -> list[tuple[str, str]]:
    """(where, text) for ``markup``'s wording and, marked relaxed, its left-to-right data."""
    return [(where, visible_text(markup)), (where + RELAXED, data_text(markup))]


def widget_texts(widget: Any) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of wording in a widget tree, hidden parts included."""
    import ipywidgets as w

    seen: set[int] = set()

    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if id(node) in seen:
            return
        seen.add(id(node))
        name = f"{path}/{type(node).__name__}"
        for attr in ("description", "tooltip", "placeholder"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value:
                yield f"{name}.{attr}", value
        if isinstance(node, w.HTML | w.HTMLMath | w.Label):
            if isinstance(node, w.Label):
                yield f"{name}.value", node.value
            else:
                yield from html_texts(f"{name}.value", node.value)
        labels = getattr(node, "_options_labels", None)
        if labels:
            for label in labels:
                yield f"{name}.option", str(label)
        titles = getattr(node, "titles", None)
        if titles:
            for title in titles:
                if title:
                    yield f"{name}.title", str(title)
        for child in getattr(node, "children", ()) or ():
            yield from walk(child, name)

    yield from walk(widget, "")


def latin_words(texts: Iterable[tuple[str, str]], allowed: Iterable[str] = ()) -> list[str]:
    """``where: word`` for each Latin word outside ``ALLOWED`` and ``allowed`` (the test's own
    data: column names, file names, labels it made). Texts whose ``where`` ends in
    :data:`RELAXED` (left-to-right data) only fail on plain words: see the module's doc."""
    ok = ALLOWED | set(allowed)
    found = []
    for where, text in texts:
        if where.endswith(RELAXED):
            # "model = f(a, b)" is one token of code: join around "=" and ","
            for token in re.sub(r"\s*([=,])\s*", r"\1", text).split():
                if not LATIN_WORD.search(token) or DATA_MARK.search(token) or DATA_ID.match(token):
                    continue
                bare = token.strip(",;:!?·…()[]{}«»")
                if bare and bare not in ok and LATIN_WORD.fullmatch(bare):
                    found.append(f"{where}: {bare!r} in {text[:80]!r}")
                elif bare and bare not in ok:
                    found += [f"{where}: {w!r} in {text[:80]!r}" for w in LATIN_WORD.findall(bare)
                              if w not in ok]
            continue
        for word in LATIN_WORD.findall(text):
            if word not in ok:
                found.append(f"{where}: {word!r} in {text[:80]!r}")
    return found
