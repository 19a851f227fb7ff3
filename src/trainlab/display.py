"""The HTML a notebook shows for trainlab objects: tables, key/value cards, a progress bar and
a small loss chart, shared by the ``_repr_html_`` of datasets, results, models and jobs.

Everything is escaped (names come from users and files), self-contained (no JavaScript, no
external CSS; colours follow JupyterLab's CSS variables, with fallbacks, so light and dark
themes both read well) and deterministic: the same object gives the same bytes, so a notebook
that stores its outputs (nbval) compares equal run after run. Labels come from
:mod:`trainlab.i18n` in :func:`~trainlab.i18n.current_language`; a Persian card is laid out
right to left, with ids, paths and numbers isolated left to right in ``<bdi>``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from trainlab import i18n

MAX_POINTS = 300  # a chart's line never has more points than this
FG = "var(--jp-ui-font-color1, currentColor)"
MUTED = "var(--jp-ui-font-color2, #888)"
BORDER = "var(--jp-border-color2, rgba(128, 128, 128, 0.35))"
ACCENT = "var(--jp-brand-color1, #1976d2)"
WARN = "var(--jp-warn-color0, #e65100)"
ERROR = "var(--jp-error-color1, #d32f2f)"
OK = "var(--jp-success-color1, #388e3c)"
STATUS_COLOURS = {"valid": OK, "completed": OK, "invalid": WARN, "stopped": WARN,
                  "interrupted": WARN, "pruned": WARN, "failed": ERROR, "running": ACCENT,
                  "queued": MUTED}


class Markup(str):
    """Text that is already HTML: :func:`table` and :func:`card` put it in unescaped."""

    __slots__ = ()


def esc(value: Any) -> Markup:
    """``value`` as HTML text: escaped, unless it is already :class:`Markup`."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def ltr(value: Any) -> Markup:
    """An id, a path or a number kept left to right inside a right-to-left (Persian) page."""
    return Markup(f'<bdi dir="ltr">{esc(value)}</bdi>')


def isolate(value: Any) -> Markup:
    """Free text (a name, a message, a note) in its own direction, found from its first
    letter, without upsetting the page around it; ``Markup`` is put in as it is."""
    if isinstance(value, Markup):
        return value
    return Markup(f"<bdi>{esc(value)}</bdi>")


def code(value: Any) -> Markup:
    """Like :func:`ltr`, in a monospace font (ids, paths, a line of Python)."""
    return Markup(f'<code dir="ltr" style="unicode-bidi:isolate">{esc(value)}</code>')


def word(key: str, lang: str | None = None, **params: Any) -> str:
    """A label of :data:`trainlab.i18n.WORDS` in ``lang`` (default: the current language)."""
    return i18n.render(key, params, i18n.current_language(lang))


