"""The dataset and jobs panels (ipywidgets, in the kernel, on the workspace directly).

Panels never print: every message goes into a widget, so a notebook's output stays what the
cell shows, and a background thread only ever sets widget values.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets as w

from trainlab import i18n
from trainlab.widgets import render
from trainlab.workspace import Workspace, resolve

PAGE = 50


def server_files(root: str = ".", most: int = 500) -> list[str]:
    """Data files under the notebook's folder (where JupyterLab's file browser puts uploads),
    for the import box to propose; hidden folders and checkpoints are left out."""
    import os

    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if name.lower().endswith((".csv", ".jsonl", ".ndjson", ".json")) and \
                    not name.startswith("."):
                found.append(os.path.relpath(os.path.join(folder, name), root))
                if len(found) >= most:
                    return found
    return found


class DatasetPanel(w.VBox):
    """Upload (chunked, any size), import a file from the server's tree, or pick a dataset;
    then its status, validation report (paged), preview and profile."""

    def __init__(self, workspace: Workspace | str | None = None, *, lang: str | None = None,
                 **kwargs: Any) -> None:
        from trainlab.widgets.upload import chunked_upload

        self.ws = resolve(workspace)
        self.lang = i18n.current_language(lang)
        self.dataset: Any = None
        self.offset = 0
        self.picker = w.Dropdown(description=i18n.render("dataset", lang=self.lang),
                                 layout=w.Layout(width="32em"))
        self.upload = chunked_upload(self.ws, on_done=self._added, lang=self.lang)
        self.path = w.Combobox(placeholder="data/train.csv", options=server_files(),
                               description=i18n.render("server_file", lang=self.lang),
                               ensure_option=False, style={"description_width": "initial"})
        self.import_button = w.Button(description=i18n.render("import", lang=self.lang),
                                      icon="file-import")
        self.message = w.HTML()
        self.summary = w.HTML()
        self.report_view = w.HTML()
        self.previous = w.Button(description=i18n.render("previous", lang=self.lang), disabled=True)
        self.next = w.Button(description=i18n.render("next", lang=self.lang), disabled=True)
        self.preview_view = w.HTML()
        self.profile_view = w.HTML()
        self.tabs = w.Tab(children=[w.VBox([self.report_view, w.HBox([self.previous, self.next])]),
                                    self.preview_view, self.profile_view])
        for i, key in enumerate(("report", "preview", "profile")):
            self.tabs.set_title(i, i18n.render(key, lang=self.lang))
        self.picker.observe(self._picked, names="value")
        self.import_button.on_click(lambda _: self.import_path(self.path.value))
        self.previous.on_click(lambda _: self._page(-PAGE))
        self.next.on_click(lambda _: self._page(PAGE))
        super().__init__([w.HBox([self.picker]), w.HBox([w.Label(i18n.render("upload", lang=self.lang)),
                                                          self.upload]),
                          w.HBox([self.path, self.import_button]), self.message, self.summary,
                          self.tabs], **kwargs)
        self.refresh()

    # -- actions (also what the buttons call) ----------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        items = [(i18n.render("pick_dataset", lang=self.lang), None)] + [
            (f"{d.name} — {d.status}, {d.rows:,} ({d.id})", d.id)
            for d in self.ws.datasets.list(limit=500)]
        current = select or self.picker.value
        self.picker.options = items
        if current in {v for _, v in items}:
            self.picker.value = current

    def show(self, dataset_id: str | None) -> None:
        self.message.value = ""
        if not dataset_id:
            self.dataset = None
            self.summary.value = self.report_view.value = ""
            self.preview_view.value = self.profile_view.value = ""
            return
        try:
            self.dataset = self.ws.datasets.get(dataset_id)
            self.offset = 0
            self.summary.value = render.boxed(render.dataset_summary(self.dataset, self.lang),
                                              self.lang) + render.STYLE
            self._show_report()
            self.preview_view.value = render.boxed(
                render.preview(self.dataset.preview(limit=20), self.lang), self.lang)
            self.profile_view.value = render.boxed(
                render.profile(self.dataset.profile(), self.lang), self.lang)
        except Exception as exc:  # shown in the panel, never a traceback in the cell
            self.message.value = render.error_html(exc, self.lang)

    def import_path(self, path: str) -> Any:
        """Register a file the server can read (e.g. uploaded by JupyterLab's file browser)."""
        try:
            dataset = self.ws.datasets.add(path.strip())
        except Exception as exc:
            self.message.value = render.error_html(exc, self.lang)
            return None
        self._added(dataset)
        return dataset

    # -- internals -------------------------------------------------------------------------------
    def _added(self, dataset: Any) -> None:
        self.refresh(select=dataset.id)
        if self.picker.value != dataset.id:
            self.picker.value = dataset.id
        else:
            self.show(dataset.id)

    def _picked(self, change: dict[str, Any]) -> None:
        self.show(change["new"])

    def _show_report(self) -> None:
        rep = self.dataset.report_in(self.lang)
        total = len(rep.get("errors", []))
        self.report_view.value = render.boxed(render.report(rep, self.offset, PAGE, self.lang),
                                              self.lang)
        self.previous.disabled = self.offset == 0
        self.next.disabled = self.offset + PAGE >= total

    def _page(self, delta: int) -> None:
        self.offset = max(0, self.offset + delta)
        self._show_report()


class JobsPanel(w.VBox):
    """Every job of the workspace (notebook runs, background and REST jobs): status, progress,
    latest loss, device, age; Stop, Resume, Delete. It refreshes itself while jobs run, and
    stops refreshing when none do."""

    def __init__(self, workspace: Workspace | str | None = None, *, lang: str | None = None,
                 refresh_s: float = 1.0, auto_refresh: bool = True, **kwargs: Any) -> None:
        self.ws = resolve(workspace)
        self.lang = i18n.current_language(lang)
        self.refresh_s = refresh_s
        self.auto_refresh = auto_refresh
        self.table = w.HTML()
        self.selected = w.Dropdown(description="job", layout=w.Layout(width="32em"))
        self.stop_button = w.Button(description=i18n.render("stop", lang=self.lang), icon="stop")
        self.resume_button = w.Button(description=i18n.render("resume", lang=self.lang), icon="play")
        self.delete_button = w.Button(description=i18n.render("delete", lang=self.lang), icon="trash")
        self.refresh_button = w.Button(description=i18n.render("refresh", lang=self.lang),
                                       icon="refresh")
        self.message = w.HTML()
        self.details = w.HTML()  # the selected job's evaluations
        self.selected.observe(lambda _: self.show_details(), names="value")
        self.stop_button.on_click(lambda _: self._act(self.ws.jobs.stop))
        self.resume_button.on_click(lambda _: self._act(self.ws.jobs.resume))
        self.delete_button.on_click(lambda _: self._act(self.ws.jobs.delete))
        self.refresh_button.on_click(lambda _: self.refresh())
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        super().__init__([self.table, w.HBox([self.selected, self.stop_button, self.resume_button,
                                              self.delete_button, self.refresh_button]),
                          self.message, self.details], **kwargs)
        self.refresh()

    @property
    def refreshing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self) -> bool:
        """Show the jobs now; returns whether any is queued or running (and, with
        ``auto_refresh``, keeps refreshing until none is)."""
        items = self.ws.jobs.list(limit=200)
        self.table.value = render.boxed(render.jobs(items, self.lang), self.lang)
        options = [(f"{j.name} ({j.id}) — {j.status}", j.id) for j in items]
        current = self.selected.value
        if options != list(self.selected.options):
            self.selected.options = options
            if current in {v for _, v in options}:
                self.selected.value = current
        self.show_details()
        active = any(j.status in ("queued", "running") for j in items)
        if active and self.auto_refresh:
            self._start()
        return active

    def _start(self) -> None:
        with self._lock:
            if self.refreshing:
                return
            self._thread = threading.Thread(target=self._loop, name="trainlab-jobs-panel",
                                            daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(self.refresh_s)
            try:
                if not self.refresh_once():
                    return
            except Exception as exc:  # the panel says so; the thread ends
                self.message.value = render.error_html(exc, self.lang)
                return

    def refresh_once(self) -> bool:
        auto, self.auto_refresh = self.auto_refresh, False
        try:
            return self.refresh()
        finally:
            self.auto_refresh = auto

    def show_details(self) -> None:
        """The selected job's recorded evaluations, a line each: data, main metrics, rows."""
        job_id = self.selected.value
        try:
            job = self.ws.jobs.get(job_id) if job_id else None
        except Exception:  # deleted meanwhile: nothing to show
            job = None
        if job is None:
            self.details.value = ""
            return
        lines = [f"<li>{render.esc(_evaluation_line(e, self.ws, self.lang))}</li>"
                 for e in job.evaluations or ()]
        body = f"<ul>{''.join(lines)}</ul>" if lines else \
            f"<i>{render.esc(i18n.render('no_evaluations', lang=self.lang))}</i>"
        self.details.value = render.boxed(
            f"<b>{render.esc(i18n.render('evaluations', lang=self.lang))}</b> "
            f"<code>{render.esc(job.id)}</code>{body}", self.lang)

    def _act(self, action: Any) -> None:
        job_id = self.selected.value
        self.message.value = ""
        if not job_id:
            return
        try:
            action(job_id)
        except Exception as exc:
            self.message.value = render.error_html(exc, self.lang)
        self.refresh()


def _evaluation_line(entry: dict[str, Any], ws: Workspace, lang: str) -> str:
    """``name (ds_…) — accuracy 0.93, macro_f1 0.92, log_loss 0.21 · 98/100 rows scored``."""
    where = entry.get("source") or "?"
    if entry.get("dataset_id"):
        try:
            where = f"{ws.datasets.get(entry['dataset_id']).name} ({entry['dataset_id']})"
        except Exception:  # the dataset was deleted since
            where = entry["dataset_id"]
    shown = ", ".join(f"{k} {v:.4g}" for k, v in entry.get("metrics", {}).items()
                      if isinstance(v, float) and k != "tokens")
    return (f"{where} — {shown} · {entry.get('rows_scored', 0):,}/{entry.get('rows', 0):,} "
            f"{i18n.render('rows_scored', lang=lang)}")
