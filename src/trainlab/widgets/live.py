"""What the training panel shows while a run goes and when it ends (issue 18): the status line
(step, epoch, samples/s and ETA smoothed by an exponential moving average), the log (a small
widget that appends lines and keeps the newest in view unless the user scrolled up), the
outcome (how and where the run ended, its metrics, how to load the model) and the table of
evaluations. Everything is HTML made with :mod:`trainlab.display`, in English or Persian,
with numbers, ids and paths isolated left to right.
"""

from __future__ import annotations

import html
import math
import time
from typing import Any

import anywidget
import traitlets

from trainlab import display, i18n
from trainlab.display import Markup, esc, ltr, sentence, word
from trainlab.training import Callback, show
from trainlab.training.plots import selection_metric

LOG_LINES = 200     # lines the log keeps (the browser drops the oldest too)
RATE_WEIGHT = 0.7   # the EMA of samples/s and of seconds per step: 70 % the past
UPDATE_EVERY_S = 0.25   # at most four widget updates a second from the training thread


def count(value: float) -> Markup:
    return ltr(f"{value:,.0f}")


# -- the log ------------------------------------------------------------------------------------
class LogView(anywidget.AnyWidget):
    """A log box. The kernel sends ``lines`` (HTML, the last :data:`LOG_LINES`) and ``first``
    (how many lines of this run were dropped before them); the browser appends only what is
    new, so a user who scrolled up stays where they are, and one at the bottom sees the
    newest line. A new run (``first`` and the lines start over) clears the box."""

    _esm = """
    function render({ model, el }) {
      const box = document.createElement("div");
      box.className = "tl-log";
      box.style.cssText = "max-height:12em;overflow:auto;padding:4px 8px;white-space:pre-wrap;" +
        "font-size:var(--jp-code-font-size, 12px);" +
        "border:1px solid var(--jp-border-color2, rgba(128,128,128,.35));border-radius:3px;" +
        "color:var(--jp-ui-font-color1, inherit);background:var(--jp-layout-color1, transparent)";
      el.appendChild(box);
      let first = 0, count = 0;
      function update() {
        const lines = model.get("lines"), start = model.get("first");
        box.dir = model.get("direction");  // Persian reads badly in a monospace font
        box.style.fontFamily = box.dir === "rtl" ? "var(--jp-ui-font-family, sans-serif)"
          : "var(--jp-code-font-family, monospace)";
        box.style.display = lines.length ? "" : "none";
        const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
        if (start < first || start + lines.length < first + count) {
          box.replaceChildren(); first = start; count = 0;   // a new run
        }
        while (first < start && box.firstChild) { box.firstChild.remove(); first++; count--; }
        first = start;
        for (let i = Math.max(0, first + count - start); i < lines.length; i++) {
          const div = document.createElement("div");
          div.innerHTML = lines[i];
          box.appendChild(div);
          count++;
        }
        if (atBottom) box.scrollTop = box.scrollHeight;
      }
      model.on("change:lines", update);
      update();
    }
    export default { render };
    """
    lines = traitlets.List(traitlets.Unicode()).tag(sync=True)
    first = traitlets.Int(0).tag(sync=True)
    direction = traitlets.Unicode("ltr").tag(sync=True)

    def append(self, line: str) -> None:
        kept = [*self.lines, line]
        dropped = max(0, len(kept) - LOG_LINES)
        with self.hold_sync():
            self.first = self.first + dropped
            self.lines = kept[dropped:]

    def clear(self) -> None:
        with self.hold_sync():
            self.first = 0
            self.lines = []


# -- the status line ---------------------------------------------------------------------------
class Smoother:
    """Samples/s and the ETA as exponential moving averages, so they do not jump from one log
    window to the next (an evaluation, a slow first batch)."""

    def __init__(self, weight: float = RATE_WEIGHT) -> None:
        self.weight = weight
        self.rate: float | None = None
        self.step_s: float | None = None

    def _mix(self, old: float | None, new: float) -> float:
        return new if old is None else self.weight * old + (1 - self.weight) * new

    def update(self, step: int, total: int, rate: float, eta_s: float) -> tuple[float, float]:
        """(smoothed samples/s, smoothed seconds left) after a log window."""
        if math.isfinite(rate) and rate > 0:
            self.rate = self._mix(self.rate, rate)
        left = max(0, total - step)
        if left and math.isfinite(eta_s) and eta_s >= 0:
            self.step_s = self._mix(self.step_s, eta_s / left)
        return self.rate or 0.0, left * (self.step_s or 0.0)


