"""``trainlab.widgets``: notebook panels (ipywidgets) over the workspace, in the kernel.

    import trainlab
    trainlab.ui()                       # the three panels in tabs; lang="fa" for Persian
    DatasetPanel()     # upload (chunked, any size), import, pick; report, preview, profile
    TrainPanel(ds)     # task and columns, the check, settings; Start / Stop / Run in background
    JobsPanel()        # every job; stop, resume, delete; refreshes while jobs run

Labels in English and Persian (right to left) with ``lang=`` (default: the locale).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DatasetPanel", "JobsPanel", "TrainPanel", "ui"]


def ui(workspace: Any = None, *, lang: str | None = None) -> Any:
    """The dataset, training and jobs panels in tabs; picking a dataset in the first hands it
    to the second."""
    import ipywidgets as w

    from trainlab import i18n
    from trainlab.widgets.panels import DatasetPanel, JobsPanel
    from trainlab.widgets.train import TrainPanel
    from trainlab.workspace import resolve

    ws = resolve(workspace)
    lang = i18n.current_language(lang)
    datasets, train, jobs = DatasetPanel(ws, lang=lang), TrainPanel(workspace=ws, lang=lang), \
        JobsPanel(ws, lang=lang)

    def picked(change: dict[str, Any]) -> None:
        if change["new"]:
            ids = {v for _, v in train.picker.options}
            if change["new"] not in ids:
                train.picker.options = [*train.picker.options, (change["new"], change["new"])]
            train.picker.value = change["new"]

    datasets.picker.observe(picked, names="value")
    tabs = w.Tab(children=[datasets, train, jobs])
    for i, key in enumerate(("datasets", "train", "jobs")):
        tabs.set_title(i, i18n.render(key, lang=lang))
    tabs.panels = (datasets, train, jobs)
    if lang == "fa":  # right to left: the tabs, the rows of controls, the labels
        tabs.add_class("trainlab-rtl")
        datasets.children = (w.HTML(RTL_STYLE), *datasets.children)
    return tabs


RTL_STYLE = ("<style>.trainlab-rtl, .trainlab-rtl .widget-hbox, .trainlab-rtl .widget-label, "
             ".trainlab-rtl .lm-TabBar-content {direction: rtl}</style>")


def __getattr__(name: str) -> Any:  # ipywidgets is imported when a panel is first used
    if name in ("DatasetPanel", "JobsPanel"):
        from trainlab.widgets import panels

        return getattr(panels, name)
    if name == "TrainPanel":
        from trainlab.widgets.train import TrainPanel

        return TrainPanel
    raise AttributeError(f"module 'trainlab.widgets' has no attribute {name!r}")
