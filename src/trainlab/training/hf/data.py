"""Tokenising a dataset once through the model's fast tokenizer, caching it, and batching it.

Rows are stored as flat token arrays plus offsets (numpy), cached beside the dataset under a
key made of the dataset's sha256, a hash of the tokenizer's files and the settings, so a second
run does not tokenise again. Batches are padded to their longest row, with length bucketing
(shuffle with the seed, sort within chunks of ~50 batches by length, shuffle the batches),
built by numpy indexing: no per-sample Python in the step, and the same batches for the same
(seed, epoch), so a resumed run continues exactly.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from trainlab.datasets.dataset import Dataset
from trainlab.errors import TrainlabError, dataset_error
from trainlab.training.config import TrainConfig
from trainlab.training.prepare import MIN_ROWS, read_table, usable
from trainlab.training.tasks import split_indices
from trainlab.training.tasks.labels import encode_labels, fit_labels, keys
from trainlab.workspace.files import fsync_dir, read_json, write_json

CACHE_VERSION = 2  # 2: the key holds the final length cap (the model's positions)
BUCKET = 50  # batches per length-sorted chunk
CHUNK = 1000  # texts per call to the tokenizer
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.txt", "vocab.json", "merges.txt", "tokenizer.model",
                   "chat_template.jinja", "chat_template.json", "added_tokens.json")
VOCABULARY_FILES = ("tokenizer.json", "vocab.*", "merges.txt", "*.model", "*.tiktoken")


@dataclass
class Rows:
    """Tokenised rows: ``ids[offsets[i]:offsets[i+1]]`` is row i; ``y`` the class of each row
    (classification) or ``start`` where each row's loss begins (causal-lm)."""

    ids: np.ndarray
    offsets: np.ndarray
    extra: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def has_vocabulary(path: Path) -> bool:
    """Whether ``path`` holds a tokenizer's vocabulary (``tokenizer.json``, ``vocab.*``,
    ``merges.txt``, a sentencepiece ``*.model`` or a ``*.tiktoken`` file)."""
    path = Path(path)
    return any(any(path.glob(pattern)) for pattern in VOCABULARY_FILES)


def load_tokenizer(path: Path, name: str, *, vocab_size: int | None = None) -> Any:
    """The model's fast tokenizer. ``hf_no_tokenizer`` when the folder has no tokenizer files
    (transformers would build an empty one that turns every text into nothing),
    ``hf_slow_tokenizer`` when it has only a slow one, ``hf_vocab_mismatch`` when it has more
    tokens than the model's ``vocab_size`` (ids past the embedding table)."""
    from transformers import AutoTokenizer

    from trainlab.training.hf.model import quiet

    if not has_vocabulary(path):
        raise TrainlabError("hf_no_tokenizer", name=name, path=str(path), status=422)
    with quiet():
        tok = AutoTokenizer.from_pretrained(path)
    if not getattr(tok, "is_fast", False):
        raise TrainlabError("hf_slow_tokenizer", name=name, status=422)
    if len(tok) <= 1:
        raise TrainlabError("hf_no_tokenizer", name=name, path=str(path), status=422)
    if isinstance(vocab_size, int) and len(tok) > vocab_size:
        raise TrainlabError("hf_vocab_mismatch", name=name, tokens=len(tok), vocab=vocab_size,
                            status=422)
    return tok


def pad_id(tok: Any) -> int:
    for value in (tok.pad_token_id, tok.eos_token_id, 0):
        if value is not None:
            return int(value)
    return 0


def tokenizer_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for name in TOKENIZER_FILES:
        file = Path(path) / name
        if file.is_file():
            digest.update(name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:24]


def length_cap(task: str, config: TrainConfig, max_positions: int | None) -> int:
    """The longest row tokenisation keeps: ``max_length`` (default 512 for classification,
    1024 for causal-lm), at most the model's positions."""
    cap = config.max_length or (512 if task == "text-classification" else 1024)
    if max_positions:
        cap = min(cap, int(max_positions))
    return int(cap)


