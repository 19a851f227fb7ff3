from __future__ import annotations

import io
import json

import pytest

from tests.conftest import jsonl, workspace_files
from trainlab.errors import DatasetError, NotFoundError


def codes(report: dict) -> list[tuple[int, str]]:
    return [(e["line"], e["code"]) for e in report["errors"]]


# -- whole-file rejections: clear error, nothing kept --------------------------------------
@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.csv", b"", "empty_file"),
    ("bin.jsonl", b'{"a":1}\n\x00\x01\x02garbage', "binary_file"),
    ("latin.csv", "name,città\nPaolo,Perù\n".encode("latin-1"), "not_utf8"),
    ("utf16.csv", "a,b\n1,2\n".encode("utf-16"), "not_utf8"),
    ("scalar.json", b"42", "json_not_array"),
    ("object.json", b'{"a": 1}', "json_not_array"),
    ("noheader.csv", b"1,2,3\n4,5,6\n", "csv_no_header"),
    ("data.xlsx", b"PK\x03\x04", "unsupported_format"),
    ("data.parquet", b"PAR1", "parquet_bad_footer"),
    ("only_header.csv", b"a,b\n", "no_records"),
    ("empty_array.json", b"[ ]", "no_records"),
    ("blank.jsonl", b"\n\n  \n", "no_records"),
])
def test_rejected_files_leave_nothing(ws, write, name, content, code) -> None:
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(write(name, content))
    assert info.value.code == code
    assert name.split(".")[0] in str(info.value) or code == "unsupported_format"
    assert workspace_files(ws) == [] and ws.datasets.list() == []


def test_size_limit_enforced_while_streaming(ws) -> None:
    class Endless(io.RawIOBase):
        def __init__(self) -> None:
            self.sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            self.sent += len(buffer)
            buffer[:] = b"a" * len(buffer)
            return len(buffer)

    source = Endless()
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(io.BufferedReader(source), name="big.csv", max_bytes=5_000_000)
    assert info.value.code == "too_large" and info.value.status == 413
    assert source.sent < 8_000_000  # stopped near the limit, not at the end of the stream
    assert workspace_files(ws) == []


def test_binary_refused_before_copying_the_rest(ws) -> None:
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

    source = Counting(b"\x00\x01" * 5_000_000)
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(source, name="model.jsonl")
    assert info.value.code == "binary_file" and Counting.read_bytes <= 2 * 1024 * 1024
    assert workspace_files(ws) == []


def test_unknown_source_and_id(ws) -> None:
    with pytest.raises(DatasetError) as info:
        ws.datasets.add("/nope/missing.csv")
    assert info.value.code == "source_not_found"
    with pytest.raises(NotFoundError):
        ws.datasets.get("ds_00000000000000000000000000")
    with pytest.raises(NotFoundError):
        ws.datasets.delete("ds_00000000000000000000000000")


# -- a valid file: metadata, list, get, delete ---------------------------------------------
def test_add_list_get_delete(ws, write) -> None:
    path = write("iris.csv", "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n")
    ds = ws.datasets.add(path)
    assert ds.id.startswith("ds_") and ds.name == "iris.csv" and ds.format == "csv"
    assert (ds.status, ds.rows, ds.size_bytes) == ("valid", 2, path.stat().st_size)
    import hashlib

    assert ds.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ds.path.read_bytes() == path.read_bytes()
    assert ds.schema == {"sepal": "number", "petal": "number", "species": "string"}
    assert [d.id for d in ws.datasets.list()] == [ds.id]
    assert ws.datasets.get(ds.id) == ds
    assert ds.report["ok"] and ds.report["errors"] == []
    ws.datasets.delete(ds.id)
    assert ws.datasets.list() == [] and not ds.directory.exists()


def test_file_object_source(ws) -> None:
    ds = ws.datasets.add(io.BytesIO(jsonl([{"a": 1}, {"a": 2}]).encode()), name="x.jsonl")
    assert ds.rows == 2 and ds.format == "jsonl"