def number(value: Any, digits: int = 4) -> str:
    """A metric as a short text: 4 significant digits, ``-`` for missing or not finite."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if math.isfinite(value) else "-"
    return "-" if value is None else str(value)


def human_size(size: int | float | None) -> str:
    """Bytes as ``B``, ``KB``, ``MB``, ``GB`` or ``TB`` (powers of 1024)."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def duration(seconds: float | None, lang: str | None = None) -> str:
    """Seconds as ``0.4 s``, ``12.3 s``, ``4 min 05 s`` or ``2 h 03 min``; with ``lang="fa"``
    in Persian units (``12.3 ثانیه``, ``4 دقیقه 05 ثانیه``). The default is English, whatever
    the current language (stored notebooks keep this text)."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s, m, h = _UNITS.get(lang or "en", _UNITS["en"])
    if seconds < 60:
        return f"{seconds:.1f} {s}"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} {m} {secs:02d} {s}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} {h} {minutes:02d} {m}"


_UNITS = {"en": ("s", "min", "h"), "fa": ("ثانیه", "دقیقه", "ساعت")}


def status_badge(status: Any, lang: str | None = None) -> Markup:
    """A status (``valid``, ``completed``, ``failed`` ...) in bold, coloured by what it means;
    in ``lang`` (default: the current language) when i18n has its ``status_<name>`` word, the
    value itself otherwise. English output is the value, as before."""
    text = str(status)
    colour = STATUS_COLOURS.get(text, FG)
    shown = term_word("status", text, lang)
    return Markup(f'<b style="color:{colour}">{ltr(text) if shown == text else isolate(shown)}</b>')


def table(header: Sequence[Any], rows: Iterable[Sequence[Any]], *,
          numeric: Sequence[int] = ()) -> Markup:
    """A compact table; every cell escaped (``Markup`` cells are put in as they are). The
    columns at the indices in ``numeric`` are numbers: aligned to the end, kept left to right.
    Cells align to the start of the line, so a table in a Persian card reads right to left."""
    cell = f"padding:2px 8px;border-bottom:1px solid {BORDER};text-align:start"
    head = "".join(f'<th style="{cell};font-weight:600">{esc(h)}</th>' for h in header)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i in numeric:
                cells.append(f'<td style="{cell.replace("start", "end")}">{ltr(value)}</td>')
            else:
                cells.append(f'<td style="{cell}">{isolate(value)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return Markup(f'<table style="border-collapse:collapse;margin:4px 0;font-size:0.95em;'
                  f'color:{FG}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
                  f"</table>")


def card(title: Any, items: Sequence[tuple[Any, Any]], *, sections: Sequence[Any] = (),
         lang: str | None = None) -> Markup:
    """A titled key/value card (values escaped unless ``Markup``), then ``sections`` (HTML made
    with these helpers) below it. A Persian card is right to left."""
    language = i18n.current_language(lang)
    rows = "".join(f'<tr><th style="padding:1px 0;padding-inline-end:12px;text-align:start;'
                   f'font-weight:600;color:{MUTED};vertical-align:top">{isolate(k)}</th>'
                   f'<td style="padding:1px 0">{isolate(v)}</td></tr>' for k, v in items)
    parts = "".join(f'<div style="margin-top:6px">{esc(s)}</div>' for s in sections)
    return Markup(f'<div class="trainlab-card" lang="{language}" dir="{i18n.direction(language)}" '
                  f'style="border:1px solid {BORDER};border-radius:4px;padding:8px 12px;'
                  f'margin:2px 0;max-width:52em;color:{FG}">'
                  f'<div style="font-weight:700;margin-bottom:4px">{isolate(title)}</div>'
                  f'<table style="border-collapse:collapse">{rows}</table>{parts}</div>')


def heading(text: Any) -> Markup:
    """A small heading inside a card."""
    return Markup(f'<div style="font-weight:600;margin:2px 0">{esc(text)}</div>')


def progress_bar(fraction: float | None, label: Any = "") -> Markup:
    """A horizontal bar filled to ``fraction`` (0..1), CSS only, with ``label`` beside it."""
    value = 0.0 if fraction is None or not math.isfinite(fraction) else min(1.0, max(0.0, fraction))
    percent = f"{value * 100:.1f}"
    return Markup(f'<span style="display:inline-block;vertical-align:middle;width:12em;height:0.8em;'
                  f'border:1px solid {BORDER};border-radius:3px;overflow:hidden" role="progressbar" '
                  f'aria-valuenow="{percent}" aria-valuemin="0" aria-valuemax="100">'
                  f'<span style="display:block;height:100%;width:{percent}%;background:{ACCENT}">'
                  f"</span></span> {ltr(f'{percent}%')}" + (f" {esc(label)}" if label else ""))


def downsample(points: Sequence[tuple[float, float]], limit: int = MAX_POINTS
               ) -> list[tuple[float, float]]:
    """At most ``limit`` points, evenly spaced, the first and the last always kept."""
    points = list(points)
    if len(points) <= limit:
        return points
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def line_chart(series: Sequence[tuple[str, Sequence[tuple[float, float]]]], *,
               title: str = "", x_label: str = "", width: int = 360, height: int = 150
               ) -> Markup:
    """An inline SVG chart of up to two lines (``(label, [(x, y), ...])``): the first in the
    text colour, the second in the accent colour with dots. Points that are not finite are
    left out, each line is downsampled to :data:`MAX_POINTS`; empty when there is nothing."""
    cleaned = [(label, downsample([(float(x), float(y)) for x, y in pts
                                   if _finite(x) and _finite(y)]))
               for label, pts in series]
    cleaned = [(label, pts) for label, pts in cleaned if pts]
    if not cleaned:
        return Markup("")
    xs = [x for _, pts in cleaned for x, _ in pts]
    ys = [y for _, pts in cleaned for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - abs(y0) * 0.1 - 1e-9, y1 + abs(y1) * 0.1 + 1e-9
    left, right, top, bottom = 46, 8, 18, 30
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> str:
        return f"{left + (x - x0) / (x1 - x0) * plot_w:.1f}"

    def sy(y: float) -> str:
        return f"{top + (1 - (y - y0) / (y1 - y0)) * plot_h:.1f}"

    colours = [FG, ACCENT]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" '
           f'style="color:{FG};font:10px sans-serif;overflow:visible" direction="ltr">']
    if title:
        out.append(f'<text x="{left}" y="11" fill="currentColor" font-weight="600">{esc(title)}'
                   f"</text>")
    out.append(f'<g style="stroke:{BORDER}" fill="none">'
               f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/></g>')
    for y, anchor in ((y1, "top"), (y0, "bottom")):
        out.append(f'<text x="{left - 4}" y="{sy(y)}" text-anchor="end" fill="currentColor" '
                   f'dominant-baseline="{"hanging" if anchor == "top" else "auto"}">'
                   f"{esc(number(y, 3))}</text>")
    for x, anchor in ((x0, "start"), (x1, "end")):
        out.append(f'<text x="{sx(x)}" y="{top + plot_h + 12}" text-anchor="{anchor}" '
                   f'fill="currentColor">{esc(number(x if not x.is_integer() else int(x), 4))}'
                   f"</text>")
    if x_label:
        out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" '
                   f'fill="currentColor">{esc(x_label)}</text>')
    legend_x = left + 7 * len(title) + 16  # the legend follows the title, above the plot
    for i, (label, pts) in enumerate(cleaned[:2]):
        colour = colours[i]
        path = " ".join(f"{sx(x)},{sy(y)}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" style="stroke:{colour}" '
                   f'stroke-width="1.5" stroke-linejoin="round"/>')
        if i == 1 and len(pts) <= 40:
            out.extend(f'<circle cx="{sx(x)}" cy="{sy(y)}" r="2" style="fill:{colour}"/>'
                       for x, y in pts)
        out.append(f'<line x1="{legend_x}" y1="8" x2="{legend_x + 14}" y2="8" '
                   f'style="stroke:{colour}" stroke-width="2"/>'
                   f'<text x="{legend_x + 18}" y="11" fill="currentColor">{esc(label)}</text>')
        legend_x += 18 + 6 * len(label) + 14
    out.append("</svg>")
    return Markup("".join(out))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# -- the cards in another language (issues 21 and 18): words for values, sentences ----------
def term_word(kind: str, value: Any, lang: str | None = None) -> str:
    """A task (``kind="task"``), metric (``"metric"``) or column type (``"type"``) as a word of
    ``lang`` (i18n ``task_<value>``, ``metric_<value>``, :data:`~trainlab.i18n.TYPE_NAMES`);
    the value itself in English or when no word is known."""
    language = i18n.current_language(lang)
    return str(value) if language == "en" else i18n.term(kind, value, language)


def term(kind: str, value: Any, lang: str | None = None) -> Markup:
    """A card's cell for a task, metric or column type: ``ltr(value)`` in English (as the cards
    show it), else :func:`term_word` isolated (left to right when no word is known)."""
    shown = term_word(kind, value, lang)
    return ltr(value) if shown == str(value) else isolate(shown)


def sentence(key: str, lang: str | None = None, **params: Any) -> Markup:
    """A sentence of :data:`~trainlab.i18n.WORDS` whose ``params`` may be HTML already
    (:class:`Markup`: ``ltr`` numbers, isolated names); the rest of it is escaped."""
    safe = {k: esc(v) for k, v in params.items()}
    template = word(key, lang, **{k: "\x00" + k + "\x00" for k in safe})
    text = str(esc(template))
    for k, v in safe.items():
        text = text.replace("\x00" + k + "\x00", str(v))
    return Markup(text)