def fit_state(table: pa.Table, task: str, columns: dict[str, Any], config: TrainConfig,
              tok: Any, max_positions: int | None) -> dict[str, Any]:
    """What tokenisation and predictions need, JSON-able (it goes in model.json)."""
    cap = length_cap(task, config, max_positions)
    state: dict[str, Any] = {"columns": dict(columns), "max_length": int(cap),
                             "chat_template": bool(config.chat_template)}
    if task == "text-classification":
        state["columns"] = {"text": columns["text"], "label": columns["label"]}
        state["labels"] = fit_labels(table.column(columns["label"]))
    if config.chat_template and not getattr(tok, "chat_template", None):
        raise TrainlabError("hf_no_chat_template", name=config.base_model, status=422)
    return state


def _texts(column: pa.ChunkedArray) -> list[str]:
    return [t if t is not None else "" for t in column.to_pylist()]


def _ids(tok: Any, texts: list[str], *, special: bool, max_length: int | None = None
         ) -> list[list[int]]:
    out: list[list[int]] = []
    for start in range(0, len(texts), CHUNK):
        part = texts[start: start + CHUNK]
        enc = tok(part, add_special_tokens=special, truncation=max_length is not None,
                  max_length=max_length)
        out.extend(enc["input_ids"])
    return out


def _flat(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(r) for r in rows), np.int64, len(rows))
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.fromiter(itertools.chain.from_iterable(rows), np.int32, int(offsets[-1]))
    return ids, offsets


def prompts(tok: Any, texts: list[str], state: dict[str, Any]) -> list[str]:
    """Prompts as the model sees them: through its chat template when asked."""
    if not state.get("chat_template"):
        return texts
    return [tok.apply_chat_template([{"role": "user", "content": t}], tokenize=False,
                                    add_generation_prompt=True) for t in texts]


def tokenize(table: pa.Table, task: str, state: dict[str, Any], tok: Any, *,
             targets: bool = True) -> Rows:
    """Tokenise ``table`` as the task trains on it, batched through the fast tokenizer."""
    columns, cap = state["columns"], state["max_length"]
    if task == "text-classification":
        ids, offsets = _flat(_ids(tok, _texts(table.column(columns["text"])), special=True,
                                  max_length=cap))
        y = encode_labels(table.column(columns["label"]), state["labels"]) if targets \
            else np.full(len(offsets) - 1, -1, np.int64)
        return Rows(ids, offsets, y)
    eos = tok.eos_token_id
    if "prompt" in columns:
        first = _ids(tok, prompts(tok, _texts(table.column(columns["prompt"])), state),
                     special=not state.get("chat_template"))
        second = _ids(tok, _texts(table.column(columns["completion"])), special=False) \
            if columns.get("completion") in table.column_names else [[] for _ in first]
        tail = [eos] if eos is not None else []
        fitted = [fit_pair(p, c + tail, cap) for p, c in zip(first, second, strict=True)]
        start = np.fromiter((len(p) for p, _ in fitted), np.int64, len(fitted))
        ids, offsets = _flat([p + c for p, c in fitted])
        return Rows(ids, offsets, start)
    tail = [eos] if eos is not None else []
    ids, offsets = _flat([r + tail for r in _ids(tok, _texts(table.column(columns["text"])),
                                                 special=True)])
    return _windows(ids, offsets, cap)


def fit_pair(prompt: list[int], completion: list[int], cap: int) -> tuple[list[int], list[int]]:
    """A prompt + completion row of at most ``cap`` tokens: the prompt is cut from the left
    (its end, next to the completion, stays, as in ``generate``) so the completion's tokens,
    which carry the loss, survive; a completion longer than the cap keeps one prompt token
    and is cut on the right."""
    room = cap - len(completion)
    if room >= len(prompt):
        return prompt, completion
    if room > 0:
        return prompt[len(prompt) - room:], completion
    keep = prompt[-1:]
    return keep, completion[: cap - len(keep)]


