"""Words the panels share: a dataset's label in a picker, a status, a task, a column type and
an age, in the panel's language (issue 18). The TrainPanel's picker and ui()'s watcher use
:func:`dataset_options`, so both list datasets the same way: ``name (rows, status)``."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from trainlab import i18n
from trainlab.display import word


def isolated(text: str, lang: str) -> str:
    """A name in a right-to-left option label, first-strong isolated (U+2068 … U+2069), so
    "broken.csv" keeps its dot in place; left-to-right text is left as it is."""
    return f"\u2068{text}\u2069" if i18n.direction(lang) == "rtl" else text


def dataset_label(ds: Any, lang: str) -> str:
    """``churn.csv (7,043 rows, valid)``: what a picker shows for a dataset (its id is the
    option's value)."""
    return word("dataset_option", lang, name=isolated(ds.name, lang), rows=ds.rows,
                status=i18n.term("status", ds.status, lang))


def dataset_options(ws: Any, lang: str, limit: int = 500) -> list[tuple[str, str]]:
    """A picker's ``(label, id)`` pairs for the workspace's datasets, newest first."""
    return [(dataset_label(d, lang), d.id) for d in ws.datasets.list(limit=limit)]


def age(created_at: str | None, lang: str, now: float | None = None) -> str:
    """How long ago: ``12 s``, ``4 min``, ``3 h``, ``2 d`` (Persian units in Persian)."""
    try:
        created = datetime.fromisoformat(str(created_at).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return ""
    seconds = max(0.0, (now or time.time()) - created)
    for unit, size in (("age_days", 86400), ("age_hours", 3600), ("age_minutes", 60)):
        if seconds >= size:
            return word(unit, lang, n=f"{seconds / size:.0f}")
    return word("age_seconds", lang, n=f"{seconds:.0f}")


def set_options(dropdown: Any, options: list[tuple[str, Any]]) -> bool:
    """Give a Dropdown new ``(label, value)`` options, keeping its selection without a change
    event when the selected value is still there (ipywidgets would select the first option
    and tell every observer, which re-checks a dataset or clears a panel). Returns whether
    anything changed."""
    options = list(options)
    if options == list(dropdown.options):
        return False
    values = [value for _, value in options]
    if dropdown.value is None or dropdown.value not in values:
        dropdown.options = options
        return True
    index = values.index(dropdown.value)
    dropdown._trait_values["options"] = tuple(options)
    dropdown._options_full = tuple(options)
    dropdown._options_values = tuple(values)
    dropdown.set_trait("_options_labels", tuple(label for label, _ in options))
    dropdown.index = index  # the same value: its observers hear nothing; the label follows
    return True
