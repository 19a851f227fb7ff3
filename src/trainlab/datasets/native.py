"""The native CSV and JSON Lines scanner (``scanner.c``), loaded with ctypes.

One C pass over a block validates it strictly and computes every column's statistics, in the
same form as :func:`trainlab.datasets.stats.block_field_stats`. It answers exactly what the
Python paths would (naming ragged CSV rows and bad JSON lines itself), or declines the block
(invalid UTF-8, a misplaced quote, a CSV value that may or may not be a number, a JSON record
of another shape, ...) and the Python paths read it. ctypes releases the GIL for the call,
so blocks are scanned on every core by threads of one process.

The library is built when trainlab is installed (``hatch_build.py``). Without a C compiler
there is none, :data:`AVAILABLE` is false, and every block takes the Python paths: slower,
with the same answers. ``TRAINLAB_NATIVE=0`` turns it off. A library built from another
``scanner.c`` or other rules (:mod:`.semantics`) is not loaded, with a warning saying how to
rebuild it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from trainlab.datasets import semantics
from trainlab.datasets.block import BlockSpec
from trainlab.datasets.result import BlockResult, FieldPart, LenStats, NumStats
from trainlab.datasets.semantics import (
    DECLINE_NAMES,
    KIND_CODES,
    KIND_NAMES,
    M_SKETCH,
    M_TOP,
    M_VALUES,
)

# TRAINLAB_NATIVE_LIBRARY: another build of scanner.c (make test-native-asan's sanitizer build).
LIBRARY = Path(os.environ.get("TRAINLAB_NATIVE_LIBRARY") or Path(__file__).with_name("_scanner.so"))
INTEGER, NUMBER, BOOLEAN, STRING, LIST = (KIND_CODES[kind] for kind in (
    "integer", "number", "boolean", "string", "list"))
_I64, _F64 = ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_double)


class _Column(ctypes.Structure):
    _fields_ = [
        ("count", ctypes.c_int64), ("kind", ctypes.c_int64), ("mode", ctypes.c_int64),
        ("num_n", ctypes.c_int64), ("num_min", ctypes.c_double), ("num_max", ctypes.c_double),
        ("num_mean", ctypes.c_double), ("num_m2", ctypes.c_double),
        ("len_n", ctypes.c_int64), ("len_min", ctypes.c_int64), ("len_max", ctypes.c_int64),
        ("len_sum", ctypes.c_int64), ("empty", ctypes.c_int64),
        ("n_entries", ctypes.c_int64), ("n_sketch", ctypes.c_int64),
        # addresses (ints): read in one copy each by _array
        ("e_count", ctypes.c_void_p), ("e_int", ctypes.c_void_p), ("e_float", ctypes.c_void_p),
        ("e_off", ctypes.c_void_p), ("e_len", ctypes.c_void_p), ("sketch", ctypes.c_void_p),
    ]


class _Result(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int64), ("reason", ctypes.c_int64),
        ("n_lines", ctypes.c_int64), ("rows_total", ctypes.c_int64),
        ("rows_valid", ctypes.c_int64), ("blank", ctypes.c_int64),
        ("first_blank", ctypes.c_int64), ("n_ragged", ctypes.c_int64),
        ("ragged_line", ctypes.c_void_p), ("ragged_actual", ctypes.c_void_p),
        ("ncols", ctypes.c_int64),
        ("cols", ctypes.POINTER(_Column)), ("arena", ctypes.c_void_p),
        ("arena_len", ctypes.c_int64),
        ("name_off", ctypes.c_void_p), ("name_len", ctypes.c_void_p),
        ("arena_cap", ctypes.c_int64), ("ragged_cap", ctypes.c_int64),  # the scanner's own
    ]


def _load(path: Path = LIBRARY) -> ctypes.CDLL | None:
    if os.environ.get("TRAINLAB_NATIVE", "1") == "0":
        return None  # turned off on purpose: nothing to say
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        missing = "is not there" if not path.exists() else f"does not load ({exc})"
        warnings.warn(
            f"trainlab: the native scanner {path} {missing}; CSV and JSON Lines files are read "
            "by the slower Python paths (same answers). Install a C compiler (cc) and reinstall "
            "trainlab to build it, or set TRAINLAB_NATIVE=0 to say you mean it.",
            RuntimeWarning, stacklevel=2)
        return None
    stale = _stale(lib)
    if stale:
        warnings.warn(
            f"trainlab: {path} was not built from this trainlab ({stale}); it is not used, and "
            "CSV and JSON Lines files are read by the slower Python paths until it is rebuilt: "
            "reinstall trainlab (pip install -e .), or run `python -m trainlab.datasets.semantics` "
            f"then `cc -O3 -fPIC -shared -o {path} {path.with_name('scanner.c')}`.",
            RuntimeWarning, stacklevel=2)
        return None
    lib.csv_scan.restype = ctypes.POINTER(_Result)
    lib.csv_scan.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int, ctypes.c_int64,
                             ctypes.c_char_p, ctypes.c_int64]
    lib.jsonl_scan.restype = ctypes.POINTER(_Result)
    lib.jsonl_scan.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p),
                               _I64, ctypes.c_int64, ctypes.c_int64]
    lib.csv_free.argtypes = [ctypes.POINTER(_Result)]
    lib.csv_free.restype = None
    lib.csv_classify.argtypes = [ctypes.c_char_p, ctypes.c_int64, _I64, _F64]
    lib.csv_classify.restype = ctypes.c_int
    lib.csv_utf8_check.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_int]
    lib.csv_utf8_check.restype = ctypes.c_int64
    lib.find_byte.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int]
    lib.find_byte.restype = ctypes.c_int64
    if hasattr(lib, "drop_pages"):
        lib.drop_pages.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]
        lib.drop_pages.restype = ctypes.c_int
    lib.poly_hash.argtypes = [ctypes.c_char_p, ctypes.c_int64]
    lib.poly_hash.restype = ctypes.c_uint64
    return lib


def _stale(lib: ctypes.CDLL) -> str | None:
    """Why ``lib`` does not match this Python side, or None if it does."""
    if not hasattr(lib, "scanner_abi"):
        return "it does not say its ABI"
    found = {}
    for name in ("scanner_abi", "scanner_rules", "scanner_result_size", "scanner_column_size"):
        function = getattr(lib, name)
        function.argtypes, function.restype = [], ctypes.c_int64
        found[name] = function()
    expected = {"scanner_abi": semantics.SCANNER_ABI, "scanner_rules": semantics.RULES,
                "scanner_result_size": ctypes.sizeof(_Result),
                "scanner_column_size": ctypes.sizeof(_Column)}
    wrong = [f"{name}() is {found[name]}, expected {value}"
             for name, value in expected.items() if found[name] != value]
    return "; ".join(wrong) or None


_LIB = _load()
AVAILABLE = _LIB is not None
_DECODE = msgspec.json.Decoder().decode


class Declined(Exception):
    """The native scanner left this block to the Python paths."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def scan_csv_block(data: bytes | memoryview, spec: BlockSpec) -> BlockResult:
    """The block result of :func:`trainlab.datasets.blockscan.scan_block` for a CSV block (its bytes,
    or a view of them in a mapped file).

    Raises :class:`Declined` when the block needs the Python paths.
    """
    assert _LIB is not None
    columns = spec.columns or []
    sketch_only = bytes(1 if name in spec.sketch_only else 0 for name in columns)
    raw = np.frombuffer(data, np.uint8)  # no copy; holds the buffer during the call
    with _scanned(_LIB.csv_scan(raw.ctypes.data, len(raw), ord(spec.delimiter), len(columns),
                                sketch_only, spec.limits.long_line_bytes)) as (result, arena):
        fields = {name: _partial(result.cols[j], arena) for j, name in enumerate(columns)}
        n = result.n_ragged
        lines = _array(result.ragged_line, n, np.int64).tolist()
        actual = _array(result.ragged_actual, n, np.int64).tolist()
        errors = [(line, None, "ragged_row", {"actual": a, "expected": len(columns)})
                  for line, a in zip(lines, actual)]
        return _block_result(spec, result, fields, errors)


