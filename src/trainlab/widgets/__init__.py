"""``trainlab.widgets``: notebook panels (ipywidgets) over the workspace, in the kernel.

    from trainlab.widgets import DatasetPanel, JobsPanel
    DatasetPanel()     # upload (chunked, any size), import, pick; report, preview, profile
    JobsPanel()        # every job; stop, resume, delete; refreshes while jobs run

Persian labels and right-to-left layout with ``lang="fa"`` (default: the locale). The
training panel and ``trainlab.ui()`` are still to come (issue 6).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DatasetPanel", "JobsPanel"]


def __getattr__(name: str) -> Any:  # ipywidgets is imported when a panel is first used
    if name in __all__:
        from trainlab.widgets import panels

        return getattr(panels, name)
    raise AttributeError(f"module 'trainlab.widgets' has no attribute {name!r}")
