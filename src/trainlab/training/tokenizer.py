"""A byte-level tokenizer: UTF-8 bytes are the tokens, so every language works offline.

Tokens 0-255 are bytes; four specials follow. Encoding a column is vectorised over Arrow's
UTF-8 buffers (no Python loop per text), which is what lets a task tensorise a large
dataset once, up front.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

PAD, BOS, EOS, SEP = 256, 257, 258, 259
VOCAB_SIZE = 260
SPEC = {"kind": "bytes", "vocab_size": VOCAB_SIZE, "pad": PAD, "bos": BOS, "eos": EOS, "sep": SEP}


def utf8_buffers(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray,
                                                                                     np.ndarray]:
    """``(offsets, data)`` of the texts' UTF-8 bytes (offsets from 0); a missing text is empty."""
    array = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], pa.string())
    array = pc.fill_null(array.cast(pa.large_string()), "")
    offsets = np.frombuffer(array.buffers()[1], np.int64)[array.offset: array.offset + len(array) + 1]
    data_buffer = array.buffers()[2]
    data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    offsets = offsets.astype(np.int64)
    data = data[offsets[0]: offsets[-1]]
    return offsets - offsets[0], data


def lengths(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> np.ndarray:
    offsets, _ = utf8_buffers(texts)
    return np.diff(offsets)


def encode_matrix(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray, width: int, *,
                  prefix: Sequence[int] = (), suffix: Sequence[int] = ()) -> np.ndarray:
    """Each text as ``prefix + bytes + suffix`` in a row of ``width`` tokens, PAD-filled.

    A text too long keeps its first bytes and is cut before the suffix.
    """
    offsets, data = utf8_buffers(texts)
    return _fill(offsets, data, width, prefix, suffix)


def _fill(offsets: np.ndarray, data: np.ndarray, width: int, prefix: Sequence[int],
          suffix: Sequence[int]) -> np.ndarray:
    n = len(offsets) - 1
    out = np.full((n, width), PAD, np.int64)
    if n == 0:
        return out
    room = max(0, width - len(prefix))
    sizes = np.minimum(np.diff(offsets), room)
    cols = np.arange(room)
    take = cols[None, :] < sizes[:, None]
    positions = np.minimum(offsets[:-1, None] + cols[None, :], max(len(data) - 1, 0))
    body = np.where(take, data[positions].astype(np.int64) if len(data) else 0, PAD)
    if prefix:
        out[:, : len(prefix)] = prefix
    out[:, len(prefix):] = body
    rows = np.arange(n)
    for k, token in enumerate(suffix):
        at = len(prefix) + sizes + k
        ok = at < width
        out[rows[ok], at[ok]] = token
    return out


def encode(text: str) -> list[int]:
    return list(text.encode("utf-8"))


def decode(tokens: Sequence[int]) -> str:
    """Bytes back to text; specials are dropped and a cut multi-byte character is replaced."""
    return bytes(t for t in tokens if 0 <= t < 256).decode("utf-8", errors="replace")