def scan_jsonl_block(data: bytes | memoryview, spec: BlockSpec) -> BlockResult:
    """The block result of :func:`trainlab.datasets.blockscan.scan_block` for a JSON Lines block.

    Raises :class:`Declined` when the block needs the Python paths (a record of a shape the
    scanner does not take, a field of several kinds, ...).
    """
    assert _LIB is not None
    raw = np.frombuffer(data, np.uint8)
    names = [name.encode("utf-8") for name in spec.sketch_only]
    c_names = (ctypes.c_char_p * max(len(names), 1))(*names)
    c_lens = (ctypes.c_int64 * max(len(names), 1))(*(len(n) for n in names))
    with _scanned(_LIB.jsonl_scan(raw.ctypes.data, len(raw), c_names, c_lens, len(names),
                                  spec.limits.long_line_bytes)) as (result, arena):
        errors = _rejected_lines(data, result)  # Declined if one is a record of another shape
        offsets = _array(result.name_off, result.ncols, np.int64).tolist()
        lengths = _array(result.name_len, result.ncols, np.int64).tolist()
        fields = {arena[o:o + m].decode("utf-8"): _partial(result.cols[j], arena)
                  for j, (o, m) in enumerate(zip(offsets, lengths))}
        return _block_result(spec, result, fields, errors)


