"""How a :class:`~trainlab.jobs.records.Job` looks in a notebook (``_repr_html_``) and in a
plain ``repr``. Only what the record holds is shown, never the time of showing, so the same
record gives the same HTML."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from trainlab import display, i18n
from trainlab.display import Markup, word

if TYPE_CHECKING:
    from trainlab.jobs.records import Job

METRICS_SHOWN = 4  # the latest metrics a card and a repr list (loss first)


def _metrics(job: Job) -> list[tuple[str, Any]]:
    found = [(k, v) for k, v in (job.metrics or {}).items()
             if k not in ("step", "epoch") and isinstance(v, int | float) and not isinstance(v, bool)]
    found.sort(key=lambda kv: kv[0] != "loss")  # stable: loss first, the rest as recorded
    return found[:METRICS_SHOWN]


def _steps(job: Job) -> str:
    p = job.progress
    total = p.get("total_steps")
    return f"{p.get('step') or 0:,}/{total:,}" if total else f"{p.get('step') or 0:,}/?"


def _when(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def job_repr(job: Job) -> str:
    """``Job('churn run', job_…, completed, step 18/18, loss=0.1231, accuracy=0.9333)``."""
    name = job.name if len(job.name) <= 40 else job.name[:37] + "..."
    parts = [repr(name), job.id, str(job.status), f"step {_steps(job)}"]
    parts += [f"{k}={display.number(v)}" for k, v in _metrics(job)[:2]]
    return f"Job({', '.join(parts)})"


def job_html(job: Job, lang: str | None = None) -> str:
    """Name, dataset, status, a progress bar, the latest loss and metrics, device, when it was
    created and how long it ran, its note and its error."""
    p = job.progress
    english = i18n.current_language(lang) == "en"
    epoch = p.get("epoch")
    label = f"{word('show_step', lang)} {_steps(job)}" + (
        f" · {word('show_epoch', lang)} {epoch}" if epoch is not None else "")
    status = display.status_badge(job.status, lang)
    if job.stop_requested:
        status = Markup(f"{status} ({display.esc(word('show_why_requested', lang))})")
    items: list[tuple[Any, Any]] = [
        ("id" if english else word("cards_id", lang), display.code(job.id)),
        (word("status", lang), status),
        (word("task", lang), display.term("task", job.task, lang)),
        (word("dataset", lang), display.code(job.dataset_id) if job.dataset_id else "-"),
        (word("progress", lang), display.progress_bar(p.get("fraction"), label)),
    ]
    for name, value in _metrics(job):
        items.append((display.term("metric", name, lang), display.ltr(display.number(value))))
    items.append((word("device", lang), display.ltr(job.device + (f" ({job.gpus})" if job.gpus
                                                                   else ""))))
    created = _when(job.created_at)
    if created is not None:
        items.append((word("show_created", lang), _created(created, english, lang)))
    started, finished = _when(job.started_at), _when(job.finished_at)
    if started is not None and finished is not None:
        items.append((word("show_duration", lang),
                      display.ltr(display.duration((finished - started).total_seconds(),
                                                   None if english else i18n.current_language(lang)))))
    if job.note:
        items.append((word("show_note", lang), job.note if english else _note(job.note)))
    if job.error:
        message = job.error.get("message") or job.error.get("code") or ""
        items.append((word("show_error", lang), Markup(
            f'<span style="color:{display.ERROR}">{display.esc(message)}</span>')))
    if str(job.status) == "completed":
        items.append((word("show_load", lang), display.code(f'trainlab.load_model("{job.id}")')))
    return display.card(_name(job, english, lang), items, lang=lang)


def _created(created: datetime, english: bool, lang: str | None) -> Any:
    """When a job was created: ``2026-12-01 17:44:36 UTC``; the zone in words in Persian."""
    if english:
        return display.ltr(created.strftime("%Y-%m-%d %H:%M:%S %Z").strip())
    zone = created.strftime("%Z")
    shown = display.ltr(created.strftime("%Y-%m-%d %H:%M:%S"))
    if zone in ("UTC", "UTC+00:00"):
        return Markup(f"{shown} {display.esc(word('cards_utc', lang))}")
    return Markup(f"{shown} {display.ltr(zone)}") if zone else shown


def _name(job: Job, english: bool, lang: str | None) -> str:
    """A job's name; the default one (``tabular-classification run``) in the card's language."""
    if not english and job.name == f"{job.task} run":
        return word("cards_run_name", lang, task=display.term_word("task", job.task, lang))
    return job.name


_CODE = re.compile(r"`([^`]+)`|'((?:ds|job)_[0-9a-z]+)'")


def _note(text: str) -> Markup:
    """A job's note in a right-to-left card: its `code` and its 'job_…' ids left to right."""
    parts, end = [], 0
    for found in _CODE.finditer(text):
        parts += [display.esc(text[end:found.start()]),
                  display.code(found[1]) if found[1] else display.ltr(found[0])]
        end = found.end()
    return Markup(f"<bdi>{''.join(parts)}{display.esc(text[end:])}</bdi>")