def took(seconds: float | None, lang: str) -> Markup:
    """A duration in the panel's units: left to right in English; in Persian the number
    before its Persian unit, read right to left (``12.3 ثانیه``)."""
    text = display.duration(seconds, lang=lang)
    return ltr(text) if lang == "en" else display.isolate(text)


def status_line(state: dict[str, Any], lang: str) -> Markup:
    """``step 40 of 150 · epoch 1 · 1,234 samples/s · ETA 12 s · loss 0.4321``."""
    return sentence("tp_status_line", lang, step=count(state["step"]), total=count(state["total"]),
                  epoch=count(state["epoch"] + 1), rate=count(state["rate"]),
                  eta=took(state["eta"], lang), loss=ltr(display.number(state["loss"])))


def phase(key: str, lang: str) -> Markup:
    """A phase (preparing, stopping) in the status line: muted, with a small spinner."""
    return Markup(f'<span style="color:{display.MUTED}">⏳ {esc(word(key, lang))}</span>')


# -- the end of a run ------------------------------------------------------------------------
def how_it_ended(result: Any, total: int, lang: str) -> Markup:
    """``completed: all 150 steps``, ``early stopping at step 63 of 150: …``, ``stopped at
    step 1 of 5,274``: the status word, coloured, and where it ended."""
    status = Markup(f'<b style="color:{display.STATUS_COLOURS.get(result.status, display.FG)}">'
                    f'{esc(word("status_" + result.status, lang))}</b>')
    steps, total_steps = count(result.steps), count(total or result.steps)
    if result.status == "stopped":  # "stopped at step 1 of 5,274", the status word in it
        colour = display.STATUS_COLOURS["stopped"]
        return Markup(f'<b style="color:{colour}">'
                      f'{sentence("tp_stopped_at", lang, step=steps, total=total_steps)}</b>')
    if result.stop_reason == "early_stopping":
        where = sentence("tp_early_at", lang, step=steps, total=total_steps,
                       metric=i18n.term("metric", selection_metric(result.task), lang))
    else:
        where = sentence("tp_completed_at", lang, total=total_steps)
    return Markup(f"{status} — {where}")


def result_main(result: Any) -> str:
    from trainlab.training.plots import main_metric

    try:
        return main_metric(result.task)
    except Exception:  # a custom task: its loss
        return "loss"


def metrics_text(metrics: dict[str, Any] | None, lang: str) -> Markup:
    """``accuracy 0.9333 · loss 0.2012`` with the names translated, the values isolated."""
    parts = [f"{esc(i18n.term('metric', k, lang))} {ltr(display.number(v))}"
             for k, v in (metrics or {}).items()
             if k not in ("step", "epoch") and isinstance(v, int | float) and not isinstance(v, bool)]
    return Markup(" · ".join(parts))


def outcome(result: Any, total: int, lang: str) -> Markup:
    """How the run ended, its metrics (or that it was never evaluated), where the model is and
    the line that loads it; a run stopped before any evaluation is not offered for use."""
    lines = [how_it_ended(result, total, lang)]
    last = result.last_metrics or (result.history[-1] if result.history else None)
    if result.metrics:
        step = result.metrics.get("step", result.steps)
        lines.append(sentence("tp_best_eval", lang, step=count(step)) + Markup(": ")
                     + metrics_text(result.metrics, lang))
    if last and last.get("step") != (result.metrics or {}).get("step"):
        lines.append(sentence("tp_last_eval", lang, step=count(last["step"])) + Markup(": ")
                     + metrics_text(last, lang))
    evaluated = bool(result.history) or bool(result.metrics)
    if not evaluated:
        lines.append(Markup(f"<i>{esc(word('tp_no_eval', lang))}</i>"))
    if result.model_path:
        lines.append(Markup(f"{esc(word('tp_saved', lang))} {display.code(result.model_path)}"))
        if evaluated or result.status == "completed":
            snippet = f'model = trainlab.load_model("{result.job_id}")' if result.job_id else \
                f"model = trainlab.load_model({str(result.model_path)!r})"
            lines.append(Markup(f"{esc(word('tp_load', lang))} <code dir=\"ltr\" "
                                f"style=\"user-select:all\">{html.escape(snippet, quote=False)}</code>"))
        else:
            lines.append(Markup(f"<i>{sentence('tp_not_evaluated', lang, step=count(result.steps))}"
                                "</i>"))
    return Markup("<br>".join(lines))