def find_byte(buffer: Any, byte: int, start: int, stop: int) -> int:
    """``buffer.find(bytes([byte]), start, stop)`` without holding the GIL (``buffer``: bytes,
    a mapping, anything with the buffer protocol)."""
    assert _LIB is not None
    if stop <= start:
        return -1
    raw = np.frombuffer(buffer, np.uint8, stop - start, start)
    at = _LIB.find_byte(raw.ctypes.data, stop - start, byte)
    return start + at if at >= 0 else -1


def drop_pages(mapped: Any, start: int, length: int) -> bool:
    """``mapped.madvise(MADV_DONTNEED, start, length)`` without holding the GIL; False where
    the library has no such call (then do it the plain way)."""
    if _LIB is None or not hasattr(_LIB, "drop_pages"):
        return False
    base = np.frombuffer(mapped, np.uint8, 1)
    return _LIB.drop_pages(base.ctypes.data, start, length) == 0


@contextlib.contextmanager
def _scanned(pointer: Any) -> Iterator[tuple[_Result, bytes]]:
    """The scanner's result and its arena of strings, freed afterwards; :class:`Declined` if it
    left the block to the Python paths."""
    if not pointer:
        raise MemoryError("the native scanner ran out of memory")
    try:
        result = pointer.contents
        if result.status:
            raise Declined(DECLINE_NAMES.get(result.reason, str(result.reason)))
        arena = ctypes.string_at(result.arena, result.arena_len) if result.arena_len else b""
        yield result, arena
    finally:
        _LIB.csv_free(pointer)  # type: ignore[union-attr]


def _block_result(spec: BlockSpec, result: _Result, fields: dict[str, FieldPart],
                  errors: list[tuple]) -> BlockResult:
    counts: dict[str, int] = {}
    for error in errors:
        counts[error[2]] = counts.get(error[2], 0) + 1
    return BlockResult(spec.start, result.n_lines, result.rows_total, result.rows_valid, errors,
                       counts, [], (result.blank, result.first_blank), (0, -1), fields,
                       native=True)


