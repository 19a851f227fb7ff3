"""Distinct-count sketches: stable hashes of values and the K smallest of them.

A K-minimum-values sketch keeps the :data:`SKETCH_K` smallest distinct 32-bit hashes of a
field's values; sketches of blocks merge by keeping the smallest of their union, and the
K-th smallest hash estimates the number of distinct values (about 3% error at K = 1024).
The hashes must be the same in every process, so Python's randomised ``hash`` will not do.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

SKETCH_K = 1024


def hash_values(values: pa.Array | list) -> np.ndarray:
    """32-bit hashes of values, the same in every process (unlike Python's ``hash``).

    Integers hash their int64 bits, floats and booleans their float64 bits, strings a 64-bit
    polynomial hash of their UTF-8 bytes (vectorised over Arrow's buffers), anything else the
    string of its ``repr``; each is finished with splitmix64. Order does not matter to the
    sketches that use these, so a list of mixed values is hashed kind by kind.
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


_P = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_P_INVERSE = np.uint64(pow(0x100000001B3, -1, 2**64))
_powers: tuple[np.ndarray, np.ndarray] | None = None
_SEGMENT = 1 << 18  # string bytes hashed at a time: bounds the temporary arrays


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**64 for i < n (grown on demand, kept per process)."""
    global _powers
    if _powers is None or len(_powers[0]) < n:
        n = max(n, _SEGMENT + 1)
        with np.errstate(over="ignore"):
            power, inverse = np.ones(n, np.uint64), np.ones(n, np.uint64)
            power[1:] = np.cumprod(np.full(n - 1, _P, np.uint64))
            inverse[1:] = np.cumprod(np.full(n - 1, _P_INVERSE, np.uint64))
        _powers = (power, inverse)
    return _powers


def _string_hashes(array: pa.Array) -> np.ndarray:
    """sum(byte_i * P**i) mod 2**64 over each string's bytes, mixed with its length.

    Computed for a run of strings at once: the products use powers from the run's start, and
    each string's sum is shifted back to its own start by multiplying with P**-start.
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
            power, inverse = _power_tables(end - begin + 1)
            starts = offsets[first:last] - begin
            nonempty = lengths[first:last] > 0
            sums = np.zeros(last - first, np.uint64)
            if end > begin:
                weighted = data[begin:end].astype(np.uint64) * power[: end - begin]
                at = starts[nonempty]
                sums[nonempty] = np.add.reduceat(weighted, at) * inverse[at]
            out[first:last] = sums ^ (lengths[first:last].astype(np.uint64)
                                      * np.uint64(0x9E3779B97F4A7C15))
            first = last
    return out


def _splitmix32(bits: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = bits.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(32)).astype(np.uint32)


def smallest(hashes: np.ndarray) -> np.ndarray:
    """The :data:`SKETCH_K` smallest distinct hashes."""
    if len(hashes) > 4 * SKETCH_K:  # cut before sorting: only the smallest can matter
        bound = np.partition(hashes, 4 * SKETCH_K)[4 * SKETCH_K]
        hashes = hashes[hashes <= bound]
    return np.unique(hashes)[:SKETCH_K]


def estimate(sketch: np.ndarray) -> tuple[int, bool]:
    """Distinct values behind ``sketch``: counted while under K hashes, else estimated."""
    if len(sketch) < SKETCH_K:
        return len(sketch), False
    kth = (float(sketch[SKETCH_K - 1]) + 1.0) / 2.0**32
    return round((SKETCH_K - 1) / kth), False
