"""Merging the per-block results, in file order, into the report, profile and index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainlab.datasets.jsonarray import StructureError
from trainlab.datasets.parse import BlockSpec, Limits
from trainlab.datasets.result import BlockResult
from trainlab.datasets.stats import FieldAcc, field_profile

MAX_ERRORS = 1000
MAX_WARNINGS = 200


@dataclass
class ScanResult:
    report: dict[str, Any]
    profile: dict[str, Any]
    schema: dict[str, str]
    index: list[dict[str, int]]  # one entry per block: where it is and how many rows precede it
    fatal: StructureError | None = None


class Merger:
    def __init__(self, fmt: str, first_line: int) -> None:
        self.fmt = fmt
        self.line = first_line  # 0-based line where the next block starts
        self.rows_total = self.rows_valid = 0
        self.errors: list[dict[str, Any]] = []
        self.error_counts: dict[str, int] = {}
        self.warnings: list[dict[str, Any]] = []
        self.fields: dict[str, FieldAcc] = {}
        self.blank = [0, -1]
        self.long = [0, -1]
        self.index: list[dict[str, int]] = []
        self.many_values: set[str] = set()  # fields whose blocks send sketches, not values

    def columns(self, names: list[str]) -> None:
        for name in names:
            self.fields.setdefault(name, FieldAcc())

    def add(self, spec: BlockSpec, result: BlockResult) -> None:
        offset = 0 if result.mapped else self.line
        first = spec.line_map[0] if spec.line_map else offset
        self.index.append({"start": spec.start, "end": spec.end, "line": first,
                           "rows_before": self.rows_valid, "rows": result.rows_valid})
        for line, field_name, code, params in result.errors:
            if len(self.errors) < MAX_ERRORS:
                entry = {"line": line + offset + 1, "code": code, "params": params}
                if field_name is not None:
                    entry["field"] = field_name
                if "end_line" in params:
                    params["end_line"] = params["end_line"] + offset + 1
                self.errors.append(entry)
        for code, n in result.error_counts.items():
            self.error_counts[code] = self.error_counts.get(code, 0) + n
        for line, code, params in result.warnings:
            if len(self.warnings) < MAX_WARNINGS:
                self.warnings.append({"code": code, "line": line + offset + 1, "params": params})
        for acc, (count, first) in ((self.blank, result.blank), (self.long, result.long)):
            if count:
                if acc[1] < 0:
                    acc[1] = first + offset
                acc[0] += count
        for name, part in result.fields.items():
            self.fields.setdefault(name, FieldAcc()).add(part)
            if part.values is None and part.count:
                self.many_values.add(name)
        self.rows_total += result.rows_total
        self.rows_valid += result.rows_valid
        self.line += result.n_lines

    def finish(self, size: int, fatal: StructureError | None,
               header_warnings: list[tuple[str, dict]]) -> ScanResult:
        warnings: list[dict[str, Any]] = [{"code": c, "params": p} for c, p in header_warnings]
        if fatal is not None:
            self.errors.append({"line": fatal.line + 1, "code": "json_structure",
                                "params": {"column": fatal.column, "detail": fatal.detail}})
            self.error_counts["json_structure"] = self.error_counts.get("json_structure", 0) + 1
            self.rows_total += 1
        rows = self.rows_valid
        profile_fields: dict[str, Any] = {}
        schema: dict[str, str] = {}
        for name, acc in self.fields.items():
            info = field_profile(acc, rows)
            profile_fields[name] = info
            schema[name] = info["type"]
            if acc.values is not None and len(acc.values) <= 1000:
                info["_values"] = [[v, n] for v, n in acc.values.items()]
            warnings.extend(_field_warnings(name, info, rows))
        for (count, first), code in ((self.blank, "blank_lines"), (self.long, "long_lines")):
            if count:
                params = {"count": count, "line": first + 1}
                if code == "long_lines":
                    params["limit"] = Limits().long_line_bytes
                warnings.append({"code": code, "params": params})
        warnings.extend(self.warnings)
        self.errors.sort(key=lambda e: e["line"])
        rows_invalid = self.rows_total - self.rows_valid
        report = {
            "ok": rows_invalid == 0 and not self.errors,
            "rows_total": self.rows_total,
            "rows_valid": self.rows_valid,
            "rows_invalid": rows_invalid,
            "errors": self.errors,
            "errors_truncated": sum(self.error_counts.values()) > len(self.errors),
            "error_counts": self.error_counts,
            "warnings": warnings,
        }
        profile = {"rows": rows, "bytes": size, "fields": profile_fields}
        return ScanResult(report, profile, schema, self.index, fatal)


def _field_warnings(name: str, info: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if info["type"] == "null-only" and rows:
        out.append({"code": "null_only", "field": name, "params": {"field": name}})
    elif info["null_count"]:
        out.append({"code": "missing_values", "field": name,
                    "params": {"field": name, "count": info["null_count"], "rows": rows}})
    if info.get("leading_zeros"):
        out.append({"code": "leading_zeros", "field": name,
                    "params": {"field": name, "count": info["leading_zeros"]}})
    if "kinds" in info and not (info.get("leading_zeros") and
                                set(info["kinds"]) <= {"integer", "number", "string"}):
        ranked = sorted(info["kinds"].items(), key=lambda kv: -kv[1])
        kinds = ", ".join(f"{n} {k}" for k, n in ranked)
        out.append({"code": "mixed_types", "field": name,
                    "params": {"field": name, "kinds": kinds}})
    if info.get("empty_strings"):
        out.append({"code": "empty_strings", "field": name,
                    "params": {"field": name, "count": info["empty_strings"]}})
    if info.get("non_finite"):
        out.append({"code": "non_finite_values", "field": name,
                    "params": {"field": name, "count": info["non_finite"]}})
    return out
