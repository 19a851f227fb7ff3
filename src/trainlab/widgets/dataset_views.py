"""The Datasets panel's HTML: a dataset's summary line, its validation report, a preview and
the profile (with histograms of numeric columns), in English or Persian.

Words come from :mod:`trainlab.i18n`; ids, numbers, codes, paths and column names are kept
left to right (:func:`trainlab.display.ltr` / :func:`~trainlab.display.code`) so a Persian
(right-to-left) panel shows "(+4 invalid)" and "34 integer, 1 string" the right way round.
"""

from __future__ import annotations

import re
from typing import Any

from trainlab import display, i18n
from trainlab.display import Markup, code, esc, isolate, ltr
from trainlab.widgets.labels import word

MUTED = f"color:{display.MUTED};font-size:0.85em"


def boxed(content: str, lang: str) -> str:
    return f"<div dir='{i18n.direction(lang)}' style='color:{display.FG}'>{content}</div>"


_QUOTED = re.compile(r"'([^'\u0600-\u06FF]+)'")  # 'an id', 'a/path.csv', 'a column'
_CALL = re.compile(r"\b[\w.]+\([^()\u0600-\u06FF]*\)")  # ws.datasets.list(), f(a, b)
_PATH = re.compile(r"(?<![\w/.])(?:[\w.\-]+)?/[\w.\-/]+")  # /work/data, data/train.csv
_ID = re.compile(r"\b(?:job|ds|ev|up)_[0-9a-z]{10,}\b")


def message_html(text: str) -> Markup:
    """A message of :mod:`trainlab.i18n` (plain text) as HTML in which ids, quoted names and
    paths and bits of code stay left to right inside a Persian sentence."""
    out = str(esc(text))
    out = _PATH.sub(lambda m: f'<bdi dir="ltr">{m[0]}</bdi>', out)
    out = _CALL.sub(lambda m: f'<code dir="ltr">{m[0]}</code>', out)
    out = re.sub(r"&#x27;([^&<\u0600-\u06FF]+?)&#x27;",
                 lambda m: f"'<bdi dir=\"ltr\">{m[1]}</bdi>'", out)
    out = _ID.sub(lambda m: f'<bdi dir="ltr">{m[0]}</bdi>', out)
    return Markup(out)


def error(exc: BaseException, lang: str) -> str:
    """An exception as the panel's error line (a trainlab error in ``lang``)."""
    from trainlab.errors import TrainlabError

    message = exc.message(lang) if isinstance(exc, TrainlabError) else f"{type(exc).__name__}: {exc}"
    return (f"<div class='tl-bad' dir='{i18n.direction(lang)}' style='color:{display.ERROR}'>"
            f"<b>✗</b> {message_html(message)}</div>")


def summary(ds: Any, lang: str) -> str:
    """``churn.csv ds_… — valid · 7,043 rows (+4 invalid) · 1.2 MB · csv``."""
    colour = display.STATUS_COLOURS.get(ds.status, display.FG)
    invalid = ds.to_dict().get("rows_invalid") or 0
    extra = word("ds_invalid_extra", lang, count=ltr(f"+{invalid:,}")) if invalid else ""
    line = word("ds_summary", lang, rows=ds.rows, invalid=extra,
                size=ltr(display.human_size(ds.size_bytes)), format=code(ds.format))
    return boxed(f"<b>{isolate(ds.name)}</b> <span style='{MUTED}'>{code(ds.id)}</span> — "
                 f"<b style='color:{colour}'>{esc(i18n.term('status', ds.status, lang))}</b> · {line}",
                 lang)


