"""HTML for the panels: a box in the language's direction, an error, the tables (a report,
a preview, a profile with small bars, the jobs). The training charts are
:mod:`trainlab.widgets.chart`'s."""

from __future__ import annotations

import html
import time
from datetime import datetime
from typing import Any

from trainlab import i18n
from trainlab.errors import TrainlabError

STYLE = ("<style>.tl-t{border-collapse:collapse;font-size:12px}.tl-t td,.tl-t th{padding:2px 8px;"
         "border-bottom:1px solid #ddd;text-align:start;vertical-align:top}.tl-bar{display:inline-"
         "block;height:9px;background:#4a90d9;margin-inline-end:4px}.tl-bad{color:#b00020}"
         ".tl-ok{color:#1b7a1b}</style>")


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def table(headers: list[str], rows: list[list[Any]], raw: bool = False) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell if raw else esc(cell)}</td>" for cell in row)
                   + "</tr>" for row in rows)
    return f"{STYLE}<table class='tl-t'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def headings(keys: tuple[str, ...], lang: str) -> list[str]:
    """A table's column headings in ``lang`` (words of :data:`trainlab.i18n.WORDS`)."""
    return [i18n.render(key, lang=lang) for key in keys]


def boxed(content: str, lang: str) -> str:
    return f"<div dir='{i18n.direction(lang)}'>{content}</div>"


def error_html(exc: BaseException, lang: str) -> str:
    message = exc.message(lang) if isinstance(exc, TrainlabError) else f"{type(exc).__name__}: {exc}"
    return f"<div class='tl-bad' dir='{i18n.direction(lang)}'><b>✗</b> {esc(message)}</div>" + \
        STYLE


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def dataset_summary(ds: Any, lang: str) -> str:
    cls = "tl-ok" if ds.status == "valid" else "tl-bad"
    invalid = ds.to_dict()["rows_invalid"]
    extra = f" (+{invalid:,} invalid)" if ds.status == "invalid" else ""
    return (f"<b>{esc(ds.name)}</b> <code>{esc(ds.id)}</code> — <span class='{cls}'><b>"
            f"{esc(ds.status)}</b></span>, {ds.rows:,} {i18n.render('rows', lang=lang)}{extra}, "
            f"{human_bytes(ds.size_bytes)}, {esc(ds.format)}")


def report(rep: dict[str, Any], offset: int, limit: int, lang: str) -> str:
    counts = rep.get("error_counts") or {}
    parts = []
    if counts:
        parts.append(table(headings(("code", "count"), lang),
                           [[code, f"{n:,}"] for code, n in sorted(counts.items())]))
    errors = rep.get("errors", [])[offset:offset + limit]
    if errors:
        parts.append(table(headings(("line", "field", "code", "message"), lang),
                           [[e.get("line"), e.get("field") or "", e["code"], e["message"]]
                            for e in errors]))
        total = len(rep.get("errors", []))
        parts.append(f"<div>{offset + 1}–{min(offset + limit, total)} / {total}</div>")
    else:
        parts.append(f"<div class='tl-ok'>{i18n.render('no_errors', lang=lang)}</div>")
    warnings = rep.get("warnings", [])
    if warnings:
        parts.append("<ul>" + "".join(f"<li>{esc(w['message'])}</li>" for w in warnings) + "</ul>")
    return "".join(parts)


def preview(frame: Any, lang: str) -> str:
    headers = [i18n.render("line", lang=lang), *map(str, frame.columns)]
    rows = [[index, *(_short(v) for v in row)] for index, row in zip(frame.index, frame.values)]
    return table(headers, rows)


def _short(value: Any, width: int = 80) -> str:
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def profile(prof: dict[str, Any], lang: str) -> str:
    rows = []
    for name, info in prof["fields"].items():
        rows.append([esc(name), esc(info.get("type")), f"{info.get('null_count', 0):,}",
                     _distinct(info), _bars(info)])
    return table(headings(("field", "type", "nulls", "distinct", "values"), lang), rows, raw=True)


def _distinct(info: dict[str, Any]) -> str:
    """The distinct count; an estimate (a sketch's, see ``distinct_exact``) is marked ≈."""
    count = f"{info.get('distinct', 0):,}"
    return count if info.get("distinct_exact", True) else f"≈{count}"


def _bars(info: dict[str, Any]) -> str:
    """Top values as small bars (categories), or min / mean / max for numbers."""
    top = info.get("top") or []
    if info.get("type") in ("integer", "number") and info.get("min") is not None:
        return esc(f"min {info['min']:.4g} · mean {info.get('mean', 0):.4g} · max {info['max']:.4g}")
    if not top:
        return ""
    most = max(t["count"] for t in top[:5]) or 1
    return "<br>".join(f"<span class='tl-bar' style='width:{max(2, 80 * t['count'] // most)}px'>"
                       f"</span>{esc(_short(t['value'], 30))} ({t['count']:,})" for t in top[:5])


def jobs(items: list[Any], lang: str, now: float | None = None) -> str:
    if not items:
        return f"<i>{i18n.render('no_jobs', lang=lang)}</i>"
    now = now or time.time()
    rows = []
    for job in items:
        p = job.progress
        bar = f"{p['step']:,}/{p['total_steps']:,}" if p.get("total_steps") else f"{p['step']:,}"
        loss = (job.metrics or {}).get("loss")
        rows.append([job.id, job.name, job.status, f"{bar} ({p.get('fraction', 0):.0%})",
                     "" if loss is None else f"{loss:.4g}", job.device or "", _age(job, now)])
    return table(["id", *headings(("name", "status", "progress", "loss", "device", "age"), lang)], rows)


def _age(job: Any, now: float) -> str:
    try:
        created = datetime.fromisoformat(job.created_at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return ""
    seconds = max(0, now - created)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"

