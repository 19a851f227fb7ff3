"""Distinct-count sketches: stable hashes of values and the K smallest of them.

A K-minimum-values sketch keeps the :data:`SKETCH_K` smallest distinct 32-bit hashes of a
field's values; sketches of blocks merge by keeping the smallest of their union, and the
K-th smallest hash estimates the number of distinct values (about 3% error at K = 1024).
The hashes must be the same in every process, so Python's randomised ``hash`` will not do.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from trainlab.datasets.semantics import HASH_GOLDEN, HASH_P, SKETCH_K

#: The relative standard error of an estimate from K hashes, 1/sqrt(K - 2): about 3.1%.
DISTINCT_ERROR = 1 / (SKETCH_K - 2) ** 0.5


def hash_values(values: pa.Array | list) -> np.ndarray:
    """32-bit hashes of values, the same in every process (unlike Python's ``hash``).

    Integers hash their int64 bits, floats and booleans their float64 bits, strings a 64-bit
    polynomial hash of their UTF-8 bytes read as 64-bit words (vectorised over Arrow's
    buffers), anything else the string of its ``repr``; each is finished with splitmix64.
    Order does not matter to the sketches that use these, so a list of mixed values is hashed
    kind by kind.
    """
    if isinstance(values, list):
        groups: dict[str, list] = {"int": [], "float": [], "str": []}
        for value in values:
            if isinstance(value, bool) or isinstance(value, float):
                groups["float"].append(float(value))
            elif isinstance(value, int) and -(2**63) <= value < 2**63:
                groups["int"].append(value)
            else:
                groups["str"].append(value if isinstance(value, str) else repr(value))
        parts = [hash_values(pa.array(groups["int"], pa.int64())),
                 hash_values(pa.array(groups["float"], pa.float64())),
                 hash_values(pa.array(groups["str"], pa.string()))]
        return np.concatenate(parts)
    if values.null_count:
        values = values.drop_null()
    dtype = values.type
    if pa.types.is_integer(dtype):
        return _splitmix32(values.cast(pa.int64(), safe=False).to_numpy().view(np.uint64))
    if pa.types.is_floating(dtype) or pa.types.is_boolean(dtype):
        floats = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return _splitmix32(floats.view(np.uint64))
    if not pa.types.is_string(dtype):
        values = pa.array([repr(v) for v in values.to_pylist()], pa.string())
    return _splitmix32(_string_hashes(values))


_P = np.uint64(HASH_P)
_GOLDEN = np.uint64(HASH_GOLDEN)
_powers: np.ndarray | None = None
_SEGMENT = 1 << 18  # string bytes hashed at a time: bounds the temporary arrays
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], np.uint64)


def _power_table(n: int) -> np.ndarray:
    """P**k modulo 2**64 for k < n (grown on demand, kept per process)."""
    global _powers
    if _powers is None or len(_powers) < n:
        n = max(n, 1 << 15, 2 * len(_powers) if _powers is not None else 0)
        with np.errstate(over="ignore"):
            powers = np.ones(n, np.uint64)
            powers[1:] = np.cumprod(np.full(n - 1, _P, np.uint64))
        _powers = powers
    return _powers


def _string_hashes(array: pa.Array) -> np.ndarray:
    """sum(word_k * P**k) mod 2**64 over each string's UTF-8 bytes read as little-endian 64-bit
    words (the last one padded with zeros), mixed with its length.

    One multiplication per 8 bytes, here vectorised over a run of strings (each word read at
    any byte offset through a strided view) and in C (``scanner.c``) alike.
    """
    n = len(array)
    out = np.zeros(n, np.uint64)
    if n == 0:
        return out
    offsets = np.frombuffer(array.buffers()[1], np.int32, count=n + 1,
                            offset=array.offset * 4).astype(np.int64)
    buffer = array.buffers()[2]
    data = np.frombuffer(buffer, np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    first = 0
    with np.errstate(over="ignore"):
        while first < n:
            last = int(np.searchsorted(offsets, offsets[first] + _SEGMENT, side="right")) - 1
            last = min(max(last, first + 1), n)
            begin, end = int(offsets[first]), int(offsets[last])
            run = lengths[first:last]
            sums = np.zeros(last - first, np.uint64)
            if end > begin:
                padded = np.zeros(end - begin + 8, np.uint8)
                padded[: end - begin] = data[begin:end]
                words_at = np.ndarray((end - begin + 1,), "<u8", padded, strides=(1,))
                n_words = (run + 7) // 8
                total = int(n_words.sum())
                word_first = np.zeros(len(run), np.int64)  # each string's first word
                np.cumsum(n_words[:-1], out=word_first[1:])
                k = np.arange(total, dtype=np.int64) - np.repeat(word_first, n_words)
                starts = offsets[first:last] - begin
                position = np.repeat(starts, n_words) + 8 * k
                left = np.repeat(run, n_words) - 8 * k  # bytes of the string from here on
                words = words_at[position] & _LOW_BYTES[np.minimum(left, 8)]
                weighted = words * _power_table(int(n_words.max()))[k]
                nonempty = n_words > 0
                sums[nonempty] = np.add.reduceat(weighted, word_first[nonempty])
            out[first:last] = sums ^ (run.astype(np.uint64) * _GOLDEN)
            first = last
    return out


def _splitmix32(bits: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = bits.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(32)).astype(np.uint32)


def smallest(hashes: np.ndarray) -> np.ndarray:
    """The :data:`SKETCH_K` smallest distinct hashes.

    Past 4K hashes, those up to the (4K+1)-th smallest are sorted first. That cut counts
    repeats: merged block sketches of one column hold the same hashes many times over, so it
    may leave fewer than K distinct ones, and then every hash is sorted.
    """
    if len(hashes) > 4 * SKETCH_K:  # cut before sorting: only the smallest can matter
        bound = np.partition(hashes, 4 * SKETCH_K)[4 * SKETCH_K]
        cut = np.unique(hashes[hashes <= bound])
        if len(cut) >= SKETCH_K:
            return cut[:SKETCH_K]
    return np.unique(hashes)[:SKETCH_K]


def estimate(sketch: np.ndarray, count: int) -> int:
    """Distinct values behind ``sketch`` of ``count`` values: its hashes while under K of them,
    else estimated from the K-th smallest (within :data:`DISTINCT_ERROR`), at most ``count``."""
    if len(sketch) < SKETCH_K:
        return min(len(sketch), count)
    kth = (float(sketch[SKETCH_K - 1]) + 1.0) / 2.0**32
    return min(round((SKETCH_K - 1) / kth), count)
