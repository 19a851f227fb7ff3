"""What a stored notebook shows for a panel (issue 18, item 9).

A widget's output in a saved notebook is a widget-view reference and a ``text/plain`` repr,
and the repr of a panel is ``TrainPanel(children=(VBox(…``. GitHub, nbviewer and a kernel
that is not running have no widget state, so they fall back to that. :class:`Snapshot`, mixed
into a panel's class (``class TrainPanel(Snapshot, w.VBox)``), keeps ipywidgets' bundle (the
live view for frontends with a kernel) and puts a short ``text/plain`` and a static
``text/html`` copy of what the panel shows now beside it.
"""

from __future__ import annotations

from typing import Any

from trainlab import display, i18n

_KINDS = {"DatasetPanel": "datasets", "JobsPanel": "jobs", "TrainPanel": "train",
          "ExperimentsPanel": "experiments"}


class Snapshot:
    """Mixin for an ipywidgets container: a static text and HTML fallback in its bundle."""

    def snapshot_text(self) -> str:
        """One line: which panel this is, and what it is on."""
        lang = i18n.current_language(getattr(self, "lang", None))
        picker, task = getattr(self, "picker", None), getattr(self, "task", None)
        if type(self).__name__ == "TrainPanel" and picker is not None and task is not None:
            label = getattr(picker, "label", None) or "-"
            shown = getattr(task, "label", None) or task.value or "-"  # the task's name, not its id
            return i18n.render("snapshot_train", {"dataset": label, "task": shown}, lang)
        panels = getattr(self, "panels", None)
        kind = _KINDS.get(type(self).__name__) or "datasets"
        name = " · ".join(i18n.render(_KINDS.get(type(p).__name__, "datasets"), lang=lang)
                          for p in panels) if panels else i18n.render(kind, lang=lang)
        return i18n.render("snapshot_panel", {"panel": name}, lang)

    def snapshot_html(self) -> str:
        """The panel's HTML parts as they are now, under a one-line card saying what it is."""
        lang = i18n.current_language(getattr(self, "lang", None))
        parts = [html for html in _html_parts(self) if html.strip()]
        head = (f'<div style="color:{display.MUTED};font-size:0.9em;margin-bottom:4px">'
                f"{display.esc(self.snapshot_text())}</div>")
        return (f'<div dir="{i18n.direction(lang)}" class="trainlab-snapshot" style="border:1px '
                f'solid {display.BORDER};border-radius:4px;padding:6px 8px">{head}'
                f'{"".join(parts)}</div>')

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = dict(super()._repr_mimebundle_(**kwargs) or {})  # type: ignore[misc]
        data["text/plain"] = self.snapshot_text()
        data["text/html"] = self.snapshot_html()
        return data


def _html_parts(node: Any) -> list[str]:
    """The values of the HTML widgets in a tree, in order, skipping hidden ones."""
    import ipywidgets as w

    layout = getattr(node, "layout", None)
    if layout is not None and getattr(layout, "display", None) == "none":
        return []
    if isinstance(node, w.HTML):
        return [node.value]
    out: list[str] = []
    for child in getattr(node, "children", ()) or ():
        out += _html_parts(child)
    return out
