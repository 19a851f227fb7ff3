"""Every widget a test built is closed after it, so the panels' watcher threads end."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _close_widgets():
    yield
    try:
        import ipywidgets
    except ImportError:
        return
    ipywidgets.Widget.close_all()
