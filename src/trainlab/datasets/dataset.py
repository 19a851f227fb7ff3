"""A stored dataset and the store of all of them (``ws.datasets``)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import IO, TYPE_CHECKING, Any

from trainlab.datasets.copying import COPY_CHUNK, MAX_HEADER_BYTES, Copy
from trainlab.datasets.formats import (
    HEAD_BYTES,
    CsvLayout,
    check_head,
    choose_format,
    is_frame,
    read_csv_layout,
)
from trainlab.datasets.intake import refuse_unreadable, width_checked
from trainlab.datasets.merge import ScanResult
from trainlab.datasets.read_parquet import scan_parquet
from trainlab.datasets.scan import scan_file
from trainlab.errors import NotFoundError, TrainlabError, dataset_error
from trainlab.i18n import localize_report
from trainlab.workspace.files import read_json, write_json
from trainlab.workspace.ids import is_valid_id, new_id

if TYPE_CHECKING:  # pandas is imported when a preview is asked for, not by scan workers
    import pandas as pd
    import pyarrow as pa

    from trainlab.workspace import Workspace


@dataclass
class Dataset:
    """One dataset in a workspace: the stored file, its validation report and profile."""

    id: str
    name: str
    format: str
    size_bytes: int
    sha256: str
    rows: int
    status: str
    created_at: str
    schema: dict[str, str]
    path: Path
    workspace: Workspace = field(repr=False, compare=False)  # the one it is stored in
    _summary: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def report(self) -> dict[str, Any]:
        """The validation report; messages in the current language (see :mod:`trainlab.i18n`)."""
        return self.report_in()

    def report_in(self, lang: str | None = None) -> dict[str, Any]:
        return localize_report(read_json(self.directory / "report.json"), lang)

    def profile(self, label: str | None = None) -> dict[str, Any]:
        """Per-field statistics; with ``label``, also the class balance of that field."""
        from trainlab.datasets.stats import class_balance

        stored = read_json(self.directory / "profile.json")
        values = {name: info.pop("_values", None) for name, info in stored["fields"].items()}
        if label is not None:
            if label not in stored["fields"]:
                from trainlab.datasets.check import column_error

                raise column_error(label, "label", list(stored["fields"]))
            pairs = values[label]
            stored["class_balance"] = class_balance(
                stored["fields"][label], None if pairs is None else dict(map(tuple, pairs)))
            stored["class_balance"]["field"] = label
        return stored

    def preview(self, offset: int = 0, limit: int = 20) -> pd.DataFrame:
        """Valid rows ``offset .. offset+limit`` as a DataFrame indexed by their line in the file.

        Only the block holding those rows is read, however deep ``offset`` is.
        """
        from trainlab.datasets.rows import read_rows

        return read_rows(self, offset, limit)

    def check(self, task: str, columns: dict[str, Any] | None = None) -> dict[str, Any]:
        """Check this dataset against what a training task needs; a report like ``report``."""
        from trainlab.datasets.check import check_dataset

        return check_dataset(self, task, columns or {})

    def to_pandas(self, columns: list[str] | None = None, valid_only: bool = True) -> pd.DataFrame:
        """The rows as one DataFrame, typed by the schema (integers as nullable ``Int64``,
        booleans as ``boolean``) and indexed by their line in the file (``line``). A dataset
        made from a DataFrame comes back with that frame's dtypes, index and column order.

        ``valid_only=False`` asks for every row: it is refused with ``rows_not_readable`` when
        some rows are invalid (they have no typed values; ``report`` lists their lines)."""
        from trainlab.datasets.export import to_pandas

        return to_pandas(self, columns, valid_only)

    def to_arrow(self, columns: list[str] | None = None) -> pa.Table:
        """The valid rows as a pyarrow Table (a Table added as a frame comes back equal)."""
        from trainlab.datasets.export import to_arrow

        return to_arrow(self, columns)

    def iter_batches(self, size: int = 65536, columns: list[str] | None = None
                     ) -> Iterator[pd.DataFrame]:
        """The valid rows as DataFrames of at most ``size`` rows, typed as in :meth:`to_pandas`,
        read block by block: memory holds one block and one batch, whatever the file's size."""
        from trainlab.datasets.export import iter_batches

        return iter_batches(self, size, columns)

    def split(self, test_size: float = 0.2, stratify: str | None = None, seed: int = 0,
              names: tuple[str, str] | None = None) -> tuple[Dataset, Dataset]:
        """Two new datasets (train, test) of this one's valid rows, shuffled with ``seed``:
        ``test_size`` of them (a fraction in (0, 1)) in test. ``stratify`` names a column whose
        classes keep their share on both sides (a class of 2+ rows is in both). The same seed
        gives the same datasets (the same ids). Each records ``parent``."""
        from trainlab.datasets.split import split

        return split(self, test_size, stratify, seed, names)

    @property
    def parent(self) -> dict[str, Any] | None:
        """For a split: ``{"id", "split", "test_size", "seed", "stratify"}``; else ``None``."""
        return self._summary.get("parent")

    @property
    def layout(self) -> CsvLayout | None:
        csv = self._summary.get("csv")
        if not csv:
            return None
        return CsvLayout(csv["delimiter"], csv["columns"], csv["header_end"])

    @property
    def index(self) -> list[dict[str, int]]:
        return read_json(self.directory / "index.json")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "format": self.format,
                "size_bytes": self.size_bytes, "sha256": self.sha256, "rows": self.rows,
                "status": self.status, "created_at": self.created_at, "schema": self.schema,
                "rows_invalid": self._summary.get("rows_invalid", 0), "parent": self.parent}

    def _repr_html_(self) -> str:
        """A notebook's card: status, rows, size, the schema and the first errors."""
        from trainlab.datasets.show import dataset_html

        return dataset_html(self)

    def __repr__(self) -> str:
        """``Dataset('churn.csv', ds_…, 600 rows, valid)``."""
        from trainlab.datasets.show import dataset_repr

        return dataset_repr(self)