def report(rep: dict[str, Any], offset: int, limit: int, lang: str) -> str:
    """Error counts by code, one page of located errors, then the warnings."""
    parts = []
    counts = rep.get("error_counts") or {}
    if counts:
        parts.append(display.table([word("code", lang), word("count", lang)],
                                   [[code(c), f"{n:,}"] for c, n in sorted(counts.items())],
                                   numeric=(1,)))
    errors = rep.get("errors", [])
    page = errors[offset:offset + limit]
    if page:
        parts.append(display.table(
            [word("line", lang), word("field", lang), word("code", lang), word("message", lang)],
            [[e.get("line") or "", code(e["field"]) if e.get("field") else "", code(e["code"]),
              message_html(e.get("message", ""))] for e in page], numeric=(0,)))
        parts.append(f"<div style='{MUTED}'>"
                     f"{ltr(f'{offset + 1}–{min(offset + limit, len(errors))} / {len(errors)}')}"
                     f"</div>")
    else:
        parts.append(f"<div style='color:{display.OK}'>{esc(word('no_errors', lang))}</div>")
    warnings = rep.get("warnings", [])
    if warnings:
        items = "".join(f"<li><bdi>{message_html(w.get('message', ''))}</bdi></li>"
                        for w in warnings)
        parts.append(f"<b>{esc(word('ds_warnings', lang))}</b><ul style='margin:2px 0'>{items}</ul>")
    return boxed("".join(parts), lang)


def preview(frame: Any, lang: str) -> str:
    headers = [word("line", lang), *map(str, frame.columns)]
    rows = [[index, *(_short(v) for v in row)] for index, row in zip(frame.index, frame.values)]
    return boxed(display.table(headers, rows, numeric=(0,)), lang)


def _short(value: Any, width: int = 80) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def profile(prof: dict[str, Any], lang: str, hist: dict[str, Any] | None = None) -> str:
    """A row per column: name, type, nulls, distinct (≈ when estimated), and its values: top
    values as bars, or min · mean · max and a histogram for numbers."""
    hist = hist or {}
    rows, estimated = [], False
    for name, info in prof["fields"].items():
        exact = info.get("distinct_exact", True)
        estimated |= not exact
        distinct = ltr(f"{info.get('distinct', 0):,}")
        if not exact:
            distinct = Markup(f"<span title='{esc(word('ds_estimate', lang))}'>≈{distinct}</span>")
        rows.append([code(name), i18n.term("type", info.get("type"), lang),
                     f"{info.get('null_count', 0):,}", distinct, _values(info, hist.get(name), lang)])
    out = display.table([word("ds_field", lang), word("type", lang), word("nulls", lang),
                         word("distinct", lang), word("values", lang)], rows, numeric=(2,))
    if estimated:
        out += f"<div style='{MUTED}'>{esc(word('ds_estimate', lang))}</div>"
    return boxed(out, lang)


def _values(info: dict[str, Any], hist: dict[str, Any] | None, lang: str) -> Markup:
    if info.get("type") in ("integer", "number") and info.get("min") is not None:
        numbers = {k: ltr(display.number(info.get(k), 4)) for k in ("min", "mean", "max")}
        text = word("ds_min_mean_max", lang, **numbers)
        return Markup(f"{histogram_svg(hist, lang=lang)}<br>{text}" if hist else text)
    top = info.get("top") or []
    if not top:
        return Markup("")
    most = max(t["count"] for t in top[:5]) or 1
    bars = []
    for t in top[:5]:
        count = f"({t['count']:,})"
        bars.append(f"<span style='display:inline-block;height:9px;width:"
                    f"{max(2, 80 * t['count'] // most)}px;background:{display.ACCENT};"
                    f"margin-inline-end:4px'></span>{isolate(_short(t['value'], 30))} {ltr(count)}")
    return Markup("<br>".join(bars))


def histogram_svg(hist: dict[str, Any] | None, width: int = 120, height: int = 28,
                  lang: str = "en") -> str:
    """Small inline bars of a numeric column's histogram (equal bins from min to max)."""
    counts = (hist or {}).get("counts") or []
    most = max(counts, default=0)
    if not most:
        return ""
    step = width / len(counts)
    bars = "".join(
        f"<rect x='{i * step:.1f}' y='{height - max(1.0, n / most * height):.1f}' "
        f"width='{max(1.0, step - 1):.1f}' height='{max(1.0, n / most * height):.1f}'/>"
        for i, n in enumerate(counts) if n)
    label = f"{display.number(hist['min'])} … {display.number(hist['max'])}"
    if hist.get("sampled"):  # a large file: binned from its first rows only
        label += f" ({hist['rows']:,} {word('rows', lang)})"
    return (f"<svg dir='ltr' class='trainlab-hist' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' aria-label='{esc(label)}' "
            f"style='fill:{display.ACCENT};vertical-align:middle'><title>{esc(label)}</title>"
            f"{bars}</svg>")
