"""The Datasets panel (ipywidgets, in the kernel, on the workspace directly); the Jobs panel
is in :mod:`trainlab.widgets.jobs`.

Panels never print: every message goes into a widget, so a notebook's output stays what the
cell shows, and a background thread only ever sets widget values.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import ipywidgets as w

from trainlab import i18n
from trainlab.datasets.formats import EXTENSIONS
from trainlab.widgets import dataset_views as views
from trainlab.widgets.jobs import JobsPanel
from trainlab.widgets.labels import dataset_options, isolated, set_options, word
from trainlab.widgets.snapshot import Snapshot
from trainlab.widgets.watch import CHECK_S, Watcher, error_line
from trainlab.workspace import Workspace, resolve

__all__ = ["DatasetPanel", "JobsPanel", "server_files"]

PAGE = 50
DATA_SUFFIXES = tuple(EXTENSIONS)  # every format a dataset can be added from
# Folders that hold no one's data: tools' caches, environments, browser and editor state.
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "dist-packages", "venv",
                   "env", "cache", "caches", "tmp", "temp", "logs", "build", "dist"}
SKIPPED_PARTS = ("profile", "cache", "chrome", "chromium", "firefox", "mozilla", "browser",
                 "checkpoint", "site-packages", "trainlab-home")
WORKSPACE_FILE = "trainlab.db"
# JSON files tools write next to data, never a dataset.
TOOL_JSON = {"package.json", "package-lock.json", "tsconfig.json", "metadata.json",
             "manifest.json", "preferences.json", "settings.json", "config.json",
             "launch.json", "extensions.json", "tokenizer.json", "tokenizer_config.json",
             "state.json", "progress.json", "report.json", "profile.json", "index.json"}


def skipped_folder(name: str) -> bool:
    """A folder the suggestions never enter: hidden ones (``.git``, ``.ipynb_checkpoints``),
    and ones named like caches, environments, packages or browser profiles
    (``chrome-profile``, ``__pycache__``, ``node_modules``, ``site-packages``)."""
    lower = name.lower()
    return (name.startswith((".", "_")) or lower in SKIPPED_FOLDERS
            or any(part in lower for part in SKIPPED_PARTS))


def server_files(root: str = ".", most: int = 500) -> list[str]:
    """Data files under the notebook's folder (where JupyterLab's file browser puts uploads),
    for the import box to propose. Left out: everything under a :func:`skipped_folder` at
    any depth, a trainlab workspace's folder, hidden files, and JSON files tools write
    (``metadata.json``, ``package.json``)."""
    return scan_files(root, most)[0]


def scan_files(root: str = ".", most: int = 500, folders_most: int = 2000
               ) -> tuple[list[str], list[str]]:
    """:func:`server_files`, and the folders it looked in (to notice when one changes)."""
    found: list[str] = []
    seen: list[str] = []
    for folder, dirs, files in os.walk(root):
        seen.append(folder)
        if WORKSPACE_FILE in files:  # a trainlab workspace: its files are datasets already
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not skipped_folder(d))
        if len(seen) >= folders_most:
            dirs[:] = []
        for name in sorted(files):
            lower = name.lower()
            if not lower.endswith(DATA_SUFFIXES) or name.startswith(".") or lower in TOOL_JSON:
                continue
            found.append(os.path.relpath(os.path.join(folder, name), root))
            if len(found) >= most:
                return found, seen
    return found, seen


def _mtime(folder: str) -> float:
    try:
        return os.stat(folder).st_mtime
    except OSError:
        return -1.0


class DatasetPanel(Snapshot, w.VBox):
    """Upload (chunked, any size), import a file from the server's tree, or pick a dataset;
    then its status, validation report (paged), preview and profile. The list follows the
    workspace: datasets added elsewhere appear within ``check_s`` seconds."""

    def __init__(self, workspace: Workspace | str | None = None, *, lang: str | None = None,
                 check_s: float = CHECK_S, auto_refresh: bool = True, **kwargs: Any) -> None:
        from trainlab.widgets.upload import chunked_upload

        self.ws = resolve(workspace)
        self.lang = lang = i18n.current_language(lang)
        self.check_s = check_s
        self.dataset: Any = None
        self.offset = 0
        self._lock = threading.RLock()
        self.listeners: list[Any] = []  # called with the picker's options when they change
        self.picker = w.Dropdown(description=word("dataset", lang), layout=w.Layout(width="36em"))
        self.upload = chunked_upload(self.ws, on_done=self._added, lang=lang)
        files, self._folders = scan_files(".")
        self._stamp = [_mtime(folder) for folder in self._folders]
        self.path = w.Combobox(placeholder=word("ds_path_placeholder", lang), options=files,
                               description=word("server_file", lang), ensure_option=False,
                               style={"description_width": "initial"},
                               layout=w.Layout(width="30em"))
        self.import_button = w.Button(description=word("import", lang), icon="file-import",
                                      layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.summary = w.HTML()
        self.report_view = w.HTML()
        self.previous = w.Button(description=word("previous", lang), disabled=True,
                                 layout=w.Layout(width="auto"))
        self.next = w.Button(description=word("next", lang), disabled=True,
                             layout=w.Layout(width="auto"))
        self.preview_view = w.HTML()
        self.profile_view = w.HTML()
        self.tabs = w.Tab(children=[w.VBox([self.report_view, w.HBox([self.previous, self.next])]),
                                    self.preview_view, self.profile_view])
        for i, key in enumerate(("report", "preview", "profile")):
            self.tabs.set_title(i, word(key, lang))
        self.picker.observe(self._picked, names="value")
        self.import_button.on_click(lambda _: self.import_path(self.path.value))
        self.previous.on_click(lambda _: self._page(-PAGE))
        self.next.on_click(lambda _: self._page(PAGE))
        super().__init__([w.HBox([self.picker]), w.HBox([w.Label(word("upload", lang)),
                                                          self.upload]),
                          w.HBox([self.path, self.import_button]), self.message, self.summary,
                          self.tabs], **kwargs)
        if lang == "fa":
            self.add_class("trainlab-rtl")
        self.refresh()
        self.watcher = Watcher(self.ws, self._tick, lambda: self.check_s, "trainlab-datasets-panel",
                               error_line(self.message, lang)) if auto_refresh else None

    # -- actions (also what the buttons call) ----------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        """List the workspace's datasets by name, rows and status (and the server's files)."""
        with self._lock:  # the watcher's thread and the kernel's
            self._refresh(select)

    def _refresh(self, select: str | None) -> None:
        items = [(word("pick_dataset", self.lang), None), *dataset_options(self.ws, self.lang)]
        if set_options(self.picker, items):
            for listener in self.listeners:
                listener(items[1:])
        if select is not None and select in {v for _, v in items} and self.picker.value != select:
            self.picker.value = select
        self.refresh_files()

    def refresh_files(self) -> None:
        """Propose the server's data files again when a folder of theirs changed (a file was
        added, renamed or removed: its folder's modification time moves)."""
        stamp = [_mtime(folder) for folder in self._folders]
        if self._folders and stamp == self._stamp:
            return
        files, self._folders = scan_files(".")
        self._stamp = [_mtime(folder) for folder in self._folders]
        if files != list(self.path.options):
            self.path.options = files

    def close(self) -> None:
        """Stop following the workspace, and close the widgets."""
        if self.watcher is not None:
            self.watcher.close()
        super().close()

    def show(self, dataset_id: str | None) -> None:
        self.message.value = ""
        if not dataset_id:
            self.dataset = None
            self.summary.value = self.report_view.value = ""
            self.preview_view.value = self.profile_view.value = ""
            return
        try:
            from trainlab.datasets.histogram import histograms

            self.dataset = self.ws.datasets.get(dataset_id)
            self.offset = 0
            self.summary.value = views.summary(self.dataset, self.lang)
            self._show_report()
            self.preview_view.value = views.preview(self.dataset.preview(limit=20), self.lang)
            self.profile_view.value = views.profile(self.dataset.profile(), self.lang,
                                                    histograms(self.dataset))
        except Exception as exc:  # shown in the panel, never a traceback in the cell
            self.message.value = views.error(exc, self.lang)

    def import_path(self, path: str) -> Any:
        """Register a file the server can read (e.g. uploaded by JupyterLab's file browser)."""
        try:
            dataset = self.ws.datasets.add(path.strip())
        except Exception as exc:
            self.message.value = views.error(exc, self.lang)
            return None
        self._added(dataset)
        return dataset

    # -- internals -------------------------------------------------------------------------------
    def _tick(self, changed: bool) -> None:
        if changed:
            self.refresh()
        else:
            self.refresh_files()

    def _added(self, dataset: Any) -> None:
        self._uploaded = dataset.id
        self.upload.status_text = word("ds_uploaded", self.lang, name=_isolated(dataset.name, self.lang),
                                       status=i18n.term("status", dataset.status, self.lang),
                                       rows=dataset.rows)
        self.refresh(select=dataset.id)
        if self.picker.value != dataset.id:
            self.picker.value = dataset.id
        else:
            self.show(dataset.id)

    def _picked(self, change: dict[str, Any]) -> None:
        if change["new"] != getattr(self, "_uploaded", None):
            self.upload.status_text = ""  # the last upload's line is about another dataset
        self.show(change["new"])

    def _show_report(self) -> None:
        rep = self.dataset.report_in(self.lang)
        total = len(rep.get("errors", []))
        self.report_view.value = views.report(rep, self.offset, PAGE, self.lang)
        self.previous.disabled = self.offset == 0
        self.next.disabled = self.offset + PAGE >= total

    def _page(self, delta: int) -> None:
        self.offset = max(0, self.offset + delta)
        self._show_report()


def _isolated(text: str, lang: str) -> str:
    """A name inside a right-to-left sentence in plain text (see :func:`labels.isolated`)."""
    return isolated(text, lang)
