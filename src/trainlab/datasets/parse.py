"""Parsing one block of a file into an Arrow table of its valid records, exactly.

A *block* is a byte range of the file that starts and ends on a record boundary. Each block
is parsed on its own (so blocks can go to several processes) into:

- ``table``: the valid records, one Arrow column per field;
- ``lines``: the block-relative line index (0-based) of each valid record;
- ``errors``: one entry per invalid record, with its block-relative line;
- counts of blank and long lines.

Two paths, one answer. The fast path hands the whole block to Arrow's C++ readers and keeps
the result only when cheap checks prove it is what a strict line-by-line reader would say:
every line one record, no blank lines, no NaN/Infinity, valid UTF-8, no misplaced quotes.
Otherwise the slow path reads the block line by line (msgspec for JSON, the strict ``csv``
module for CSV), so every error is named by its exact line, whatever the error rate. (A CSV
block usually never gets here: the native scanner, :mod:`.native`, reads and summarises it in
one C pass, and hands over only the blocks it declines.)
"""

from __future__ import annotations

from trainlab.datasets.block import BlockSpec, Limits, Parsed
from trainlab.datasets.read_csv import parse_csv
from trainlab.datasets.read_jsonl import parse_jsonl

__all__ = ["BlockSpec", "Limits", "Parsed", "parse_block"]


def parse_block(spec: BlockSpec) -> Parsed:
    data = spec.read()
    if spec.fmt == "csv":
        return parse_csv(data, spec)
    return parse_jsonl(data, spec)
