"""``trainlab.ui()``: the Datasets, Train, Jobs and Experiments panels in tabs, wired together.

Picking a dataset in the first hands it to the second; the Datasets panel's watcher keeps
both pickers' lists current (datasets added anywhere, listed by name, rows and status,
:func:`~trainlab.widgets.labels.dataset_options`); the Jobs panel follows the workspace on
its own, and so does the Experiments panel. ``close()`` stops the watchers.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from trainlab import i18n
from trainlab.widgets.labels import set_options
from trainlab.widgets.panels import DatasetPanel, JobsPanel
from trainlab.widgets.snapshot import Snapshot

RTL_STYLE = ("<style>.trainlab-rtl, .trainlab-rtl .widget-hbox, .trainlab-rtl .widget-label, "
             ".trainlab-rtl .lm-TabBar-content {direction: rtl}</style>")


class Tabs(Snapshot, w.Tab):
    """The four panels; a stored notebook shows a snapshot of the Datasets tab."""

    panels: tuple[Any, ...] = ()
    lang = "en"

    def snapshot_html(self) -> str:
        return Snapshot.snapshot_html(self.panels[0]).replace(
            self.panels[0].snapshot_text(), self.snapshot_text(), 1) if self.panels else ""

    def close(self) -> None:
        for panel in self.panels:
            panel.close()
        super().close()


def ui(workspace: Any = None, *, lang: str | None = None, check_s: float | None = None) -> Tabs:
    """The dataset, training, jobs and experiments panels in tabs."""
    from trainlab.widgets.experiments import ExperimentsPanel
    from trainlab.widgets.train import TrainPanel
    from trainlab.workspace import resolve

    ws = resolve(workspace)
    lang = i18n.current_language(lang)
    timing = {} if check_s is None else {"check_s": check_s}
    datasets = DatasetPanel(ws, lang=lang, **timing)
    train = TrainPanel(workspace=ws, lang=lang)
    jobs = JobsPanel(ws, lang=lang, **timing)
    experiments = ExperimentsPanel(ws, lang=lang, **timing)

    def listed(options: list[tuple[str, Any]]) -> None:
        set_options(train.picker, [("", None), *options])

    def picked(change: dict[str, Any]) -> None:
        if change["new"]:
            if change["new"] not in {v for _, v in train.picker.options}:
                listed(list(datasets.picker.options)[1:])
            train.picker.value = change["new"]

    listed(list(datasets.picker.options)[1:])
    datasets.listeners.append(listed)
    datasets.picker.observe(picked, names="value")
    tabs = Tabs(children=[datasets, train, jobs, experiments])
    for i, key in enumerate(("datasets", "train", "jobs", "experiments")):
        tabs.set_title(i, i18n.render(key, lang=lang))
    tabs.panels = (datasets, train, jobs, experiments)
    tabs.lang = lang
    if lang == "fa":  # right to left: the tabs, the rows of controls, the labels
        tabs.add_class("trainlab-rtl")
        datasets.children = (w.HTML(RTL_STYLE), *datasets.children)
    return tabs
