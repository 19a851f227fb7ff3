"""What a Persian panel shows a reader, and the Latin words in it (issue 18: "a test that renders
each panel in Persian and fails on any Latin word outside a whitelist").

Text a panel marks as left to right on purpose is data, not wording, and is left out: anything
inside ``<code>``, ``<pre>``, ``<style>``, ``<script>``, ``<svg>`` … ``<text>`` ids, and any
element with ``dir="ltr"`` (``<bdi dir="ltr">``, ``<span dir="ltr">``: ids, paths, numbers with
units, column names). Widget labels (descriptions, button texts, tooltips, placeholders, option
labels, tab and accordion titles) are checked as they are.
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
})
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-']*")
_SKIP_TAGS = {"code", "pre", "style", "script", "kbd", "samp"}
_VOID = {"br", "img", "input", "meta", "link", "hr", "col", "wbr", "source", "path", "line",
         "polyline", "rect", "circle", "stop"}


class _Reader(HTMLParser):
    """The text of an HTML fragment outside code and ``dir="ltr"`` elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its content skipped
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        skipped = (tag in _SKIP_TAGS or dict(attrs).get("dir") == "ltr"
                   or (bool(self.stack) and self.stack[-1]))
        self.stack.append(skipped)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        return

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(markup: str) -> str:
    """The words of ``markup`` a reader sees, without code and ``dir="ltr"`` parts."""
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return html.unescape(" ".join(reader.parts))


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
                yield f"{name}.value", visible_text(node.value)
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
    data: column names, file names, labels it made)."""
    ok = ALLOWED | set(allowed)
    found = []
    for where, text in texts:
        for word in LATIN_WORD.findall(text):
            if word not in ok:
                found.append(f"{where}: {word!r} in {text[:80]!r}")
    return found
