"""HTML for the training panel: a box in the language's direction, an error, a table and the
training chart. (The Datasets and Jobs panels' HTML is in :mod:`.dataset_views` and
:mod:`.jobs`.)"""

from __future__ import annotations

import html
from typing import Any

from trainlab import i18n
from trainlab.errors import TrainlabError

STYLE = ("<style>.tl-t{border-collapse:collapse;font-size:12px}.tl-t td,.tl-t th{padding:2px 8px;"
         "border-bottom:1px solid #ddd;text-align:start;vertical-align:top}.tl-bar{display:inline-"
         "block;height:9px;background:#4a90d9;margin-inline-end:4px}.tl-bad{color:#b00020}"
         ".tl-ok{color:#1b7a1b}</style>")
CHART_POINTS = 300  # per series sent to the browser, whatever the number of steps


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


def downsample(points: list[tuple[float, float]], most: int = CHART_POINTS) -> list[tuple[float, float]]:
    """At most ``most`` points, evenly spread, always with the last one."""
    if len(points) <= most:
        return list(points)
    step = len(points) / (most - 1)
    return [points[int(i * step)] for i in range(most - 1)] + [points[-1]]


def chart_svg(series: dict[str, list[tuple[float, float]]], width: int = 560, height: int = 200) -> str:
    """A line chart of each series (step -> value) as inline SVG; no JavaScript, no flicker."""
    colours = {"train loss": "#4a90d9", "val loss": "#d9822b"}
    spare = ["#2e9c5b", "#9b59b6", "#c0392b"]
    drawn = {k: downsample(v) for k, v in series.items() if v}
    if not drawn:
        return ""
    xs = [x for pts in drawn.values() for x, _ in pts]
    ys = [y for pts in drawn.values() for _, y in pts if y == y]
    if not ys:
        return ""
    x0, x1 = min(xs), max(xs) or 1
    y0, y1 = min(ys), max(ys)
    if y1 == y0:
        y1 = y0 + 1
    pad = 36

    def sx(x: float) -> float:
        return pad + (x - x0) / ((x1 - x0) or 1) * (width - pad - 8)

    def sy(y: float) -> float:
        return 8 + (y1 - y) / (y1 - y0) * (height - 28)

    lines, legend = [], []
    for i, (name, pts) in enumerate(drawn.items()):
        colour = colours.get(name) or spare[i % len(spare)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts if y == y)
        lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' points='{path}'/>")
        legend.append(f"<tspan fill='{colour}'>■ {html.escape(name)}</tspan> ")
    axes = (f"<text x='2' y='14' font-size='10'>{y1:.3g}</text>"
            f"<text x='2' y='{height - 22}' font-size='10'>{y0:.3g}</text>"
            f"<text x='{pad}' y='{height - 4}' font-size='10'>{x0:.0f}</text>"
            f"<text x='{width - 40}' y='{height - 4}' font-size='10'>{x1:.0f}</text>"
            f"<text x='{width / 2 - 60}' y='{height - 4}' font-size='10'>{''.join(legend)}</text>")
    return (f"<svg class='trainlab-chart' width='{width}' height='{height}' "
            f"xmlns='http://www.w3.org/2000/svg'>{''.join(lines)}{axes}</svg>")