def _windows(ids: np.ndarray, offsets: np.ndarray, cap: int) -> Rows:
    """Rows longer than ``cap`` cut into pieces of at most ``cap`` tokens (they tile the row)."""
    lengths = np.diff(offsets)
    pieces = np.maximum(1, -(-lengths // cap))
    row = np.repeat(np.arange(len(lengths)), pieces)
    k = np.arange(len(row)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    starts = offsets[:-1][row] + k * cap
    new = np.append(starts, offsets[-1]).astype(np.int64)
    return Rows(ids, new, np.zeros(len(row), np.int64))


def cache_key(ds: Dataset, task: str, columns: dict[str, Any], config: TrainConfig,
              tok_hash: str, validation: Dataset | None, max_positions: int | None = None) -> str:
    """The cache entry's name: the dataset, tokenizer and every setting that shapes the rows,
    including the final length cap (two models with one tokenizer but different positions
    do not share rows)."""
    shape = {"v": CACHE_VERSION, "sha256": ds.sha256, "task": task, "columns": columns,
             "tokenizer": tok_hash, "max_length": length_cap(task, config, max_positions),
             "seed": config.seed,
             "val_fraction": config.val_fraction, "skip_invalid": config.skip_invalid,
             "chat_template": config.chat_template,
             "validation": validation.sha256 if validation is not None else None}
    return "hf-" + hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:24]


@dataclass
class Tokenised:
    train: Rows
    val: Rows
    state: dict[str, Any]
    cached: bool = False


def prepare(ds: Dataset, task: str, columns: dict[str, Any], config: TrainConfig, tok: Any,
            tok_hash: str, max_positions: int | None, *, validation: Dataset | None = None
            ) -> Tokenised:
    """Train and validation rows, tokenised, from the cache beside the dataset when there."""
    key = cache_key(ds, task, columns, config, tok_hash, validation, max_positions)
    folder = ds.directory / "cache"
    arrays_path, state_path = folder / f"{key}.npz", folder / f"{key}.json"
    if arrays_path.is_file() and state_path.is_file():
        try:
            state = read_json(state_path)
            with np.load(arrays_path, allow_pickle=False) as data:
                parts = [Rows(data[f"{s}.ids"], data[f"{s}.offsets"], data[f"{s}.extra"])
                         for s in ("train", "val")]
            return Tokenised(parts[0], parts[1], state, cached=True)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt
    required = list(columns.values())
    texts = [columns[k] for k in ("text", "prompt", "completion") if k in columns]
    table = usable(read_table(ds, required), required, texts, [])
    if validation is not None:
        train_table = table
        val_table = usable(read_table(validation, required), required, texts, [])
    else:
        if table.num_rows < MIN_ROWS:
            raise dataset_error("too_few_rows", name=ds.name, rows=table.num_rows, task=task,
                                needed=MIN_ROWS)
        groups = keys(table.column(columns["label"])).astype(str) \
            if task == "text-classification" else None
        train_idx, val_idx = split_indices(table.num_rows, config.val_fraction, config.seed, groups)
        train_table, val_table = table.take(train_idx), table.take(val_idx)
    if train_table.num_rows == 0 or val_table.num_rows == 0:
        raise dataset_error("too_few_rows", name=ds.name, rows=table.num_rows, task=task,
                            needed=MIN_ROWS)
    state = fit_state(train_table, task, columns, config, tok, max_positions)
    out = Tokenised(tokenize(train_table, task, state, tok), tokenize(val_table, task, state, tok),
                    state)
    _write_cache(out, arrays_path, state_path, ds)
    return out


def _write_cache(data: Tokenised, arrays_path: Path, state_path: Path, ds: Dataset) -> None:
    """Best effort: a cache that cannot be written only costs the next run its head start."""
    tmp_dir = ds.workspace.tmp_dir
    tmp = tmp_dir / f".{arrays_path.name}.{os.getpid()}.part.npz"
    arrays = {f"{s}.{k}": getattr(rows, k) for s, rows in (("train", data.train), ("val", data.val))
              for k in ("ids", "offsets", "extra")}
    try:
        arrays_path.parent.mkdir(exist_ok=True)
        tmp_dir.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, **arrays)
        os.replace(tmp, arrays_path)
        fsync_dir(arrays_path.parent)
        write_json(state_path, tmp_dir, data.state)
    except OSError:
        tmp.unlink(missing_ok=True)


def collate(rows: Rows, index: np.ndarray, task: str, pad: int) -> dict[str, Any]:
    """One batch, padded to its longest row, by numpy indexing."""
    lengths = rows.lengths[index]
    width = max(1, int(lengths.max()))
    col = np.arange(width)
    mask = col[None, :] < lengths[:, None]
    src = rows.offsets[index][:, None] + col[None, :]
    ids = np.full((len(index), width), pad, np.int64)
    ids[mask] = rows.ids[src[mask]]
    batch: dict[str, Any] = {"input_ids": torch.from_numpy(ids),
                             "attention_mask": torch.from_numpy(mask.astype(np.int64))}
    if task == "text-classification":
        batch["y"] = torch.from_numpy(rows.extra[index].astype(np.int64))
    else:
        labels = np.where(mask & (col[None, :] >= rows.extra[index][:, None]), ids, -100)
        batch["labels"] = torch.from_numpy(labels)
    batch["tokens"] = int(lengths.sum())  # real (non-pad) tokens, counted without a device sync
    return batch


class BucketBatches:
    """Length-bucketed, dynamically padded batches of :class:`Rows` (a batch source of the loop:
    ``epoch(epoch, skip)``, ``size``, ``len``). Under DDP each rank takes every ``world``-th batch."""

    def __init__(self, rows: Rows, task: str, batch_size: int, device: torch.device, seed: int,
                 pad: int, *, shuffle: bool = True, rank: int = 0, world: int = 1) -> None:
        self.rows, self.task, self.batch_size, self.device = rows, task, batch_size, device
        self.seed, self.pad, self.shuffle, self.rank, self.world = seed, pad, shuffle, rank, world
        self.n = len(rows)

    def __len__(self) -> int:
        return max(1, -(-self.n // self.batch_size) // self.world)

    def plan(self, epoch: int) -> list[np.ndarray]:
        """The epoch's batches as row indices."""
        bs, lengths = self.batch_size, self.rows.lengths
        if not self.shuffle:
            order = np.argsort(-lengths, kind="stable")
            return [order[i: i + bs] for i in range(0, self.n, bs)]
        rng = np.random.default_rng([self.seed % 2**63, epoch])  # any int seed
        order = rng.permutation(self.n)
        out = []
        for start in range(0, self.n, bs * BUCKET):
            chunk = order[start: start + bs * BUCKET]
            chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
            out.extend(chunk[i: i + bs] for i in range(0, len(chunk), bs))
        out = [out[i] for i in rng.permutation(len(out))]
        if self.world > 1:
            out = out[self.rank:: self.world][: len(self)]
        return out

    def epoch(self, epoch: int, skip: int = 0) -> Iterator[dict[str, Any]]:
        cuda = self.device.type == "cuda"
        for index in self.plan(epoch)[skip:]:
            batch = collate(self.rows, index, self.task, self.pad)
            yield {k: (v.pin_memory().to(self.device, non_blocking=True) if cuda else v)
                   if isinstance(v, torch.Tensor) else v for k, v in batch.items()}

    @staticmethod
    def size(batch: dict[str, Any]) -> int:
        return len(batch["input_ids"])