# -- bad rows: kept as invalid, each bad line named ------------------------------------------
def test_jsonl_bad_rows_named_by_line(ws, write) -> None:
    lines = [
        '{"a": 1, "b": "x"}',
        '{"a": 2, "b": "y",}',  # trailing comma
        '{"a": 3, "b": "z"}{"a": 4}',  # two objects on one line
        '{"a": NaN, "b": "w"}',
        '[1, 2]',
        '{"a": 5, "b": "\xff"}',  # placeholder, replaced by an invalid byte below
        '{"a": 6, "b": "v"}',
    ]
    raw = ("\n".join(lines) + "\n").encode().replace("\xff".encode(), b"\xff")
    ds = ws.datasets.add(write("rows.jsonl", raw))
    report = ds.report
    assert ds.status == "invalid" and report["rows_total"] == 7 and report["rows_valid"] == 2
    assert codes(report) == [(2, "invalid_json"), (3, "trailing_data"), (4, "non_finite_number"),
                             (5, "not_an_object"), (6, "invalid_utf8")]
    assert report["errors"][0]["params"]["column"] == 19
    assert "Line 2, column 19" in report["errors"][0]["message"]
    assert report["error_counts"] == {"invalid_json": 1, "trailing_data": 1,
                                      "non_finite_number": 1, "not_an_object": 1,
                                      "invalid_utf8": 1}
    assert list(ds.preview().index) == [1, 7]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("where", ["top", "list", "object"])
def test_non_finite_numbers_found_anywhere(ws, write, value, where) -> None:
    bad = {"top": f'{{"x": {value}, "y": [1.5], "z": {{"k": 1.5}}}}',
           "list": f'{{"x": 1.5, "y": [1.5, {value}], "z": {{"k": 1.5}}}}',
           "object": f'{{"x": 1.5, "y": [1.5], "z": {{"k": {value}}}}}'}[where]
    good = '{"x": 2.5, "y": [1.5], "z": {"k": 2.5}, "t": "NaN is fine in a string"}'
    ds = ws.datasets.add(write("n.jsonl", f"{good}\n{bad}\n{good}\n"))
    assert codes(ds.report) == [(2, "non_finite_number")]


def test_line_of_several_megabytes(ws, write) -> None:
    big = json.dumps({"a": 1, "t": "x" * 3_000_000})
    ds = ws.datasets.add(write("big.jsonl", jsonl([{"a": 0}]) + big + "\n" + jsonl([{"a": 2}])))
    assert codes(ds.report) == [(2, "line_too_long")]
    assert any(w["code"] == "long_lines" for w in ds.report["warnings"])


def test_csv_bad_rows(ws, write) -> None:
    text = (
        "id,text,label\n"              # 1
        "1,hello,a\n"                  # 2
        "2,short\n"                    # 3 ragged
        '3,"multi\nline text",b\n'     # 4-5 a quoted newline is fine
        '4,"bad "quote" here",a\n'     # 6 misplaced quote
        "5,too,many,fields\n"          # 7 ragged
        "6,ok,b\n"                     # 8
        '7,"never closed,a\n'          # 9 unbalanced quote swallows the rest
        "8,after,b\n"
    )
    ds = ws.datasets.add(write("bad.csv", text))
    report = ds.report
    assert ds.status == "invalid"
    assert codes(report)[:4] == [(3, "ragged_row"), (6, "bad_quote"), (7, "ragged_row"),
                                 (9, "bad_quote")]
    assert list(ds.preview().index) == [2, 4, 8]
    assert ds.preview()["text"].tolist() == ["hello", "multi\nline text", "ok"]


def test_csv_fast_path_catches_misplaced_quote(ws, write) -> None:
    rows = "".join(f"{i},word{i},{i % 3}\n" for i in range(200))
    ds = ws.datasets.add(write("q.csv", "a,b,c\n" + rows + '7,"x"y,1\n' + rows))
    assert codes(ds.report) == [(202, "bad_quote")]
    assert ds.rows == 400


