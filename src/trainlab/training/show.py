"""How a :class:`~trainlab.training.result.TrainResult` and a
:class:`~trainlab.training.artifact.TrainedModel` look in a notebook (``_repr_html_``) and in a
plain ``repr``. The HTML pieces are :mod:`trainlab.display`'s."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainlab import display, i18n
from trainlab.display import Markup, word

if TYPE_CHECKING:
    from trainlab.training.artifact import TrainedModel
    from trainlab.training.result import TrainResult

HISTORY_ROWS = 20  # evaluations a result's table lists (the last ones); the rest are counted
LABELS_SHOWN = 10  # a classifier's labels a model card lists


def metric_names(*dicts: dict[str, Any] | None) -> list[str]:
    """The numeric metrics of ``dicts`` (step and epoch left out), in their first order."""
    names: dict[str, None] = {}
    for d in dicts:
        for k, v in (d or {}).items():
            if k not in ("step", "epoch") and isinstance(v, int | float) and not isinstance(v, bool):
                names[k] = None
    return list(names)


def _short(metrics: dict[str, Any] | None, names: list[str], limit: int = 2) -> str:
    shown = [f"{k}={display.number(metrics[k])}" for k in names[:limit]
             if isinstance((metrics or {}).get(k), int | float)]
    return ", ".join(shown)


def _main(task: str) -> str:
    from trainlab.training.plots import main_metric

    return main_metric(task)


def _load_line(job_id: str | None, model_path: str | None) -> str | None:
    if job_id and model_path:
        return f'trainlab.load_model("{job_id}")'
    return f"trainlab.load_model({model_path!r})" if model_path else None


# -- TrainResult -----------------------------------------------------------------------------
def result_repr(result: TrainResult) -> str:
    """``TrainResult(completed, tabular-classification, 18 steps, job_…, accuracy=0.9333)``."""
    main = _main(result.task)
    names = [main, *(n for n in metric_names(result.metrics) if n != main)]
    shown = _short(result.metrics, [n for n in names if n in result.metrics], 1)
    parts = [result.status + (f" ({result.stop_reason})" if result.stop_reason else ""),
             result.task, f"{result.steps:,} steps", result.job_id or "", shown]
    return f"TrainResult({', '.join(p for p in parts if p)})"


def why(result: TrainResult, lang: str | None = None) -> str | None:
    """Why a run ended before its last step, in words; None when it ran to the end."""
    if result.stop_reason == "early_stopping":
        from trainlab.training.plots import selection_metric

        return word("show_why_early", lang,
                    metric=display.term_word("metric", selection_metric(result.task), lang))
    if result.stop_reason == "interrupted":
        return word("show_why_interrupted", lang)
    if result.stop_reason == "requested":
        return word("show_why_requested", lang)
    return None


def _train_loss_at(train_history: list[dict[str, Any]], step: int) -> Any:
    """The training loss of the last log window ending at or before ``step``."""
    value = None
    for entry in train_history:
        if entry["step"] > step:
            break
        value = entry.get("loss")
    return value


def result_html(result: TrainResult, lang: str | None = None) -> str:
    """Status (and why it ended early), task, steps and epochs, time, device; the metrics of
    the saved model and of the last evaluation; every evaluation as a row (step, epoch, train
    loss, validation loss, main metric); a loss chart; and the ``load_model`` line."""
    main = _main(result.task)
    status = display.status_badge(result.status, lang)
    reason = why(result, lang)
    if reason:
        status = Markup(f"{status} — {display.esc(reason)}")
    items: list[tuple[Any, Any]] = [
        (word("status", lang), status),
        (word("task", lang), display.term("task", result.task, lang)),
        (f"{word('show_steps', lang)} / {word('show_epochs', lang)}",
         display.ltr(f"{result.steps:,} / {result.epochs:,}")),
        (word("show_time", lang), display.ltr(display.duration(result.train_seconds,
                                                                _units(lang)))),
        (word("device", lang), display.ltr(f"{result.device} ({result.precision})")),
    ]
    load = _load_line(result.job_id, result.model_path)
    if load:
        items.append((word("show_load", lang), display.code(load)))
    sections: list[Any] = []
    names = metric_names(result.metrics, result.last_metrics)
    if names:
        header = [word("show_metric", lang), word("show_best", lang)]
        last = result.last_metrics if result.last_metrics and \
            result.last_metrics.get("step") != result.metrics.get("step") else None
        if last:
            header.append(word("show_last", lang))
        rows = [[display.term("metric", n, lang), display.number(result.metrics.get(n))]
                + ([display.number(last.get(n))] if last else []) for n in names]
        sections += [display.heading(word("show_metrics", lang)),
                     display.table(header, rows, numeric=(1, 2))]
    history = list(result.history)
    if history:
        shown = history[-HISTORY_ROWS:]
        header = [word("show_step", lang), word("show_epoch", lang), word("show_train_loss", lang),
                  word("show_val_loss", lang)] + ([display.term_word("metric", main, lang)]
                                                  if main != "loss" else [])
        rows = [[f"{h['step']:,}", h.get("epoch", ""),
                 display.number(_train_loss_at(result.train_history, h["step"])),
                 display.number(h.get("loss"))]
                + ([display.number(h.get(main))] if main != "loss" else []) for h in shown]
        sections += [display.heading(word("show_history", lang)),
                     display.table(header, rows, numeric=tuple(range(len(header))))]
        if len(history) > len(shown):
            sections.append(display.esc(word("show_more", lang, count=len(history) - len(shown))))
    chart = display.line_chart(
        [(word("show_train_loss", lang), [(h["step"], h.get("loss")) for h in result.train_history
                                           if _finite(h.get("loss"))]),
         (word("show_val_loss", lang), [(h["step"], h.get("loss")) for h in history
                                         if _finite(h.get("loss"))])],
        title=word("show_loss_chart", lang), x_label=word("show_step", lang))
    if chart:
        sections.append(chart)
    sections += [Markup(f'<i dir="auto">{display.esc(n) if _english(lang) else note(n, lang)}</i>')
                 for n in result.notes]
    return display.card(f"{word('show_train_result', lang)}: "
                        f"{display.term_word('task', result.task, lang)}", items,
                        sections=sections, lang=lang)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _english(lang: str | None) -> bool:
    return i18n.current_language(lang) == "en"


def _units(lang: str | None) -> str | None:
    """The duration's units: English ones in English (stored notebooks keep them)."""
    return None if _english(lang) else i18n.current_language(lang)


