"""``trainlab.widgets``: notebook panels (ipywidgets) over the workspace, in the kernel.

    import trainlab
    trainlab.ui()                       # the three panels in tabs; lang="fa" for Persian
    DatasetPanel()     # upload (chunked, any size), import, pick; report, preview, profile
    TrainPanel(ds)     # task and columns, the check, settings; Start / Stop / Run in background
    JobsPanel()        # every job, a row each with Stop / Resume / Delete; follows the workspace
    ExperimentsPanel() # the experiments; the chosen one's live leaderboard, Stop, best so far

Labels in English and Persian (right to left) with ``lang=`` (default: the locale).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DatasetPanel", "ExperimentsPanel", "JobsPanel", "TrainPanel", "ui"]


def ui(workspace: Any = None, *, lang: str | None = None, check_s: float | None = None) -> Any:
    """The dataset, training, jobs and experiments panels in tabs; picking a dataset in the
    first hands it to the second, and both lists follow the workspace (see
    :mod:`trainlab.widgets.tabs`)."""
    from trainlab.widgets.tabs import ui as build

    return build(workspace, lang=lang, check_s=check_s)


def __getattr__(name: str) -> Any:  # ipywidgets is imported when a panel is first used
    if name == "DatasetPanel":
        from trainlab.widgets.panels import DatasetPanel

        return DatasetPanel
    if name == "JobsPanel":
        from trainlab.widgets.jobs import JobsPanel

        return JobsPanel
    if name == "ExperimentsPanel":
        from trainlab.widgets.experiments import ExperimentsPanel

        return ExperimentsPanel
    if name == "TrainPanel":
        from trainlab.widgets.train import TrainPanel

        return TrainPanel
    raise AttributeError(f"module 'trainlab.widgets' has no attribute {name!r}")