@pytest.mark.parametrize(("delimiter", "bom", "newline"), [
    (",", False, "\n"), (";", True, "\r\n"), ("\t", False, "\n")])
def test_csv_dialects(ws, write, delimiter, bom, newline) -> None:
    rows = [["name", "score", "city"], ["Ali", "3.5", "تهران"], ["Bo", "4", "Oslo, NO"]]
    body = newline.join(
        delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in r) for r in rows)
    data = (b"\xef\xbb\xbf" if bom else b"") + (body + newline).encode()
    ds = ws.datasets.add(write("d.csv", data))
    assert ds.status == "valid" and ds.rows == 2
    assert ds.schema == {"name": "string", "score": "number", "city": "string"}
    frame = ds.preview()
    assert frame["city"].tolist() == ["تهران", "Oslo, NO"] and frame.index.tolist() == [2, 3]


def test_csv_header_fixes_are_warned(ws, write) -> None:
    ds = ws.datasets.add(write("h.csv", "a,a,\n1,2,3\n4,5,6\n"))
    assert list(ds.schema) == ["a", "a.1", "column_3"]
    warned = {w["code"] for w in ds.report["warnings"]}
    assert {"duplicate_column", "empty_column_name"} <= warned


def test_json_array_pretty_printed(ws, write) -> None:
    records = [{"id": i, "text": f"line {i}", "tags": ["a", "b"], "meta": {"k": i}}
               for i in range(5)]
    ds = ws.datasets.add(write("a.json", json.dumps(records, indent=2)))
    assert ds.status == "valid" and ds.rows == 5
    assert ds.schema == {"id": "integer", "text": "string", "tags": "list", "meta": "object"}
    frame = ds.preview(3, 10)
    assert frame["id"].tolist() == [3, 4]
    text = json.dumps(records, indent=2).splitlines()
    starts = [i + 1 for i, line in enumerate(text) if line == "  {"]
    assert frame.index.tolist() == starts[3:]


def test_json_array_bad_element_and_broken_tail(ws, write) -> None:
    text = '[\n{"a": 1},\n{"a": 2,},\n7,\n{"a": 4}\n{"a": 5}\n]'
    ds = ws.datasets.add(write("b.json", text))
    assert codes(ds.report) == [(3, "invalid_json"), (4, "not_an_object"), (5, "invalid_json")]
    assert "comma is missing" in ds.report["errors"][2]["message"]
    assert ds.rows == 1
    ds = ws.datasets.add(write("c.json", '[{"a": 1},\n {"a": 2},\n {"a": "x'))
    assert codes(ds.report) == [(3, "json_structure")] and ds.rows == 2
    ds = ws.datasets.add(write("d.json", '[{"a": 1}, {"a": 2}] trailing'))
    assert codes(ds.report) == [(1, "json_structure")] and ds.rows == 2


def test_duplicate_keys_and_mixed_types_warn(ws, write) -> None:
    records = '{"a": 1, "a": 2, "b": "x"}\n{"a": "three", "b": "y"}\n{"a": 4, "b": null}\n'
    ds = ws.datasets.add(write("w.jsonl", records))
    assert ds.status == "valid"
    warnings = {(w["code"], w.get("line")) for w in ds.report["warnings"]}
    assert ("duplicate_key", 1) in warnings
    assert any(code == "mixed_types" for code, _ in warnings)
    assert ds.profile()["fields"]["a"]["kinds"] == {"integer": 2, "string": 1}
    assert ds.schema["a"] == "integer"


def test_persian_messages(ws, write, monkeypatch) -> None:
    ds = ws.datasets.add(write("p.jsonl", '{"a": 1}\n{"a": \n'))
    monkeypatch.setenv("TRAINLAB_LANG", "fa")
    message = ds.report["errors"][0]["message"]
    assert "سطر 2" in message
    assert "Line 2" in ds.report_in("en")["errors"][0]["message"]
    with pytest.raises(DatasetError) as info:
        ws.datasets.add(write("x.txt", "hello"))
    assert "پشتیبانی" in str(info.value) and "supported" in info.value.message("en")