# -- the notes of a run (the cards and the training panel say them in their language) --------
_LARGE = re.compile(r"Large dataset: training for (\d+) steps")
_EARLY = re.compile(r"Early stopping after (\d+) of (\d+) steps: validation (\S+) stopped")


def note(text: str, lang: str | None = None) -> Markup:
    """A note of :func:`trainlab.fit` (English text) in ``lang``: the known ones as i18n
    sentences, any other as it is (isolated)."""
    found = _LARGE.match(text)
    if found:
        return display.sentence("tp_note_large", lang, steps=_count(found.group(1)))
    if text.startswith("No GPU found"):
        return display.sentence("tp_note_no_gpu", lang)
    if text.startswith("Tensors came from the cache"):
        return display.sentence("tp_note_cache", lang)
    found = _EARLY.match(text)
    if found:
        return display.sentence("cards_note_early", lang, step=_count(found.group(1)),
                                total=_count(found.group(2)),
                                metric=display.term_word("metric", found.group(3), lang))
    return display.isolate(text)


def _count(value: str) -> Markup:
    return display.ltr(f"{int(value):,}")


# -- TrainedModel ----------------------------------------------------------------------------
def _source(path: Path) -> str:
    """``job_…`` for a model in a job's folder, else the folder (its last 60 characters)."""
    if path.name == "model" and path.parent.name.startswith("job_"):
        return path.parent.name
    text = str(path)
    return text if len(text) <= 60 else "…" + text[-59:]


def _inputs(model: TrainedModel) -> list[tuple[str, str]]:
    columns = model.task.input_columns(model.meta["state"]["columns"])
    types = model.meta.get("input_types") or {}
    default = "text" if model.task_name in ("text-classification", "causal-lm") else ""
    return [(c, types.get(c, default)) for c in columns]


def model_repr(model: TrainedModel) -> str:
    """``TrainedModel('tabular-classification', job_…, 4 inputs, 2 labels, accuracy=0.9333)``."""
    parts = [repr(model.task_name), _source(model.path)]
    if model.task_name != "causal-lm":
        count = len(_inputs(model))
        parts.append(f"{count} input{'' if count == 1 else 's'}")
    labels = model.labels
    if labels is not None:
        parts.append(f"{len(labels)} labels")
    main = _main(model.task_name)
    shown = _short(model.metrics, [main] if main in model.metrics else metric_names(model.metrics), 1)
    if shown:
        parts.append(shown)
    return f"TrainedModel({', '.join(parts)})"


