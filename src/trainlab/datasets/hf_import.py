"""Hugging Face datasets in: ``ws.datasets.import_hf``.

A dataset written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``, or one in the local
``datasets`` cache (found by name; nothing is downloaded, and ``HF_DATASETS_OFFLINE`` /
``HF_HUB_OFFLINE`` are honoured by ``datasets`` itself), is written batch by batch from its Arrow
data to a Parquet file in the workspace's ``tmp/`` and stored from there as an ordinary Parquet
dataset (:meth:`DatasetStore.adopt`): the same report, preview, profile and checks. Memory holds
one batch: the Arrow data stays memory-mapped where ``datasets`` keeps it.

``datasets`` is imported inside :func:`import_hf` only (the bare-GPU-machine rule).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from trainlab.errors import dataset_error
from trainlab.workspace.ids import new_id

if TYPE_CHECKING:
    from trainlab.datasets.dataset import Dataset, DatasetStore

BATCH_ROWS = 10_000  # rows written to the Parquet file at a time (one row group each)


def import_hf(store: DatasetStore, name_or_path: str | os.PathLike[str], split: str | None = None,
              name: str | None = None, config: str | None = None) -> Dataset:
    """Register a Hugging Face dataset as a Parquet dataset (see :meth:`DatasetStore.import_hf`)."""
    try:
        import datasets as hf
    except ImportError:
        raise dataset_error("hf_not_installed") from None
    source = str(name_or_path)
    loaded, label = _load(hf, source, config, split)
    if isinstance(loaded, hf.DatasetDict):
        splits = list(loaded)
        if split is None:
            raise dataset_error("hf_split_required", name=label, splits=", ".join(splits),
                                first=splits[0] if splits else "train")
        if split not in loaded:
            raise dataset_error("hf_split_unknown", name=label, split=split,
                                splits=", ".join(splits))
        table_source = loaded[split]
    else:
        own = getattr(loaded, "split", None)
        if split is not None and own is not None and str(own) != split:
            raise dataset_error("hf_split_unknown", name=label, split=split, splits=str(own))
        table_source = loaded
    stem = Path(label.rstrip("/")).name.replace("/", "_") or "hf"
    name = name or f"{stem}{'-' + split if split else ''}.parquet"
    path = store.ws.tmp_dir / f"{new_id('hf')}.parquet"
    try:
        _write_parquet(table_source, path)
        return store.adopt(path, name, "parquet",
                           summary={"source": {"hf": label, "split": split, "config": config}})
    finally:
        path.unlink(missing_ok=True)


def _load(hf: Any, source: str, config: str | None, split: str | None = None
          ) -> tuple[Any, str]:
    """The ``Dataset`` or ``DatasetDict`` of a ``save_to_disk`` folder, else of the cache (only
    ``split`` when one is named: the other splits are not built)."""
    folder = Path(source).expanduser()
    looked: list[str] = []
    if folder.is_dir():
        saved = (hf.config.DATASET_STATE_JSON_FILENAME, hf.config.DATASETDICT_JSON_FILENAME)
        if any((folder / marker).is_file() for marker in saved):
            return hf.load_from_disk(str(folder)), str(folder)
        looked.append(f"{folder} (a folder, but not written by save_to_disk: no "
                      f"{' or '.join(saved)})")
    else:
        looked.append(f"{folder.resolve()} (no such folder)")
    cached = _cached(hf, source)
    if not cached:
        looked.append(f"the datasets cache {hf.config.HF_DATASETS_CACHE} and the hub cache "
                      f"{_hub_cache()} (nothing for '{source}')")
        raise dataset_error("hf_dataset_not_found", name=source, looked="; ".join(looked))
    try:
        return hf.load_dataset(source, config, split=split), source
    except (OSError, ValueError, hf.exceptions.DatasetNotFoundError) as exc:
        if split is not None and type(exc) is ValueError:
            # e.g. a split the dataset does not have: load the whole of it, so the caller
            # names the splits it has (hf_split_unknown), or says why it does not load
            return _load(hf, source, config)
        # ConnectionError and FileNotFoundError are OSErrors: offline, and not all of it cached
        looked.append(f"{', '.join(cached)} (found, but it does not load offline: "
                      f"{type(exc).__name__})")
        raise dataset_error("hf_dataset_not_found", name=source, looked="; ".join(looked)) \
            from None


def _cached(hf: Any, source: str) -> list[str]:
    """The cache folders that hold something for dataset ``source`` (``owner/name``)."""
    found = []
    datasets_cache = Path(hf.config.HF_DATASETS_CACHE)
    hub_cache = Path(_hub_cache())
    for folder in (datasets_cache / source.replace("/", "___"),
                   hub_cache / ("datasets--" + source.replace("/", "--"))):
        if folder.is_dir():
            found.append(str(folder))
    return found


def _hub_cache() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def _write_parquet(data: Any, path: Path) -> None:
    """``data`` (a ``datasets.Dataset``) to Parquet at ``path``, one batch at a time."""
    writer: pq.ParquetWriter | None = None
    try:
        for table in data.with_format("arrow").iter(batch_size=BATCH_ROWS):
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
        if writer is None:  # no rows: an empty file with the columns, refused as no_records
            writer = pq.ParquetWriter(path, data.features.arrow_schema)
    finally:
        if writer is not None:
            writer.close()