def test_csv_blocks_never_split_a_quoted_field(ws, write, monkeypatch) -> None:
    import csv as csv_module

    from trainlab.datasets import plan

    monkeypatch.setattr(plan, "BLOCK_BYTES", 256)
    monkeypatch.setattr(plan, "MAX_BLOCK_BYTES", 4096)
    buffer = io.StringIO()
    writer = csv_module.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "note"])
    for i in range(400):
        note = f'line one {i}\nline "two", {i}' if i % 3 == 0 else f"plain {i}"
        writer.writerow([i, note])
    ds = ws.datasets.add(write("quoted.csv", buffer.getvalue()))
    assert ds.status == "valid" and ds.rows == 400 and len(ds.index) > 20
    frame = ds.preview(0, 400)
    assert frame["note"].tolist()[:4] == ['line one 0\nline "two", 0', "plain 1", "plain 2",
                                          'line one 3\nline "two", 3']
    assert frame.index.tolist()[:4] == [2, 4, 5, 6]  # each quoted note spans two lines


def test_inch_marks_in_unquoted_fields_are_text(ws, write) -> None:
    rows = "".join(f'{i},monitor {i % 30}" wide,{i % 5}\n' for i in range(3000))
    ds = ws.datasets.add(write("inches.csv", "id,desc,k\n" + rows + '9,"x"y,1\n'))
    assert ds.rows == 3000 and codes(ds.report) == [(3002, "bad_quote")]
    assert ds.preview(0, 1)["desc"].tolist() == ['monitor 0" wide']


def test_csv_header_wider_than_the_head(ws, write) -> None:
    names = [f"feature_with_a_long_name_{i}" for i in range(4000)]  # ~120 KB of header
    rows = "".join(",".join(str(i + j) for j in range(4000)) + "\n" for i in range(3))
    ds = ws.datasets.add(write("wide.csv", ",".join(names) + "\n" + rows))
    assert ds.status == "valid" and ds.rows == 3 and list(ds.schema) == names
    assert ds.preview(2, 1)[names[-1]].tolist() == [2 + 3999]


@pytest.mark.parametrize("positioned", [True, False])
def test_copy_by_hand_with_or_without_pread(ws, write, monkeypatch, positioned) -> None:
    """No copy_file_range (not Linux), and no pread/pwrite either (Windows): same dataset."""
    import os

    from trainlab.datasets import copying

    monkeypatch.setattr(copying, "_KERNEL_COPY", False)
    if not positioned:
        monkeypatch.delattr(os, "pread")
        monkeypatch.delattr(os, "pwrite")
    rows = "".join(f"{i},{i * 2},{'x' * (i % 50)}\n" for i in range(20_000))
    path = write("h.csv", "a,b,c\n" + rows)
    ds = ws.datasets.add(path)
    assert ds.rows == 20_000 and ds.path.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(("code", "kept"), [("ENOSPC", False), ("EXDEV", True)])
def test_kernel_copy_failures(ws, write, monkeypatch, code, kept) -> None:
    """A full disk fails the add (nothing left behind) and the next add still copies in the
    kernel; a copy the kernel cannot do between these file systems is done by hand."""
    import errno
    import os

    from trainlab.datasets import copying

    def refuse(*args):
        raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)))

    monkeypatch.setattr(copying, "_KERNEL_COPY", True)
    monkeypatch.setattr(copying.os, "copy_file_range", refuse)
    path = write("k.csv", "a,b\n1,2\n3,4\n")
    if kept:
        assert ws.datasets.add(path).rows == 2
        assert copying._KERNEL_COPY is False
    else:
        with pytest.raises(OSError) as info:
            ws.datasets.add(path)
        assert info.value.errno == errno.ENOSPC
        assert workspace_files(ws) == [] and ws.datasets.list() == []
        assert copying._KERNEL_COPY is True