class DatasetStore:
    """The datasets of one workspace: ``ws.datasets``."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    # -- reading ---------------------------------------------------------------------------
    def list(self, status: str | None = None, name: str | None = None, limit: int | None = None,
             cursor: str | None = None) -> list[Dataset]:
        """Oldest first with no arguments. Paged (``limit``, ``cursor`` = the last id of the
        previous page) it is newest first, optionally only one ``status`` or names containing
        ``name`` (case-insensitive); each page is one indexed query however many there are."""
        datasets_dir = str(self.ws.datasets_dir)
        if limit is None and cursor is None and status is None and name is None:
            rows = self.ws.store.query("SELECT * FROM datasets ORDER BY id")
            return [self._from_row(r, datasets_dir) for r in rows]
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if name:
            escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("name LIKE ? ESCAPE '\\'")
            args.append(f"%{escaped}%")
        if cursor:
            where.append("id < ?")
            args.append(cursor)
        sql = "SELECT * FROM datasets" + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self.ws.store.query(sql + " ORDER BY id DESC LIMIT ?",
                                   (*args, max(1, int(limit or 100))))
        return [self._from_row(r, datasets_dir) for r in rows]

    def get(self, dataset_id: str) -> Dataset:
        rows = self.ws.store.query("SELECT * FROM datasets WHERE id = ?", (dataset_id,))
        if not rows:
            raise NotFoundError("dataset_not_found", id=dataset_id)
        return self._from_row(rows[0])

    def _from_row(self, row: Any, datasets_dir: str | None = None) -> Dataset:
        summary = json.loads(row["summary_json"])
        datasets_dir = datasets_dir or str(self.ws.datasets_dir)
        return Dataset(id=row["id"], name=row["name"], format=row["format"],
                       size_bytes=row["size_bytes"], sha256=row["sha256"], rows=row["rows"],
                       status=row["status"], created_at=row["created_at"],
                       schema=json.loads(row["schema_json"]),
                       path=Path(f"{datasets_dir}{os.sep}{row['id']}{os.sep}data.{row['format']}"),
                       workspace=self.ws, _summary=summary)

    # -- writing ---------------------------------------------------------------------------
    def delete(self, dataset_id: str, force: bool = False) -> None:
        """Remove the dataset and its files. A dataset that a queued, running, stopped or
        interrupted job still reads (to start or resume) is kept, with a 409
        ``dataset_in_use`` naming those jobs, unless ``force``."""
        if not is_valid_id(dataset_id, "ds") or not self.ws.store.query(
                "SELECT id FROM datasets WHERE id = ?", (dataset_id,)):
            raise NotFoundError("dataset_not_found", id=dataset_id)
        if not force:  # the workspace's lazy ``jobs``: the one way up (see its docstring)
            users = self.ws.jobs.using_dataset(dataset_id)
            if users:
                raise TrainlabError("dataset_in_use", id=dataset_id, jobs=", ".join(users),
                                    details={"jobs": users}, status=409)
        if not self.ws.store.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,)):
            raise NotFoundError("dataset_not_found", id=dataset_id)
        directory = self.ws.datasets_dir / dataset_id
        if directory.exists():  # move aside first so a reader never sees a half-deleted folder
            doomed = self.ws.tmp_dir / f"deleted-{dataset_id}"
            os.replace(directory, doomed)
            shutil.rmtree(doomed, ignore_errors=True)

    def add(self, source: str | os.PathLike[str] | IO[bytes] | pd.DataFrame | pa.Table | Any,
            name: str | None = None, format: str | None = None, *,
            max_bytes: int | None = None, parallel: bool | None = None) -> Dataset:
        """Store ``source`` (a path, a binary file object, a pandas DataFrame, a pyarrow Table
        or a polars DataFrame), validate and profile it.

        A file that is not its format at all is rejected with a
        :class:`~trainlab.errors.DatasetError` and nothing is kept. A file with bad rows is
        kept with ``status='invalid'``; its ``report`` names each bad line.

        A frame is stored as JSON Lines plus its dtypes and index (``to_pandas`` restores
        them). The same frame added again (same content, dtypes and index) returns the dataset
        already there, under its first name: ``name`` is then ignored. A file is stored anew
        each time it is added.
        """
        if is_frame(source) or not (isinstance(source, (str, os.PathLike))
                                    or callable(getattr(source, "read", None))):  # a clear error
            from trainlab.datasets.frames import add_frame

            return add_frame(self, source, name, format=format)
        if isinstance(source, (str, os.PathLike)):
            source_path = Path(source)
            name = name or source_path.name
            fmt = choose_format(name, format)
            if not source_path.is_file():
                raise dataset_error("source_not_found", path=str(source), cwd=os.getcwd())
            with open(source_path, "rb") as handle:
                return self._add_stream(handle, name, fmt, max_bytes, parallel)
        name = name or PurePath(getattr(source, "name", "") or "upload").name
        fmt = choose_format(name, format)
        return self._add_stream(source, name, fmt, max_bytes, parallel)

    def import_hf(self, name_or_path: str | os.PathLike[str], split: str | None = None,
                  name: str | None = None, config: str | None = None) -> Dataset:
        """Register a Hugging Face dataset: a folder written by ``save_to_disk``, else a dataset
        ``name_or_path`` (``config``) in the local ``datasets`` cache, never downloaded. It is
        stored as a Parquet dataset (written batch by batch), named ``name`` or after it. A
        ``DatasetDict`` needs ``split``; the error lists its splits."""
        from trainlab.datasets.hf_import import import_hf

        return import_hf(self, name_or_path, split, name, config)

    def adopt(self, path: Path, name: str, format: str | None = None, *,
              sha256: str | None = None, files: dict[str, Any] | None = None,
              summary: dict[str, Any] | None = None) -> Dataset:
        """Validate and store a file that already lies in this workspace's ``tmp/`` (an upload
        spooled there by the server), moving it into place instead of copying it.

        The file is consumed: on success it is the dataset's file, on any error it is removed.
        ``files`` (name -> JSON data) are written beside it and ``summary`` kept in its record.
        """
        path = Path(path)
        fmt = choose_format(name, format)
        dataset_id = new_id("ds")
        staging = self.ws.tmp_dir / dataset_id
        try:
            if self.ws.tmp_dir.resolve() not in path.resolve().parents:
                raise dataset_error("invalid_argument", name="path",
                                    detail="only a file in the workspace's tmp/ can be adopted")
            staging.mkdir(parents=True)
            data_path = staging / f"data.{fmt}"
            os.replace(path, data_path)
            size = data_path.stat().st_size
            with open(data_path, "rb") as handle:
                head = handle.read(HEAD_BYTES)
                if fmt != "parquet":  # a binary format: open_parquet checks it
                    check_head(head, name, fmt, size)
                layout = None
                if fmt == "csv":
                    while b"\n" not in head and len(head) < MAX_HEADER_BYTES:
                        more = handle.read(COPY_CHUNK)
                        if not more:
                            break
                        head += more
                    layout = read_csv_layout(head, name)
            if sha256 is None:
                digest = hashlib.sha256()
                with open(data_path, "rb") as handle:
                    while chunk := handle.read(COPY_CHUNK):
                        digest.update(chunk)
                sha256 = digest.hexdigest()
            with width_checked(name, layout):
                result = (scan_parquet(data_path, name) if fmt == "parquet" else
                          scan_file(str(data_path), fmt, size, layout))
            refuse_unreadable(result, name)
            return self._commit(dataset_id, name, fmt, size, sha256, staging, layout, result,
                                files, summary)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            path.unlink(missing_ok=True)
            raise

    def _add_stream(self, stream: IO[bytes], name: str, fmt: str, max_bytes: int | None,
                    parallel: bool | None) -> Dataset:
        limit = self.ws.max_upload_bytes if max_bytes is None else max_bytes
        dataset_id = new_id("ds")
        staging = self.ws.tmp_dir / dataset_id
        staging.mkdir(parents=True)
        try:
            data_path = staging / f"data.{fmt}"
            with Copy(stream, data_path, limit, name) as copy:
                if fmt == "parquet":  # its footer, at the end, says how to read it
                    copy.finish()
                    result = scan_parquet(data_path, name)
                    refuse_unreadable(result, name)
                    return self._commit(dataset_id, name, fmt, copy.size, copy.sha256, staging,
                                        None, result)
                head = copy.read_head()
                check_head(head, name, fmt, copy.size if copy.done else len(head) + 1)
                layout = read_csv_layout(copy.read_first_line(), name) if fmt == "csv" else None
                # Validation reads each block as soon as the copy has written it.
                with width_checked(name, layout):
                    result = scan_file(str(data_path), fmt, copy.known_size, layout,
                                       parallel=parallel, chunks=copy.chunks(),
                                       mapped=copy.mapped, scanned=copy.scanned)
                copy.finish()
            refuse_unreadable(result, name)
            dataset = self._commit(dataset_id, name, fmt, copy.size, copy.sha256, staging,
                                   layout, result)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return dataset

    def _commit(self, dataset_id: str, name: str, fmt: str, size: int, sha256: str,
                staging: Path, layout: CsvLayout | None, result: ScanResult,
                files: dict[str, Any] | None = None,
                extra: dict[str, Any] | None = None) -> Dataset:
        report = result.report
        status = "valid" if report["ok"] else "invalid"
        tmp = self.ws.tmp_dir
        write_json(staging / "report.json", tmp, report)
        write_json(staging / "profile.json", tmp, result.profile)
        write_json(staging / "index.json", tmp, result.index)
        for file_name, data in (files or {}).items():
            write_json(staging / file_name, tmp, data)
        summary: dict[str, Any] = {**(extra or {}), "rows_total": report["rows_total"],
                                   "rows_invalid": report["rows_invalid"],
                                   "error_counts": report["error_counts"]}
        if layout is not None:
            summary["csv"] = {"delimiter": layout.delimiter, "columns": layout.columns,
                              "header_end": layout.header_end}
        created = datetime.now(UTC).isoformat(timespec="milliseconds")
        final = self.ws.datasets_dir / dataset_id
        os.replace(staging, final)
        try:
            self.ws.store.execute(
                "INSERT INTO datasets (id, name, format, size_bytes, sha256, rows, status, "
                "created_at, schema_json, summary_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (dataset_id, name, fmt, size, sha256, report["rows_valid"], status, created,
                 json.dumps(result.schema, ensure_ascii=False), json.dumps(summary)))
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        return self.get(dataset_id)
