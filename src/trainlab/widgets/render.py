"""HTML the panels share: a box in the language's direction, an error, a table. (The training
charts are :mod:`.chart`'s; the Datasets and Jobs panels' HTML is in :mod:`.dataset_views`
and :mod:`.jobs`.)"""

from __future__ import annotations

import html
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


def boxed(content: str, lang: str) -> str:
    return f"<div dir='{i18n.direction(lang)}'>{content}</div>"


def error_html(exc: BaseException, lang: str) -> str:
    message = exc.message(lang) if isinstance(exc, TrainlabError) else f"{type(exc).__name__}: {exc}"
    return f"<div class='tl-bad' dir='{i18n.direction(lang)}'><b>✗</b> {esc(message)}</div>" + \
        STYLE
