"""How a :class:`~trainlab.datasets.dataset.Dataset` looks in a notebook (``_repr_html_``) and
in a plain ``repr``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trainlab import display, i18n
from trainlab.display import Markup, word

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset

FIRST_ERRORS = 5  # the errors a card lists; the rest are counted
SCHEMA_ROWS = 40  # the columns a card lists; the rest are counted


def dataset_repr(ds: Dataset) -> str:
    """``Dataset('churn.csv', ds_…, 600 rows, valid)``: short, whatever the schema's width."""
    name = ds.name if len(ds.name) <= 60 else ds.name[:57] + "..."
    return f"Dataset({name!r}, {ds.id}, {ds.rows:,} rows, {ds.status})"


def dataset_html(ds: Dataset, lang: str | None = None) -> str:
    """A card: name, status, rows, invalid rows, size, format, the schema as a compact
    table, and the first errors of the validation report (line, field, code, message)."""
    invalid = int(ds.to_dict().get("rows_invalid") or 0)
    english = i18n.current_language(lang) == "en"
    items: list[tuple[Any, Any]] = [
        (word("status", lang), display.status_badge(ds.status, lang)),
        (word("rows", lang).capitalize(), display.ltr(f"{ds.rows:,}")),
        (word("show_invalid_rows", lang), display.ltr(f"{invalid:,}")),
        (word("show_size", lang), display.ltr(display.human_size(ds.size_bytes))),
        (word("show_format", lang), display.ltr(ds.format if english else str(ds.format).upper())),
        ("id" if english else word("cards_id", lang), display.code(ds.id)),
    ]
    parent = ds.parent
    if parent:  # a split: which dataset, which half, how it was drawn
        how = f"{parent['split']}, test_size={parent['test_size']}, seed={parent['seed']}" + (
            f", stratify={parent['stratify']}" if parent.get("stratify") else "")
        if not english:  # the split's arguments as code: split="train", test_size=0.2, ...
            how = f'split="{parent["split"]}"' + how[len(str(parent["split"])):]
        items.append((word("show_parent", lang), Markup(f"{display.code(parent['id'])} "
                                                       f"{display.ltr(f'({how})')}")))
    sections: list[Any] = []
    if ds.schema:
        columns = list(ds.schema.items())
        sections.append(display.heading(word("show_schema", lang)))
        sections.append(display.table(
            [word("show_column", lang), word("type", lang)],
            [(display.ltr(name), display.term("type", kind, lang))
             for name, kind in columns[:SCHEMA_ROWS]]))
        if len(columns) > SCHEMA_ROWS:
            sections.append(display.esc(word("show_more", lang, count=len(columns) - SCHEMA_ROWS)))
    report = ds.report_in(lang) if invalid or ds.status != "valid" else {}
    errors = report.get("errors") or []
    if errors:
        total = max(sum((report.get("error_counts") or {}).values()), len(errors))
        shown = errors[:FIRST_ERRORS]
        sections.append(display.heading(word("show_first_errors", lang)))
        sections.append(display.table(
            [word("line", lang), word("field", lang), word("code", lang), word("message", lang)],
            [(e.get("line", ""), _field(e), display.ltr(e.get("code", "")), e.get("message", ""))
             for e in shown], numeric=(0,)))
        if total > len(shown):
            sections.append(Markup(display.esc(word("show_more", lang, count=total - len(shown)))))
    return display.card(Markup(f"{display.esc(ds.name)}"), items, sections=sections, lang=lang)


def _field(entry: dict[str, Any]) -> Any:
    field = entry.get("field") or (entry.get("params") or {}).get("field")
    return display.ltr(field) if field else ""