def model_html(model: TrainedModel, lang: str | None = None) -> str:
    """Task, input columns with the types they were trained as, the labels (the first ones
    and how many) or the target, the parameter count, the size on disk and the metrics."""
    state = model.meta["state"]
    parameters = sum(p.numel() for p in model.module.parameters())
    on_disk = sum(f.stat().st_size for f in model.path.iterdir() if f.is_file())
    items: list[tuple[Any, Any]] = [
        (word("task", lang), display.term("task", model.task_name, lang)),
        (word("show_parameters", lang), display.ltr(f"{parameters:,}")),
        (word("show_on_disk", lang), display.ltr(display.human_size(on_disk))),
    ]
    labels = model.labels
    if labels is not None:
        first = ", ".join(str(v) for v in labels[:LABELS_SHOWN])
        more = len(labels) - LABELS_SHOWN
        text = display.esc(first)
        if more > 0:
            text = Markup(f"{text} {display.esc(word('show_more', lang, count=more))}")
        items.append((f"{word('show_labels', lang)} ({len(labels)})", text))
    elif isinstance(state["columns"].get("target"), str):
        items.append((word("show_target", lang), display.ltr(state["columns"]["target"])))
    items.append(("path" if _english(lang) else word("cards_path", lang), display.code(model.path)))
    sections: list[Any] = []
    inputs = _inputs(model)
    if inputs and model.task_name != "causal-lm":
        sections += [display.heading(word("show_inputs", lang)),
                     display.table([word("show_column", lang), word("type", lang)],
                                   [(display.ltr(c), display.term("type", t, lang))
                                    for c, t in inputs])]
    names = metric_names(model.metrics)
    if names:
        sections += [display.heading(word("show_metrics", lang)),
                     display.table([word("show_metric", lang), word("values", lang)],
                                   [(display.term("metric", n, lang),
                                     display.number(model.metrics[n]))
                                    for n in names], numeric=(1,))]
    return display.card(f"{word('show_model_card', lang)}: "
                        f"{display.term_word('task', model.task_name, lang)}", items,
                        sections=sections, lang=lang)


# -- Evaluation ------------------------------------------------------------------------------
def evaluation_html(ev: Any, lang: str | None = None) -> str:
    """Task and data, rows scored of rows seen, the skipped rows by reason, the metrics, and the
    confusion matrix (classifiers) or the residual quantiles (regressors)."""
    skipped = [(reason, n) for reason, n in ev.rows_skipped.items() if n]
    items: list[tuple[Any, Any]] = [
        (word("task", lang), display.term("task", ev.task, lang)),
        (word("dataset", lang), display.code(ev.dataset_id) if ev.dataset_id else ev.source),
        (word("show_rows_scored", lang), display.ltr(f"{ev.rows_scored:,} / {ev.rows:,}")),
        (word("show_skipped", lang),
         Markup(", ".join(f"{display.ltr(reason)} {display.ltr(f'{n:,}')}" for reason, n in skipped))
         if skipped else display.ltr(0)),
    ]
    if ev.unseen_labels:
        items.append((word("show_unseen_labels", lang), display.ltr(f"{ev.unseen_labels:,}")))
    sections: list[Any] = [display.heading(word("show_metrics", lang)),
                           display.table([word("show_metric", lang), word("values", lang)],
                                         [(display.term("metric", k, lang), display.number(v))
                                          for k, v in ev.metrics.items()], numeric=(1,))]
    if ev.confusion is not None:
        corner = f"{word('show_true', lang)} \\ {word('show_predicted', lang)}"
        rows = [[display.ltr(label), *(f"{int(n):,}" for n in counts)]
                for label, counts in zip(ev.confusion.index, ev.confusion.to_numpy(), strict=True)]
        sections += [display.heading(word("show_confusion", lang)),
                     display.table([corner, *(str(c) for c in ev.confusion.columns)], rows,
                                   numeric=tuple(range(1, len(ev.confusion.columns) + 1)))]
    if ev.residual_quantiles:
        quantiles = list(ev.residual_quantiles.items())
        sections += [display.heading(word("show_residuals", lang)),
                     display.table([q if _english(lang) else display.ltr(q) for q, _ in quantiles],
                                   [[display.number(v) for _, v in quantiles]],
                                   numeric=tuple(range(len(quantiles))))]
    return display.card(f"{word('show_evaluation', lang)}: "
                        f"{display.term_word('task', ev.task, lang)}", items, sections=sections,
                        lang=lang)