def evaluations_table(history: list[dict[str, Any]], train_history: list[dict[str, Any]],
                      main: str | None, lang: str) -> Markup:
    """Per evaluation: step, epoch, training loss, validation loss and the main metric (as
    fastai's progress table)."""
    if not history:
        return Markup("")
    show_metric = bool(main) and main != "loss"
    header = [word("show_step", lang), word("show_epoch", lang), word("tp_train_loss", lang),
              word("tp_val_loss", lang)]
    header += [i18n.term("metric", main or "", lang)] if show_metric else []
    header = [h[:1].upper() + h[1:] for h in header]  # one case: "Step", "Train loss", "Accuracy"
    rows = []
    for h in history:
        train = None
        for entry in train_history:
            if entry["step"] > h["step"]:
                break
            train = entry.get("loss")
        row = [f"{h['step']:,}", f"{h.get('epoch', 0) + 1:,}", display.number(train),
               display.number(h.get("loss"))]
        if show_metric:
            row.append(display.number(h.get(main or "")))
        rows.append(row)
    return Markup(display.heading(word("tp_metrics_table", lang))
                  + display.table(header, rows, numeric=tuple(range(len(header)))))


# -- log lines -------------------------------------------------------------------------------
def note(text: str, lang: str) -> Markup:
    """A note of :func:`trainlab.fit` in the panel's language (the known ones), else as it is:
    the result card's mapping (:func:`trainlab.training.show.note`)."""
    return show.note(text, lang)


def start_line(info: dict[str, Any], lang: str) -> Markup:
    return sentence("tp_log_start", lang, task=i18n.term("task", str(info.get("task")), lang),
                  device=ltr(info.get("device")), steps=count(info.get("total_steps") or 0),
                  parameters=count(info.get("parameters") or 0), job=ltr(info.get("job_id")))


def eval_line(metrics: dict[str, Any], lang: str) -> Markup:
    return sentence("tp_log_eval", lang, step=count(metrics.get("step", 0)),
                  metrics=metrics_text(metrics, lang))


def end_line(result: Any, total: int, lang: str) -> Markup:
    return how_it_ended(result, total, lang)


def ended_status(result: Any, total: int, lang: str) -> Markup:
    """The status line once a run ended: where it ended, the epoch and the time; no ETA."""
    return sentence("tp_ended_line", lang, step=count(result.steps), total=count(total or result.steps),
                  epoch=count(result.epochs), time=took(result.train_seconds, lang))


class Progress(Callback):
    """Training events to widget values, from the training thread, throttled."""

    def __init__(self, panel: Any) -> None:
        self.panel = panel
        self.last_draw = 0.0
        self.smoother = Smoother()

    def on_start(self, info: dict[str, Any]) -> None:
        p = self.panel
        p.job_id = info.get("job_id")
        p.main_metric = info.get("main_metric")
        p.total = max(1, int(info.get("total_steps") or 1))
        p.progress.max = p.total
        p.log_line(start_line(info, p.lang))
        for text in info.get("notes") or []:
            p.log_line(note(str(text), p.lang))

    def on_step(self, step: int, total_steps: int, epoch: int, loss: float, lr: float,
                samples_per_s: float, eta_s: float) -> None:
        p = self.panel
        p.series["train"].append((step, loss))
        rate, eta = self.smoother.update(step, total_steps, samples_per_s, eta_s)
        p.state = {"step": step, "total": total_steps, "epoch": epoch, "rate": rate, "eta": eta,
                   "loss": loss}
        self.draw()

    def on_eval(self, metrics: dict[str, Any]) -> None:
        p = self.panel
        step = metrics.get("step", 0)
        p.history.append(dict(metrics))
        if metrics.get("loss") is not None:
            p.series["val"].append((step, metrics["loss"]))
        main = p.main_metric
        if main and main != "loss" and metrics.get(main) is not None:
            p.series["metric"].append((step, metrics[main]))
        p.log_line(eval_line(metrics, p.lang))
        self.draw(force=True)

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_draw >= UPDATE_EVERY_S:
            self.last_draw = now
            self.panel.draw()