def _rejected_lines(data: bytes | memoryview, result: _Result) -> list[tuple]:
    """The errors of the lines the scanner did not take, as the strict reader words them.

    Each is read with msgspec, as :func:`trainlab.datasets.read_jsonl._jsonl_slow` reads every
    line: malformed JSON, NaN, two objects on a line, a value that is not an object. A line
    that is a good record after all (a nested object, a repeated key, ...) sends the whole
    block to the Python paths.
    """
    from trainlab.datasets.json_errors import json_error, line_problem
    from trainlab.datasets.read_jsonl import kind_name

    n = result.n_ragged
    if not n:
        return []
    raw = bytes(data)
    lines = _array(result.ragged_line, n, np.int64).tolist()
    starts = _array(result.ragged_actual, n, np.int64).tolist()
    errors = []
    for line, start in zip(lines, starts):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        text = raw[start:end - 1] if end > start and raw[end - 1] == 13 else raw[start:end]
        if not text.strip():
            raise Declined("blank_line")  # blank to the strict reader, which the scanner is not
        problem = line_problem(text)  # a NUL byte, or too deep to decode
        if problem is not None:
            errors.append((line, None, *problem))
            continue
        try:
            value = _DECODE(text)
        except (msgspec.DecodeError, UnicodeDecodeError):  # which one varies by release
            errors.append((line, None, *json_error(text)))
            continue
        if isinstance(value, dict):
            raise Declined("shape")
        errors.append((line, None, "not_an_object", {"kind": kind_name(value)}))
    return errors


def _array(address: int, n: int, dtype: type) -> np.ndarray:
    """A copy of the n values of ``dtype`` the scanner left at ``address``."""
    if not n:
        return np.empty(0, dtype)
    size = np.dtype(dtype).itemsize
    return np.frombuffer(ctypes.string_at(address, n * size), dtype)


def _partial(col: _Column, arena: bytes) -> FieldPart:
    part = FieldPart(col.count)
    if col.count == 0:
        return part
    kind = col.kind
    part.kinds = {KIND_NAMES[kind]: col.count}
    if kind in (INTEGER, NUMBER):
        part.num = NumStats(col.num_n, col.num_min, col.num_max, col.num_mean, col.num_m2, 0)
    elif kind == STRING:
        part.lengths = LenStats(col.len_n, col.len_min, col.len_max, col.len_sum)
        part.empty = col.empty
    elif kind == LIST:
        part.list_lengths = LenStats(col.len_n, col.len_min, col.len_max, col.len_sum)
        return part
    if col.mode in (M_VALUES, M_TOP):
        n = col.n_entries
        counts = _array(col.e_count, n, np.int64).tolist()
        if kind == STRING:
            offsets = _array(col.e_off, n, np.int64).tolist()
            lengths = _array(col.e_len, n, np.int64).tolist()
            values: list = [arena[o:o + m].decode("utf-8") for o, m in zip(offsets, lengths)]
        elif kind == NUMBER:
            values = _array(col.e_float, n, np.float64).tolist()
        elif kind == BOOLEAN:
            values = [bool(v) for v in _array(col.e_int, n, np.int64).tolist()]
        else:
            values = _array(col.e_int, n, np.int64).tolist()
        if col.mode == M_VALUES:
            part.values = dict(zip(values, counts))
        else:
            part.top = list(zip(values, counts))
    if col.mode in (M_TOP, M_SKETCH):
        part.sketch = _array(col.sketch, col.n_sketch, np.uint32)
    return part


def classify(value: str) -> tuple[str, Any]:
    """How the scanner reads one CSV value: ``('integer', 5)``, ``('unsure', None)``, ..."""
    assert _LIB is not None
    raw = value.encode("utf-8")
    ival, fval = ctypes.c_int64(0), ctypes.c_double(0.0)
    code = _LIB.csv_classify(raw, len(raw), ctypes.byref(ival), ctypes.byref(fval))
    name = KIND_NAMES[code]
    return name, {"integer": ival.value, "number": fval.value,
                  "boolean": bool(ival.value)}.get(name)


def string_hash(value: str) -> int:
    """The 64-bit hash of ``value``'s UTF-8 bytes (as ``sketch._string_hashes``)."""
    assert _LIB is not None
    raw = value.encode("utf-8")
    return int(_LIB.poly_hash(raw, len(raw)))


def utf8_first_invalid(data: bytes, fast: int = 1) -> int:
    """-1 if ``data`` is valid UTF-8. Else the offset of the first bad byte (``fast=0``), or
    just some offset >= 0 (the vector checks the scan uses: ``fast=1`` 16 bytes at a time with
    SSSE3, ``fast=2`` 32 at a time with AVX2 where the processor has it)."""
    assert _LIB is not None
    return int(_LIB.csv_utf8_check(data, len(data), int(fast)))
