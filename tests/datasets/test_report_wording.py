"""Issue 18, item 8: the validation report's counts read right ("1 field", "2 fields"), and a
value that breaks its column's type is located by its lines, on the native and Python paths."""

from __future__ import annotations

import pytest

from trainlab import i18n


def ages_csv(path, bad_lines=(26,), rows=40):
    lines = ["name,age,score"]
    for i in range(2, rows + 2):  # line i of the file
        lines.append(f"p{i},{'not_a_number' if i in bad_lines else i},{i}.5")
    path.write_text("\n".join(lines) + "\n")
    return path


def warning(ds, code):
    found = [w for w in ds.report["warnings"] if w["code"] == code]
    assert found, ds.report["warnings"]
    return found[0]


def test_a_value_breaking_an_integer_column_is_located(ws, tmp_path, paths):
    ds = ws.datasets.add(ages_csv(tmp_path / "people.csv"))
    assert ds.schema["age"] == "integer"
    entry = warning(ds, "mixed_types")
    assert entry["line"] == 26 and entry["field"] == "age"
    assert entry["message"] == ("Field 'age' is integer, but 1 value is not (39 integer, "
                                "1 string): line 26.")
    persian = ds.report_in("fa")["warnings"]
    text = next(w["message"] for w in persian if w["code"] == "mixed_types")
    assert "سطر 26" in text and "عدد صحیح" in text and "integer" not in text


def test_many_breaking_values_name_the_first_few_and_count_them(ws, tmp_path, paths):
    bad = (5, 9, 12, 20, 21, 30, 33)
    ds = ws.datasets.add(ages_csv(tmp_path / "many.csv", bad_lines=bad))
    entry = warning(ds, "mixed_types")
    assert "7 values are not" in entry["message"]
    assert entry["message"].endswith("lines 5, 9, 12, 20, 21 ….")


def test_json_lines_values_of_other_kinds_are_located(ws, tmp_path, paths):
    rows = [f'{{"age": {i}}}' for i in range(30)]
    rows[24], rows[26] = '{"age": "x"}', '{"age": true}'
    path = tmp_path / "ages.jsonl"
    path.write_text("\n".join(rows) + "\n")
    entry = warning(ws.datasets.add(path), "mixed_types")
    assert entry["line"] == 25 and entry["message"].endswith("lines 25, 27.")


def test_lines_follow_the_scans_own_rules_for_kinds(ws, tmp_path, paths):
    """The lines named are the values the scan counted as another kind: in a CSV, "inf" is a
    number and " 7 " too (the scan's number grammar, semantics.FLOAT_PATTERN)."""
    csv = ["id,age"] + [f"r{i},{i}.5" for i in range(2, 42)]
    csv[9], csv[19], csv[29] = "r9,inf", "r19, 7 ", "r29,twelve"  # file lines 10, 20, 30
    (tmp_path / "ages.csv").write_text("\n".join(csv) + "\n")
    entry = warning(ws.datasets.add(tmp_path / "ages.csv"), "mixed_types")
    assert "1 value is not" in entry["message"] and entry["message"].endswith("line 30.")


@pytest.mark.parametrize(("count", "text"), [(1, "Line 3: 1 field,"), (2, "Line 3: 2 fields,"),
                                             (1200, "Line 3: 1,200 fields,")])
def test_counts_are_plural_aware(count, text):
    assert i18n.render("ragged_row", {"line": 3, "actual": count, "expected": 3}, "en") \
        .startswith(text)


def test_no_count_message_says_one_of_a_plural():
    import re
    import string

    plural = re.compile(r"(?<![\w+\-])1 (fields|rows|values|strings|lines|records|bytes|levels|"
                        r"columns)\b")
    one = {"count": 1, "actual": 1, "rows": 1, "size": 1, "limit": 1, "expected": 1}
    for code, templates in i18n.MESSAGES.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(templates["en"]) if f}
        text = i18n.render(code, {f: one.get(f, "x") for f in fields}, "en")
        assert not plural.search(text), (code, text)


def test_a_ragged_csv_row_reads_in_the_singular(ws, tmp_path, paths):
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2,3\n4\n5,6,7\n")
    ds = ws.datasets.add(path)
    assert any(e["message"] == "Line 3: 1 field, but the header has 3." for e in ds.report["errors"])
