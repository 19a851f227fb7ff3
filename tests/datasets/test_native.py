"""The native CSV scanner (scanner.c) must say exactly what the Python paths say, or decline."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import shutil
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainlab.datasets import blockscan, native, plan, scan, sketch, workers
from trainlab.datasets.semantics import FLOAT_PATTERN, NULL_WORDS
from trainlab.errors import DatasetError

# Skipped only where it cannot be: turned off on purpose (make test-python-paths), or no C
# compiler to build it. A library that failed to build or load where cc exists fails here.
OFF = os.environ.get("TRAINLAB_NATIVE") == "0"
pytestmark = pytest.mark.skipif(OFF or (not native.AVAILABLE and shutil.which("cc") is None),
                                reason="the native scanner is turned off or cannot be built here")
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def test_built_wherever_there_is_a_compiler() -> None:
    """A broken build must not pass silently as 'no compiler here'."""
    assert native.AVAILABLE, f"{native.LIBRARY} did not load, and cc is there to build it"


def test_the_library_asked_for_is_the_one_loaded() -> None:
    """make test-native-asan points TRAINLAB_NATIVE_LIBRARY at the sanitizer build."""
    wanted = os.environ.get("TRAINLAB_NATIVE_LIBRARY")
    assert str(native.LIBRARY) == (wanted or str(Path(native.__file__).with_name("_scanner.so")))


def assert_same(a, b, path: str = "") -> None:
    """Equal, but floats (means, spreads) to 1e-9: C sums in long double, numpy pairwise."""
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            assert_same(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        both_nan = math.isnan(a) and math.isnan(b)  # an overflowing sum, alike
        assert both_nan or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    else:
        assert a == b and type(a) is type(b), (path, a, b)


def both_ways(ws, path, monkeypatch):
    """The dataset (or the refusal's code) with the native scanner, and without it (twice
    without it where it is turned off: make test-python-paths runs these on that path)."""
    out, loaded = [], native.AVAILABLE
    for available in (True, False) if loaded else (False, False):
        monkeypatch.setattr(native, "AVAILABLE", available)
        try:
            out.append(ws.datasets.add(path))
        except DatasetError as exc:
            out.append(exc.code)
    monkeypatch.setattr(native, "AVAILABLE", loaded)
    return out


def assert_datasets_same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b  # refused alike
        return
    assert_same(a.report, b.report)
    assert_same(a.profile(), b.profile())
    assert a.schema == b.schema and a.rows == b.rows and a.status == b.status
    assert a.preview(0, 50).equals(b.preview(0, 50))


# -- values ---------------------------------------------------------------------------------
NUMBERISH = st.text("0123456789.eE+-xX  \tinfINFnatTrRuUeEfFlLsS", min_size=1, max_size=10)


def arrow_reading(value: str) -> tuple[object, object, bool]:
    def cast(target):
        try:
            return pc.cast(pa.array([value]), target)[0].as_py()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    regex = pc.match_substring_regex(pa.array([value]), FLOAT_PATTERN, ignore_case=True)[0].as_py()
    return cast(pa.int64()), cast(pa.float64()), regex


@given(st.one_of(NUMBERISH, st.floats(allow_nan=False).map(repr),
                 st.integers(-(10**20), 10**20).map(str), st.text(max_size=8)))
@settings(max_examples=800, deadline=None)
def test_values_read_as_arrow_and_the_regexes_read_them(value: str) -> None:
    kind, parsed = native.classify(value)
    if value in NULL_WORDS:
        assert kind == "null"
        return
    if kind == "unsure" or not value:
        return  # the block goes to the Python paths
    as_int, as_float, regex = arrow_reading(value)
    if kind == "integer":
        assert (as_int, as_float, regex) == (parsed, float(parsed), True)
    elif kind == "number":
        assert as_int is None and as_float == parsed and regex
        assert math.copysign(1, parsed) == math.copysign(1, as_float)
    elif kind == "boolean":
        assert as_int is None and as_float is None and value.lower() in ("true", "false")
    else:
        assert as_int is None and as_float is None and not regex


def test_unsure_values_are_the_ones_readers_disagree_on() -> None:
    for value in [" 5", "5 ", "+5", "0x1F", "inf", "-Infinity", "NAN", "1e999", "-0", "-0.0",
                  "1234567890123456789"]:
        assert native.classify(value)[0] == "unsure", value
    for value in ["2020-01-02", "3 apples", "12:30", "1/2", "3f9a", "-", ".", "5e"]:
        assert native.classify(value)[0] == "string", value


@given(st.lists(st.text(max_size=30), max_size=40))
def test_string_hashes_match_numpy(values: list[str]) -> None:
    ours = [native.string_hash(v) for v in values]
    theirs = sketch._string_hashes(pa.array(values, pa.string())).tolist()
    assert ours == theirs


@given(st.binary(max_size=80) | st.lists(st.sampled_from(
    [b"a", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80",
     b"\xf4\x90\x80\x80", b"\xc3", b"\xe2\x82", b"\xef\xbf\xbf", b"x" * 17]), max_size=30).map(b"".join))
@settings(max_examples=1000, deadline=None)
def test_utf8_check_matches_python(data: bytes) -> None:
    try:
        data.decode("utf-8")
        first = -1
    except UnicodeDecodeError as exc:
        first = exc.start
    assert native.utf8_first_invalid(data, fast=0) == first
    for level in (1, 2):  # SSSE3, AVX2
        assert (native.utf8_first_invalid(data, fast=level) == -1) == (first == -1)


# -- whole files ----------------------------------------------------------------------------
CELLS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3f}"),
    st.sampled_from(["", "NA", "null", "true", "False", " 7", "+3", "1e5", "inf", "x,y",
                     'say "hi"', "two\nlines", "سلام", "12\" wide", "a\r\nb"]),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"),
            max_size=12),
)


@st.composite
def csv_files(draw) -> bytes:
    n_cols = draw(st.integers(1, 4))
    kinds = [draw(st.sampled_from(["int", "float", "bool", "text", "any"])) for _ in range(n_cols)]
    pools = {"int": st.integers(-50, 50).map(str), "float": st.floats(-9, 9).map(lambda x: f"{x:.2f}"),
             "bool": st.sampled_from(["true", "false", "True"]), "text": st.sampled_from(
                 ["red", "green", "سبز", "a b", "x"]), "any": CELLS}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow([f"c{i}" for i in range(n_cols)])
    for _ in range(draw(st.integers(0, 60))):
        cells = [draw(st.one_of(st.just(""), pools[k])) for k in kinds]
        shape = draw(st.integers(0, 30))
        if shape == 0:
            cells = cells[:-1] or ["", ""]  # ragged
        elif shape == 1:
            cells = [*cells, "extra"]
        writer.writerow(cells)
        if shape == 2:
            out.write("\n")  # a blank line
    text = out.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\n")  # no newline at the end
    return text.encode("utf-8")


@SETTINGS
@given(data=csv_files(), block=st.sampled_from([64, 200, 1 << 22]))
def test_native_and_python_paths_agree(ws, write, monkeypatch, data, block) -> None:
    monkeypatch.setattr(plan, "BLOCK_BYTES", block)
    monkeypatch.setattr(plan, "MAX_BLOCK_BYTES", 4 * block)
    path = write("gen.csv", data)
    a, b = both_ways(ws, path, monkeypatch)
    assert_datasets_same(a, b)


def declined_reasons(monkeypatch) -> list[str]:
    """The reasons the CSV scanner gives for the blocks it declines, as they are scanned."""
    reasons: list[str] = []
    original = native.scan_csv_block

    def spy(data, spec):
        try:
            return original(data, spec)
        except native.Declined as exc:
            reasons.append(exc.reason)
            raise

    monkeypatch.setattr(native, "scan_csv_block", spy)
    return reasons


def test_messy_blocks_are_declined_and_read_the_same(ws, write, monkeypatch) -> None:
    lines = ["id,text,n", "1,plain,1", '2,"ab"c,2', "3,x,3", "4,\xff,4", "5, 5,5", "6,y,+6"]
    path = write("m.csv", "\n".join(lines).encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    reasons = declined_reasons(monkeypatch)
    a, b = both_ways(ws, path, monkeypatch)
    assert reasons == ["utf8"]
    assert_datasets_same(a, b)
    assert [e["code"] for e in a.report["errors"]] == ["bad_quote", "invalid_utf8"]


@pytest.mark.parametrize(("head", "tail", "kind", "declined"), [
    ("7", "2.5", "number", None),    # guessed integers, then a number: read again as numbers
    ("2.5", "7", "number", None),    # numbers and integers: numbers, in the same pass
    ("true", "maybe", "string", None),  # guessed booleans, then a word: read again
    ("true", "1", "string", None),
    ("7", "seven", None, "mixed_kinds"),  # numbers, then text: stats.py counts kinds by regex
    ("7", "+5", None, "unsure_number"),  # a number to Arrow, not to the regexes
    ("", "x", "string", None),       # nulls first
])
def test_a_kind_guessed_from_the_first_values_and_proved_wrong_later(
        ws, write, monkeypatch, head, tail, kind, declined) -> None:
    """The scanner guesses a column's kind from its first 64 values and computes its statistics
    in the same pass; a later value of another kind sends it back over the column."""
    rows = [f"{i},{head}" for i in range(150)] + [f"150,{tail}"] + [f"{i},{head}" for i in
                                                                    range(151, 200)]
    path = write("guess.csv", ("id,v\n" + "\n".join(rows) + "\n").encode())
    reasons = declined_reasons(monkeypatch)
    a, b = both_ways(ws, path, monkeypatch)
    assert reasons == ([declined] if declined else [])
    assert_datasets_same(a, b)
    if kind:
        assert a.profile()["fields"]["v"]["type"] in (kind, "category")


def many_rows(n: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "text", "label", "score", "code", "flag"])
    for i in range(n):
        writer.writerow([i, " ".join(rng.choices(["the", "fox", "سلام", "دنیا", "jumps"], k=6)),
                         rng.choice(["pos", "neg"]), "" if i % 7 == 0 else f"{rng.random():.4f}",
                         f"c{rng.randrange(3000)}", rng.choice(["true", "false"])])
    return out.getvalue().encode("utf-8")


def test_many_blocks_all_native_with_sketches_and_top_values(ws, write, monkeypatch) -> None:
    """Ids and text go to sketches, 3,000 codes to top values: the same profile either way,
    and no block needed the Python paths."""
    monkeypatch.setattr(plan, "BLOCK_BYTES", 1 << 20)
    path = write("big.csv", many_rows(60_000))
    calls: list[int] = []
    original = blockscan.parse_block
    monkeypatch.setattr(blockscan, "parse_block", lambda spec: calls.append(1) or original(spec))
    monkeypatch.setattr(workers, "BlockPool", None)  # threads only: no process is started
    a = ws.datasets.add(path)
    assert calls == [] and len(a.index) >= 4
    monkeypatch.setattr(native, "AVAILABLE", False)
    b = ws.datasets.add(path)
    assert_datasets_same(a, b)
    fields = a.profile()["fields"]
    assert not fields["id"]["distinct_exact"] and abs(fields["id"]["distinct"] - 60_000) < 6000
    assert abs(fields["code"]["distinct"] - 3000) < 300 and not fields["code"]["top_exact"]
    assert fields["label"]["distinct"] == 2 and fields["label"]["distinct_exact"]
    assert fields["score"]["null_count"] == len(range(0, 60_000, 7))


def test_sketch_of_a_block_is_the_k_smallest_distinct_hashes(ws, write) -> None:
    data = many_rows(20_000, seed=3)
    from trainlab.datasets.block import BlockSpec
    from trainlab.datasets.formats import read_csv_layout

    layout = read_csv_layout(data, "x.csv")
    body = data[layout.header_end:]
    spec = BlockSpec("csv", 0, len(body), data=body, columns=layout.columns)
    result = native.scan_csv_block(body, spec)
    ids = pa.array([str(i) for i in range(20_000)]).cast(pa.int64())
    expected = sketch.smallest(sketch.hash_values(ids))
    assert np.array_equal(result.fields["id"].sketch, expected)


# -- JSON Lines -----------------------------------------------------------------------------
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=12),
    st.sampled_from(["سلام", "a\"b", "back\\slash", "\u00e9\U0001f600", "tab\there", ""]),
)
JSON_VALUES = st.one_of(
    JSON_SCALARS,
    st.lists(st.integers(-9, 9) | st.floats(-9, 9), max_size=4),
    st.lists(st.text(max_size=5), max_size=4),
    st.lists(st.booleans() | st.none(), max_size=3),
    st.dictionaries(st.sampled_from(["x", "y"]), st.integers(0, 3), max_size=2),  # declined
)


@st.composite
def jsonl_files(draw) -> bytes:
    keys = draw(st.lists(st.sampled_from(["a", "b", "text", "n", "تگ", "list"]), min_size=1,
                         max_size=4, unique=True))
    kinds = {k: draw(st.sampled_from(["int", "float", "str", "list", "any"])) for k in keys}
    pools = {"int": st.integers(-99, 99), "float": st.floats(-9, 9, allow_nan=False),
             "str": st.sampled_from(["red", "green", "سبز", "", "a\"q"]),
             "list": st.lists(st.sampled_from(["x", "y"]), max_size=3), "any": JSON_VALUES}
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        record = {k: draw(st.one_of(st.none(), pools[kinds[k]])) for k in keys
                  if draw(st.integers(0, 6))}
        text = json.dumps(record, ensure_ascii=draw(st.booleans()))
        shape = draw(st.integers(0, 40))
        if shape == 0:
            text = text[:-1]  # malformed
        elif shape == 1:
            text = ""  # blank
        elif shape == 2:
            text = text + text  # two objects on one line
        elif shape == 3:
            text = text.replace("}", ', "n": NaN}') if len(text) > 2 else text
        lines.append(text)
    return ("\n".join(lines) + draw(st.sampled_from(["", "\n"]))).encode("utf-8")


@SETTINGS
@given(data=jsonl_files(), block=st.sampled_from([64, 300, 1 << 22]))
def test_jsonl_native_and_python_paths_agree(ws, write, monkeypatch, data, block) -> None:
    monkeypatch.setattr(plan, "BLOCK_BYTES", block)
    path = write("gen.jsonl", data)
    a, b = both_ways(ws, path, monkeypatch)
    assert_datasets_same(a, b)


def test_jsonl_common_shapes_are_all_native(ws, write, monkeypatch) -> None:
    rng = random.Random(5)
    lines = []
    for i in range(30_000):
        record = {
            "id": i, "text": " ".join(rng.choices(["the", "fox", "سلام", "دنیا", "a\"b"], k=12)),
            "label": rng.choice(["pos", "neg"]), "score": None if i % 9 == 0 else rng.random(),
            "tags": rng.sample(["x", "y", "z"], 2), "ok": i % 2 == 0, "n": rng.randrange(5000)}
        # \u escapes on even lines, raw UTF-8 on odd ones (json's C encoder, and msgspec's)
        lines.append(json.dumps(record) if i % 2 == 0 else msgspec.json.encode(record).decode())
    path = write("common.jsonl", "\n".join(lines) + "\n")
    monkeypatch.setattr(plan, "BLOCK_BYTES", 1 << 20)
    calls: list[int] = []
    original = blockscan.parse_block
    monkeypatch.setattr(blockscan, "parse_block", lambda spec: calls.append(1) or original(spec))
    a = ws.datasets.add(path, parallel=False)
    assert calls == [] and len(a.index) >= 3
    monkeypatch.setattr(native, "AVAILABLE", False)
    b = ws.datasets.add(path, parallel=False)
    assert_datasets_same(a, b)
    fields = a.profile()["fields"]
    assert fields["tags"]["type"] == "list" and fields["tags"]["list_length"]["max"] == 2
    assert fields["score"]["null_count"] == len(range(0, 30_000, 9))
    assert a.schema["text"] == "text" and a.schema["label"] == "category"


@pytest.mark.parametrize("line", [
    '{"a": {"b": 1}}', '{"a": [[1]]}', '{"a": 1, "a": 2}', '{"a": -0}', '{"a\\u0041": 1}',
    '{"a": [1, "x"]}', '{"a": 12345678901234567890}', "\x0c",
])
def test_jsonl_records_of_other_shapes_go_to_python(line: str) -> None:
    from trainlab.datasets.block import BlockSpec

    data = ('{"a": 1}\n' + line + "\n").encode()
    with pytest.raises(native.Declined):
        native.scan_jsonl_block(data, BlockSpec("jsonl", 0, len(data), data=data))


@pytest.mark.parametrize(("line", "code"), [
    ('{"a": NaN}', "non_finite_number"), ('{"a": 1}{"a": 2}', "trailing_data"),
    ("[1]", "not_an_object"), ('{"a": 1,}', "invalid_json"), ('{"a": tru}', "invalid_json"),
])
def test_jsonl_bad_lines_are_named_without_leaving_the_scanner(line: str, code: str) -> None:
    """Errors are found in C and worded by msgspec, line by line; the block stays native."""
    from trainlab.datasets.block import BlockSpec

    data = ('{"a": 1}\n' + line + '\n{"a": 2.5}\n').encode()
    result = native.scan_jsonl_block(data, BlockSpec("jsonl", 0, len(data), data=data))
    assert [(e[0], e[2]) for e in result.errors] == [(1, code)]
    assert (result.rows_total, result.rows_valid) == (3, 2)
    assert result.fields["a"].kinds == {"number": 2}


def test_blocks_mostly_with_errors_move_from_threads_to_processes(ws, write, monkeypatch) -> None:
    """Blocks the scanner takes stay in threads, bad lines and all; when most blocks go to the
    strict readers (here: nested objects, and bad lines), which hold the GIL, the rest of the
    file goes to worker processes, with the same report."""
    monkeypatch.setattr(plan, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 0)
    started: list[int] = []
    original = workers.BlockPool.__init__
    monkeypatch.setattr(workers.BlockPool, "__init__",
                        lambda self, n: started.append(n) or original(self, n))
    flat = "".join(("{oops\n" if i % 50 == 7 else json.dumps({"i": i}) + "\n") for i in range(20_000))
    a = ws.datasets.add(write("flat.jsonl", flat))
    assert started == [] and a.report["error_counts"] == {"invalid_json": 400}
    nested = "".join(("{oops\n" if i % 50 == 7 else json.dumps({"i": i, "o": {"x": 1}}) + "\n")
                     for i in range(20_000))
    b = ws.datasets.add(write("nested.jsonl", nested))
    assert started and b.report["error_counts"] == {"invalid_json": 400}
    assert [e["line"] for e in b.report["errors"][:2]] == [8, 58]


def test_a_source_that_shrinks_while_copied_is_stored_as_read(ws, write, monkeypatch) -> None:
    """The copy of a file given by path is made by the kernel into a mapped file; if the
    source ends early, what was read is what is stored, hashed and scanned."""
    import hashlib

    from trainlab.datasets import copying

    monkeypatch.setattr(copying, "MAPPED_CHUNK", 1 << 16)
    path = write("grow.csv", many_rows(20_000))
    original = copying._copy_range
    copied: list[int] = []

    def short(source, target, source_at, target_at, count):
        if sum(copied) >= 1 << 18:
            return 0  # as if the file had been truncated here
        copied.append(original(source, target, source_at, target_at, count))
        return copied[-1]

    monkeypatch.setattr(copying, "_copy_range", short)
    ds = ws.datasets.add(path)
    stored = ds.path.read_bytes()
    assert len(stored) == ds.size_bytes == 1 << 18
    assert hashlib.sha256(stored).hexdigest() == ds.sha256
    assert stored == path.read_bytes()[: 1 << 18]
