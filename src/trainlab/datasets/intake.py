"""What every file's intake checks after its format's: its width and that it holds records."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from trainlab.datasets import blockscan
from trainlab.datasets.formats import CsvLayout
from trainlab.datasets.merge import ScanResult
from trainlab.errors import dataset_error


@contextlib.contextmanager
def width_checked(name: str, layout: CsvLayout | None) -> Iterator[None]:
    """A CSV header or JSON keys over ``blockscan.MAX_COLUMNS``: refused, nothing kept."""
    limit = blockscan.MAX_COLUMNS
    if layout is not None and len(layout.columns) > limit:
        raise dataset_error("too_many_columns", name=name, count=len(layout.columns), limit=limit)
    try:
        yield
    except blockscan.TooWide as exc:
        raise dataset_error("too_many_columns", name=name, count=exc.args[0], limit=limit) \
            from None


def refuse_unreadable(result: ScanResult, name: str) -> None:
    """``no_records`` for a file without a record, ``json_not_array`` for a broken document."""
    report = result.report
    if report["rows_valid"] == 0 and report["rows_total"] == 0:
        raise dataset_error("no_records", name=name)
    fatal = result.fatal
    if fatal is not None and report["rows_valid"] == 0 and report["rows_total"] <= 1:
        raise dataset_error("json_not_array", name=name, kind=f"document that breaks at line "
                            f"{fatal.line + 1} ({fatal.detail})")
