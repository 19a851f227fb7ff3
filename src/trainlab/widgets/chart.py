"""The training panel's charts as inline SVG (issue 18, "Looks"): the losses on one chart
(training loss raw and smoothed, validation loss with dots) and the main metric on a small
chart of its own, each with axis titles, gridlines and round tick values; a log scale for the
losses on request. No JavaScript and no flicker; the same series give the same bytes.

Every line is downsampled to :data:`CHART_POINTS`, whatever the number of steps. Numbers are
Latin digits kept left to right; titles and the legend are in the panel's language and laid
out in their own row, so nothing overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from trainlab.display import ACCENT, BORDER, FG, MUTED, Markup, esc

CHART_POINTS = 300  # points per line sent to the browser
EMA_WEIGHT = 0.6    # TensorBoard-style smoothing of the training loss
COLOURS = {"raw": MUTED, "smooth": ACCENT, "val": "var(--jp-warn-color1, #f57c00)",
           "metric": "var(--jp-success-color1, #388e3c)"}
Points = Sequence[tuple[float, float]]


def downsample(points: Points, most: int = CHART_POINTS) -> list[tuple[float, float]]:
    """At most ``most`` points, evenly spread, the first and the last always kept."""
    points = list(points)
    if len(points) <= most:
        return points
    step = (len(points) - 1) / (most - 1)
    return [points[round(i * step)] for i in range(most)]


def smooth(points: Points, weight: float = EMA_WEIGHT) -> list[tuple[float, float]]:
    """An exponential moving average of the values, debiased at the start (as TensorBoard)."""
    out, value, norm = [], 0.0, 0.0
    for x, y in points:
        value = weight * value + (1 - weight) * y
        norm = weight * norm + (1 - weight)
        out.append((x, value / norm))
    return out


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values between ``low`` and ``high`` for gridlines (1, 2 or 5 times a power of 10)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.0e}"
    return f"{value:,.4g}" if abs(value) >= 1000 else f"{value:.4g}"


def _num(x: float, y: float, text: str, anchor: str) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" dir="ltr" direction="ltr" '
            f'fill="currentColor">{esc(text)}</text>')


def plot(lines: list[tuple[str, str, list[tuple[float, float]], bool]], *, y_title: str,
         x_title: str, width: int = 720, height: int = 280, log: bool = False) -> Markup:
    """One chart: ``lines`` are (legend, colour, points, dots). Empty when nothing is finite."""
    def ok(y: float) -> bool:
        return math.isfinite(y) and (y > 0 or not log)

    cleaned = [(name, colour, downsample([(float(x), float(y)) for x, y in pts
                                         if math.isfinite(x) and ok(y)]), dots)
               for name, colour, pts, dots in lines]
    cleaned = [line for line in cleaned if line[2]]
    if not cleaned:
        return Markup("")
    f = math.log10 if log else (lambda v: v)
    xs = [x for *_, pts, _ in cleaned for x, _ in pts]
    ys = [f(y) for *_, pts, _ in cleaned for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - abs(y0) * 0.1 - 0.5, y1 + abs(y1) * 0.1 + 0.5
    margin = (y1 - y0) * 0.05
    y0, y1 = y0 - margin, y1 + margin
    left, right, top, bottom = 64, 12, 30, 40
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return top + (1 - (f(y) - y0) / (y1 - y0)) * ph

    out = [f'<svg class="trainlab-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{esc(y_title)}"'
           f' direction="ltr" style="color:{FG};font:11px var(--jp-ui-font-family, sans-serif);'
           f'max-width:100%;direction:ltr">',
           f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
           f'style="stroke:{BORDER}"/>']
    y_ticks = [10 ** t for t in ticks(math.floor(y0), math.ceil(y1)) if y0 <= t <= y1] if log \
        else [t for t in ticks(y0, y1) if y0 <= t <= y1]
    for t in y_ticks:
        y = sy(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                   f'style="stroke:{BORDER}" stroke-dasharray="2,3"/>')
        out.append(_num(left - 6, y + 4, _label(t), "end"))
    for t in ticks(x0, x1, 6):
        if x0 <= t <= x1:
            x = sx(t)
            out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" '
                       f'style="stroke:{BORDER}" stroke-dasharray="2,3"/>')
            out.append(_num(x, top + ph + 14, f"{t:,.0f}", "middle"))
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
               f'fill="currentColor">{esc(x_title)}</text>')
    out.append(f'<text transform="translate(14 {top + ph / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle" fill="currentColor">{esc(y_title)}</text>')
    legend_x = float(left)
    for name, colour, pts, dots in cleaned:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        thin = colour == COLOURS["raw"]
        faint = ' opacity="0.6"' if thin else ""
        out.append(f'<polyline points="{path}" fill="none" style="stroke:{colour}" '
                   f'stroke-width="{1 if thin else 2}" stroke-linejoin="round"{faint}/>')
        if dots and len(pts) <= 60:
            out.extend(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" style="fill:{colour}"/>'
                       for x, y in pts)
        out.append(f'<line x1="{legend_x:.1f}" y1="12" x2="{legend_x + 16:.1f}" y2="12" '
                   f'style="stroke:{colour}" stroke-width="3"/><text x="{legend_x + 20:.1f}" '
                   f'y="16" fill="currentColor">{esc(name)}</text>')
        legend_x += 36 + 6.5 * len(name)
    out.append("</svg>")
    return Markup("".join(out))


def training_charts(series: dict[str, list[tuple[float, float]]], names: dict[str, str], *,
                    metric: str | None = None, log: bool = False) -> Markup:
    """The loss chart and, when ``metric`` has values, its own small chart. ``series`` holds
    ``train``, ``val`` and ``metric`` points; ``names`` the words (train, smoothed, val, loss,
    step, metric)."""
    train = series.get("train") or []
    lines = [(names["train"], COLOURS["raw"], train, False),
             (names["smoothed"], COLOURS["smooth"], smooth(train), False),
             (names["val"], COLOURS["val"], series.get("val") or [], True)]
    loss = plot(lines, y_title=names["loss"], x_title=names["step"], log=log)
    points = series.get("metric") or []
    if not metric or not points:
        return loss
    small = plot([(names["metric"], COLOURS["metric"], points, True)], y_title=names["metric"],
                 x_title=names["step"], height=160)
    return Markup(f"<div>{loss}</div><div>{small}</div>")

