"""The Experiments panel (issue 19): the workspace's experiments; choosing one shows its live
leaderboard (trial, state, value of the metric, parameters; the best trial highlighted), a
Stop button for the experiment and a small best-so-far chart.

It follows the workspace as the Jobs panel does: a :class:`~trainlab.widgets.watch.Watcher`
re-reads the experiment every ``refresh_s`` while its trials run and otherwise only checks,
every ``check_s``, whether the workspace changed. Everything it shows comes from the
Experiment API (``ws.experiments``); the best trial and the best-so-far line from
:mod:`trainlab.jobs.experiment_plots`.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as w

from trainlab import display, i18n
from trainlab.jobs.experiment_plots import best_run, best_so_far, runs
from trainlab.widgets import dataset_views as views
from trainlab.widgets.chart import COLOURS, plot
from trainlab.widgets.labels import isolated, word
from trainlab.widgets.snapshot import Snapshot
from trainlab.widgets.watch import CHECK_S, Following
from trainlab.workspace import Workspace, resolve

HIGHLIGHT = "var(--jp-success-color3, rgba(56, 142, 60, 0.15))"
CELL = f"padding:2px 8px;border-bottom:1px solid {display.BORDER};text-align:start"


class ExperimentsPanel(Following, Snapshot, w.VBox):
    """The experiments of the workspace, newest first; the chosen one's leaderboard, its Stop
    button and its best-so-far chart, kept current while its trials run."""

    def __init__(self, workspace: Workspace | str | None = None, *, lang: str | None = None,
                 refresh_s: float = 1.0, check_s: float = CHECK_S, auto_refresh: bool = True,
                 **kwargs: Any) -> None:
        self.ws = resolve(workspace)
        self.lang = i18n.current_language(lang)
        self.refresh_s, self.check_s = refresh_s, check_s
        self.active = False
        self.experiment: Any = None  # the chosen Experiment, as last read
        self._lock = threading.RLock()
        self.empty = w.HTML()
        self.picker = w.Dropdown(description=word("exp_experiment", self.lang),
                                 layout=w.Layout(width="36em"),
                                 style={"description_width": "initial"})
        self.stop_button = w.Button(description=word("exp_stop", self.lang), icon="stop",
                                    layout=w.Layout(width="auto"), disabled=True)
        self.refresh_button = w.Button(description=word("refresh", self.lang), icon="refresh",
                                       layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.summary = w.HTML()
        self.leaderboard = w.HTML()
        self.chart = w.HTML()
        self.picker.observe(lambda _: self.refresh(), names="value")
        self.stop_button.on_click(lambda _: self.stop())
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__([self.empty, w.HBox([self.picker, self.stop_button, self.refresh_button]),
                          self.message, self.summary, self.leaderboard, self.chart], **kwargs)
        if self.lang == "fa":
            self.add_class("trainlab-rtl")
        self.refresh()
        self.follow("trainlab-experiments-panel", self.message, auto_refresh)

    # -- acting ------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the chosen experiment (what the Stop button calls): no more trials, and its
        running ones stopped (:meth:`ExperimentStore.stop`)."""
        self.message.value = ""
        if self.picker.value:
            try:
                self.ws.experiments.stop(self.picker.value)
            except Exception as exc:  # shown in the panel, never a traceback in the cell
                self.message.value = views.error(exc, self.lang)
        self.refresh()
        if self.watcher is not None:
            self.watcher.wake()

    # -- showing -----------------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Show the experiments and the chosen one now; returns whether its trials run."""
        with self._lock:  # the watcher's thread and the kernel's
            return self._refresh()

    def _refresh(self) -> bool:
        try:
            items = self.ws.experiments.list(limit=200)
        except Exception as exc:
            self.message.value = views.error(exc, self.lang)
            return self.active
        self.empty.value = "" if items else (
            f"<i style='color:{display.MUTED}'>{display.esc(word('no_experiments', self.lang))}"
            f"</i> {display.code('ws.experiments.create(...)')}")
        options = [(f"{isolated(e.name, self.lang)} — {i18n.term('status', e.status, self.lang)}",
                    e.id) for e in items]
        if [(word("exp_pick", self.lang), None), *options] != list(self.picker.options):
            current = self.picker.value
            self.picker.options = [(word("exp_pick", self.lang), None), *options]
            self.picker.value = current if current in {e.id for e in items} else None
        chosen = next((e for e in items if e.id == self.picker.value), None)
        self.experiment = chosen
        if chosen is None:
            self._show("", "", "")
            self.stop_button.disabled = True
            self.active = False
            return False
        data = runs(chosen)
        self._show(self.summary_html(chosen), self.leaderboard_html(chosen, data),
                   self.chart_html(data))
        self.stop_button.disabled = chosen.status != "running"
        self.active = chosen.status == "running" or any(t["state"] == "running"
                                                         for t in chosen.trials)
        return self.active

    def _show(self, summary: str, board: str, chart: str) -> None:
        for widget, html in ((self.summary, summary), (self.leaderboard, board),
                             (self.chart, chart)):
            if widget.value != html:
                widget.value = html

    def summary_html(self, exp: Any) -> str:
        """One line: name and id, status badge, trials done of asked, metric and its way."""
        lang = self.lang
        done = sum(t["state"] != "running" for t in exp.trials)
        way = word(f"exp_direction_{exp.direction}", lang)
        return (f"<div dir='{i18n.direction(lang)}'><b>{display.isolate(exp.name)}</b> "
                f"{display.code(exp.id)} {display.status_badge(exp.status, lang)} · "
                f"{display.esc(word('exp_trials', lang))} {display.ltr(f'{done}/{len(exp.trials)}')}"
                f"{display.ltr(' (' + str(exp.record['trials']) + ')')} · "
                f"{display.esc(word('exp_metric', lang))} "
                f"{display.esc(i18n.term('metric', exp.metric, lang))} ({display.esc(way)})</div>")

    def leaderboard_html(self, exp: Any, data: dict[str, Any]) -> str:
        """The trials, best value first (those without a value after, by number): trial, state
        badge, value, parameters; the best completed trial highlighted."""
        lang = self.lang
        if not data["runs"]:
            return f"<i style='color:{display.MUTED}'>{display.esc(word('exp_no_trials', lang))}</i>"
        best = best_run(data)
        valued = sorted((r for r in data["runs"] if r["value"] is not None),
                        key=lambda r: r["value"], reverse=data["direction"] == "maximize")
        ordered = valued + [r for r in data["runs"] if r["value"] is None]
        header = [word("exp_trial", lang), word("exp_job", lang), word("exp_state", lang),
                  i18n.term("metric", exp.metric, lang)]
        head = "".join(f'<th style="{CELL};font-weight:600">{display.isolate(h)}</th>'
                       for h in header) + "".join(
            f'<th style="{CELL};font-weight:600">{display.code(k)}</th>' for k in data["params"])
        body = []
        jobs = {t["number"]: t["job_id"] for t in exp.trials}
        for r in ordered:
            mark = f" ★ {display.esc(word('exp_best_mark', lang))}" if r is best else ""
            cells = [display.ltr(f"#{r['number']}") + display.Markup(mark),
                     display.code(jobs.get(r["number"]) or "—"),
                     display.status_badge(r["state"], lang),
                     display.ltr(display.number(r["value"]) if r["value"] is not None else "—"),
                     *[display.code(_shown(r["params"].get(k))) for k in data["params"]]]
            style = f" style='background:{HIGHLIGHT}' class='trainlab-best'" if r is best else ""
            body.append(f"<tr{style}>" + "".join(f'<td style="{CELL}">{c}</td>' for c in cells)
                        + "</tr>")
        return (f"<div dir='{i18n.direction(lang)}'><table style='border-collapse:collapse;"
                f"margin:4px 0;font-size:0.95em;color:{display.FG}'><thead><tr>{head}</tr>"
                f"</thead><tbody>{''.join(body)}</tbody></table></div>")

    def chart_html(self, data: dict[str, Any]) -> str:
        """A small chart: each trial's value by its number (dots), and the best so far."""
        points = sorted((r["number"], r["value"]) for r in data["runs"] if r["value"] is not None)
        line = [(float(x), float(y)) for x, y in best_so_far(data)]
        if line and points[-1][0] > line[-1][0]:  # carried on to the last trial with a value
            line.append((float(points[-1][0]), line[-1][1]))
        return str(plot([(word("exp_trial_values", self.lang), COLOURS["raw"],
                          [(float(x), float(y)) for x, y in points], True),
                         (word("exp_best_so_far", self.lang), COLOURS["metric"], line, False)],
                        y_title=i18n.term("metric", data["main"], self.lang),
                        x_title=word("exp_trial", self.lang), width=480, height=180))


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
