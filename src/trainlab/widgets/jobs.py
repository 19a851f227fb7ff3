"""The Jobs panel: every job of the workspace, a row each, following the workspace.

Each row shows the job's name and its dataset's name first, its id small and muted, the
status, a progress bar, the latest loss while it runs, the device it actually runs on (from
the run's ``config.json`` when the record says ``auto``) and its age, with Stop, Resume and
Delete buttons enabled by its status. New jobs from anywhere appear on their own: a
:class:`~trainlab.widgets.watch.Watcher` refreshes every ``refresh_s`` while a job runs and
otherwise only checks, every ``check_s``, whether the workspace changed (a queued job that
starts, a new job, a stop: each is a write the check sees).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import ipywidgets as w

from trainlab import display, i18n
from trainlab.widgets import dataset_views as views
from trainlab.widgets.labels import age, word
from trainlab.widgets.snapshot import Snapshot
from trainlab.widgets.watch import CHECK_S, Following
from trainlab.workspace import Workspace, resolve

ACTIVE = ("queued", "running")
MUTED = f"color:{display.MUTED};font-size:0.85em"


class JobRow(w.HBox):
    """One job: its HTML and its three buttons (the panel updates them in place)."""

    def __init__(self, panel: JobsPanel, job_id: str) -> None:
        self.job_id = job_id
        self.view = w.HTML(layout=w.Layout(flex="1 1 auto"))
        lang = panel.lang
        self.stop = w.Button(description=word("stop", lang), icon="stop",
                             layout=w.Layout(width="auto"))
        self.resume = w.Button(description=word("resume", lang), icon="play",
                               layout=w.Layout(width="auto"))
        self.delete = w.Button(description=word("delete", lang), icon="trash",
                               layout=w.Layout(width="auto"))
        self.show = w.Button(description=word("jobs_show", lang), icon="list",
                             layout=w.Layout(width="auto"))
        self.stop.on_click(lambda _: panel.act(panel.ws.jobs.stop, job_id))
        self.resume.on_click(lambda _: panel.act(panel.ws.jobs.resume, job_id))
        self.delete.on_click(lambda _: panel.act(panel.ws.jobs.delete, job_id))
        self.show.on_click(lambda _: setattr(panel.selected, "value", job_id))
        super().__init__([self.view, self.stop, self.resume, self.delete, self.show],
                         layout=w.Layout(align_items="center", border_bottom="1px solid "
                                         "var(--jp-border-color2, #ddd)", padding="2px 0"))

    def update(self, html: str, status: str) -> None:
        if self.view.value != html:
            self.view.value = html
        self.stop.disabled = status not in ACTIVE
        self.resume.disabled = status not in ("stopped", "interrupted", "failed")
        self.delete.disabled = status in ACTIVE


class JobsPanel(Following, Snapshot, w.VBox):
    """Every job of the workspace (notebook runs, background and REST jobs), newest first."""

    def __init__(self, workspace: Workspace | str | None = None, *, lang: str | None = None,
                 refresh_s: float = 1.0, check_s: float = CHECK_S, auto_refresh: bool = True,
                 **kwargs: Any) -> None:
        self.ws = resolve(workspace)
        self.lang = i18n.current_language(lang)
        self.refresh_s, self.check_s, self.auto_refresh = refresh_s, check_s, auto_refresh
        self.active = False
        self._lock = threading.RLock()
        self.rows: dict[str, JobRow] = {}
        self._devices: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self.empty = w.HTML()
        self.table = w.VBox()
        self.selected = w.Dropdown(description=word("jobs_details", self.lang),
                                   layout=w.Layout(width="32em"),
                                   style={"description_width": "initial"})
        self.refresh_button = w.Button(description=word("refresh", self.lang), icon="refresh",
                                       layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.details = w.HTML()  # the selected job's evaluations
        self.selected.observe(lambda _: self.show_details(), names="value")
        self.refresh_button.on_click(lambda _: self.refresh())
        super().__init__([self.empty, self.table, w.HBox([self.selected, self.refresh_button]),
                          self.message, self.details], **kwargs)
        if self.lang == "fa":
            self.add_class("trainlab-rtl")
        self.refresh()
        self.follow("trainlab-jobs-panel", self.message, auto_refresh)

    # -- showing -----------------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Show the jobs now; returns whether any is running."""
        with self._lock:  # the watcher's thread and the kernel's
            return self._refresh()

    def _refresh(self) -> bool:
        try:
            items = self.ws.jobs.list(limit=200)
        except Exception as exc:  # shown in the panel, never a traceback in the cell
            self.message.value = views.error(exc, self.lang)
            return self.active
        self.empty.value = "" if items else \
            f"<i style='color:{display.MUTED}'>{display.esc(word('no_jobs', self.lang))}</i>"
        ids = [job.id for job in items]
        for job in items:
            row = self.rows.get(job.id) or JobRow(self, job.id)
            self.rows[job.id] = row
            row.update(self.job_html(job), str(job.status))
        for gone in set(self.rows) - set(ids):
            self.rows.pop(gone).close()
        if [r.job_id for r in self.table.children] != ids:
            self.table.children = [self.rows[i] for i in ids]
        options = [(f"{job.name} — {i18n.term('status', job.status, self.lang)}", job.id)
                   for job in items]
        if options != list(self.selected.options):
            current = self.selected.value
            self.selected.options = [(word("jobs_pick", self.lang), None), *options]
            self.selected.value = current if current in ids else None
        self.show_details()
        # a running job reports progress: refresh every refresh_s; a queued one changes only
        # when a scheduler starts it, a write the change check sees
        self.active = any(str(job.status) == "running" for job in items)
        return self.active

    def job_html(self, job: Any) -> str:
        """A row's text: name, dataset, id; status; progress; loss; device; age."""
        lang = self.lang
        p = job.progress or {}
        status = str(job.status)
        step = word("jobs_step", lang, step=f"{p.get('step', 0):,}" + (
            f"/{p['total_steps']:,}" if p.get("total_steps") else ""))
        colour = display.STATUS_COLOURS.get(status, display.FG)
        parts = [f"<b>{display.isolate(job.name)}</b>"]
        if job.dataset_id and not str(job.name).endswith(self._dataset_name(job.dataset_id)):
            parts.append(f"· {display.isolate(self._dataset_name(job.dataset_id))}")
        parts.append(f"<span style='{MUTED}'>{display.code(job.id)}</span><br>")
        parts.append(f"<b style='color:{colour}'>{display.esc(i18n.term('status', status, lang))}</b>")
        if job.experiment_id and status == "stopped" and self._trial_state(job) == "pruned":
            parts.append(display.status_badge("pruned", lang))  # stopped by its experiment
        fraction = 1.0 if status == "completed" else p.get("fraction", 0.0)
        parts.append(display.progress_bar(fraction) + f" <span style='{MUTED}'>"
                     f"{display.esc(step)}</span>")
        loss = self._latest_loss(job) if status == "running" else None
        if loss is None:
            loss = (job.metrics or {}).get("loss")
        if loss is not None:
            parts.append(f"· {display.esc(word('jobs_loss', lang))} "
                         f"{display.ltr(display.number(loss))}")
        device = self._device(job)
        if device:
            parts.append(f"· {display.esc(word('jobs_device', lang))} {display.ltr(device)}")
        if getattr(job, "executor", "local") == "ray":  # issue 20: a job run on a Ray cluster
            parts.append(f"· {display.esc(word('jobs_executor_ray', lang))}")
        parts.append(f"<span style='{MUTED}'>· {display.esc(age(job.created_at, lang))}</span>")
        return f"<div dir='{i18n.direction(lang)}'>{' '.join(parts)}</div>"

    def _trial_state(self, job: Any) -> str | None:
        """The state of the experiment trial the job runs (None when it is not one)."""
        rows = self.ws.store.query("SELECT state FROM experiment_trials WHERE experiment_id=?"
                                   " AND number=?", (job.experiment_id, job.trial))
        return rows[0]["state"] if rows else None

    def _latest_loss(self, job: Any) -> float | None:
        """The last training loss a running job reported (one indexed query, a few rows)."""
        try:
            rows = self.ws.jobs.records.metrics(job.id, max(0, (job.progress or {}).get(
                "step", 0) - 200))
        except Exception:
            return None
        losses = [r["value"] for r in rows if r["name"] == "loss" and r["split"] == "train"]
        return losses[-1] if losses else None

    def _dataset_name(self, dataset_id: str) -> str:
        if dataset_id not in self._names:
            try:
                self._names[dataset_id] = self.ws.datasets.get(dataset_id).name
            except Exception:  # deleted since: its id is all there is
                return dataset_id
        return self._names[dataset_id]

    def _device(self, job: Any) -> str:
        """The device the run resolved (its config.json), not the ``auto`` it was asked for."""
        if job.id in self._devices:
            return self._devices[job.id]
        device = job.device or ""
        try:
            config = json.loads((Path(job.paths["dir"]) / "config.json").read_text())
            device = str(config.get("device") or device)
            self._devices[job.id] = device
        except (OSError, ValueError, KeyError):
            pass
        return "" if device == "auto" else device

    def show_details(self) -> None:
        """The selected job's note and experiment trial, and its recorded evaluations, a line
        each: data, main metrics, rows."""
        job_id = self.selected.value
        try:  # its note in the panel's language
            job = self.ws.jobs.get(job_id, lang=self.lang) if job_id else None
        except Exception:  # deleted meanwhile: nothing to show
            job = None
        if job is None:
            self.details.value = ""
            return
        lines = [f"<li>{_evaluation_line(e, self.ws, self.lang)}</li>"
                 for e in job.evaluations or ()]
        body = f"<ul>{''.join(lines)}</ul>" if lines else \
            f"<i>{views.message_html(word('no_evaluations', self.lang))}</i>"
        if job.note:  # why it stopped (pruned by its experiment, cancelled, ...)
            body = (f"<p><b>{display.esc(word('jobs_note', self.lang))}:</b> "
                    f"{display.esc(job.note)}</p>{body}")
        if job.experiment_id:
            body = (f"<p>{display.esc(word('jobs_trial_of', self.lang, number=job.trial))} "
                    f"{display.code(job.experiment_id)}</p>{body}")
        html = views.boxed(
            f"<b>{display.esc(word('evaluations', self.lang))}</b> "
            f"{display.isolate(job.name)} {display.code(job.id)}{body}", self.lang)
        if self.details.value != html:
            self.details.value = html

    def act(self, action: Any, job_id: str) -> None:
        """Stop, resume or delete ``job_id`` (what the row's buttons call)."""
        self.message.value = ""
        try:
            action(job_id)
        except Exception as exc:
            self.message.value = views.error(exc, self.lang)
        self.refresh()
        if self.watcher is not None:
            self.watcher.wake()


def _evaluation_line(entry: dict[str, Any], ws: Workspace, lang: str) -> str:
    """``name (ds_…) — accuracy 0.93, macro_f1 0.92 · 98/100 rows scored``, as HTML."""
    where = display.esc(entry.get("source") or "?")
    if entry.get("dataset_id"):
        try:
            where = display.Markup(f"{display.isolate(ws.datasets.get(entry['dataset_id']).name)} "
                                   f"{display.code(entry['dataset_id'])}")
        except Exception:  # the dataset was deleted since
            where = display.code(entry["dataset_id"])
    shown = ", ".join(f"{k} {v:.4g}" for k, v in entry.get("metrics", {}).items()
                      if isinstance(v, float) and k != "tokens")
    rows = f"{entry.get('rows_scored', 0):,}/{entry.get('rows', 0):,}"
    return (f"{where} — {display.ltr(shown)} · {display.ltr(rows)} "
            f"{display.esc(word('rows_scored', lang))}")
