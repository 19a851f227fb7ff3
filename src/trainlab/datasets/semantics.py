"""The rules of ingest, defined once: which words are null or boolean, what reads as a number,
and the limits and codes the native scanner (``scanner.c``) and the Python paths share.

``scanner.c`` includes ``scanner_semantics.h``, which :func:`write_header` writes from this
module (the build runs it before compiling, see ``hatch_build.py``; after editing this file
run ``python -m trainlab.datasets.semantics``). The library says which ABI and which rules it
was built with (``scanner_abi()``, ``scanner_rules()``); :mod:`.native` declines a library
built from other ones.

The number grammar is the regexes below; the scanner's hand-written parser is held to them
(and to Arrow's casts) by the differential tests. This module imports only the standard
library: ``hatch_build.py`` loads it by path, before trainlab is installed.
"""

from __future__ import annotations

import zlib
from pathlib import Path

#: Bump when ``scanner.c``'s structs or the signatures of its exported calls change.
SCANNER_ABI = 1

# -- values -----------------------------------------------------------------------------------
#: CSV values read as null (Arrow's ``null_values``, the strict reader, the scanner).
NULL_WORDS = ("", "NA", "N/A", "NULL", "null", "None", "NaN", "nan")
#: CSV values read as booleans.
TRUE_WORDS = ("true", "True", "TRUE")
FALSE_WORDS = ("false", "False", "FALSE")
BOOL_WORDS = TRUE_WORDS + FALSE_WORDS
#: A plain decimal number, as a header cell or a regression target is checked.
DECIMAL_PATTERN = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
#: A CSV value that counts as an integer / as a number in a column of mixed kinds (the
#: second is matched ignoring case).
INT_PATTERN = r"^\s*[-+]?\d+\s*$"
FLOAT_PATTERN = DECIMAL_PATTERN + r"|^\s*[-+]?(inf|infinity)\s*$"
#: A CSV value with a leading zero followed by a digit (``08123``, ``002``, ``-01``, ``00.5``;
#: not ``0``, ``0.5`` or ``0e5``) is an identifier, not a number: it reads as text, and a
#: column holding one is text (``stats.field_type``), warned as ``leading_zeros``. The scanner
#: tests it with ``leading_zero()`` in the header, written from the same characters.
ZERO_SIGNS = "-+"
ZERO_SPACES = " \t\n\f\r"  # what RE2's \s matches
LEADING_ZERO_PATTERN = r"^\s*[-+]?0[0-9]"

# -- records ------------------------------------------------------------------------------------
#: The deepest a JSON record may nest (the record's own braces are level 1): a deeper line is a
#: ``too_deep`` bad line, on every path, before any recursive reader or walk meets it.
MAX_DEPTH = 64

# -- per-block statistics ---------------------------------------------------------------------
SKETCH_K = 1024  # hashes kept by a K-minimum-values sketch
BLOCK_VALUES = 2_000  # a block with more distinct values than this sends a sketch instead
BLOCK_TOP = 100  # ... and its most frequent values
TYPE_SAMPLE = 64  # a CSV column's first values, which say whether it holds numbers at all
SAMPLE = 1000  # a large block's first values, counted to see whether it is mostly distinct
SAMPLE_DISTINCT = 900  # of SAMPLE values: the block surely holds over BLOCK_VALUES distinct
SAMPLE_MIN_COUNT = 4 * BLOCK_VALUES  # a block with fewer values is always counted exactly
HASH_P = 0x100000001B3  # the string hash's multiplier (odd: nothing is lost modulo 2**64)
HASH_GOLDEN = 0x9E3779B97F4A7C15  # splitmix64's increment; the string hash mixes in the length

# -- codes the scanner answers with -------------------------------------------------------------
#: Value kinds: (C name, Python name, code). Lists: JSON Lines arrays (lengths are counted).
KINDS = (("K_NULL", "null", 0), ("K_INT", "integer", 1), ("K_FLOAT", "number", 2),
         ("K_BOOL", "boolean", 3), ("K_STR", "string", 4), ("K_UNSURE", "unsure", 5),
         ("K_LIST", "list", 6))
KIND_NAMES = {code: name for _, name, code in KINDS}
KIND_CODES = {name: code for _, name, code in KINDS}
#: How a column's values are sent: none, every distinct value, the top ones and a sketch, or
#: only a sketch.
MODES = (("M_NONE", "none", 0), ("M_VALUES", "values", 1), ("M_TOP", "top", 2),
         ("M_SKETCH", "sketch", 3))
M_VALUES, M_TOP, M_SKETCH = (code for _, _, code in MODES[1:])
#: Why the scanner declined a block.
DECLINE_REASONS = (("W_UTF8", "utf8", 1), ("W_QUOTE", "quote", 2), ("W_CR", "carriage_return", 3),
                   ("W_NUL", "nul", 4), ("W_LONG", "long_line", 5), ("W_UNSURE", "unsure_number", 6),
                   ("W_MIXED", "mixed_kinds", 7), ("W_JSON", "json", 8), ("W_NESTED", "nested", 9),
                   ("W_ESCAPE", "escaped_key", 10), ("W_FIELDS", "too_many_fields", 11))
DECLINE_NAMES = {code: name for _, name, code in DECLINE_REASONS}

HEADER = Path(__file__).with_name("scanner_semantics.h")


def has_leading_zero(value: str) -> bool:
    """Whether ``value`` matches :data:`LEADING_ZERO_PATTERN` (as ``leading_zero()`` in C)."""
    i, n = 0, len(value)
    while i < n and value[i] in ZERO_SPACES:
        i += 1
    if i < n and value[i] in ZERO_SIGNS:
        i += 1
    return i + 1 < n and value[i] == "0" and value[i + 1] in "0123456789"


def _leading_zero_test() -> str:
    def any_of(chars: str) -> str:
        names = {" ": "' '", "\t": "'\\t'", "\n": "'\\n'", "\f": "'\\f'", "\r": "'\\r'"}
        return " || ".join(f"s[i] == {names.get(c, repr(c))}" for c in chars)

    return "\n".join([
        "static inline int leading_zero(const char *s, int64_t n) {",
        "    int64_t i = 0;",
        f"    while (i < n && ({any_of(ZERO_SPACES)})) i++;",
        f"    if (i < n && ({any_of(ZERO_SIGNS)})) i++;",
        "    return i + 1 < n && s[i] == '0' && (unsigned char)(s[i + 1] - '0') < 10;",
        "}",
    ])


def _word_test(declaration: str, groups: list[tuple[str, tuple[str, ...]]]) -> str:
    """A C function that tells whether ``s[:n]`` is one of the words, for each group of words
    (the value it sets through ``*value``, if any, and the words)."""
    longest = max(len(word) for _, words in groups for word in words)
    lines = [f"{declaration} {{", f"    if (n > {longest}) return 0;"]
    for value, words in groups:
        for length in sorted({len(word) for word in words}):
            same = [w for w in words if len(w) == length]
            assert all(w.isascii() and '"' not in w and "\\" not in w for w in same)
            test = " || ".join(f'!memcmp(s, "{w}", {length})' for w in same)
            body = f"{{ *value = {value}; return 1; }}" if value else "return 1;"
            lines.append(f"    if (n == {length} && ({test})) {body}" if length else
                         f"    if (n == 0) {body}")
    lines += ["    return 0;", "}"]
    return "\n".join(lines)


def _rules() -> str:
    """The header's text, but for the line that fingerprints it."""
    def enum(names: tuple[tuple[str, str, int], ...]) -> str:
        return "enum {\n" + "".join(f"    {c} = {code},\n" for c, _, code in names) + "};"

    parts = [
        *(f"#define {name} {value}" for name, value in (
            ("SKETCH_K", SKETCH_K), ("BLOCK_VALUES", BLOCK_VALUES), ("BLOCK_TOP", BLOCK_TOP),
            ("TYPE_SAMPLE", TYPE_SAMPLE), ("SAMPLE", SAMPLE), ("SAMPLE_DISTINCT", SAMPLE_DISTINCT),
            ("SAMPLE_MIN_COUNT", SAMPLE_MIN_COUNT), ("HASH_P", f"0x{HASH_P:X}ULL"),
            ("HASH_GOLDEN", f"0x{HASH_GOLDEN:X}ULL"))),
        enum(KINDS),
        enum(MODES),
        enum(DECLINE_REASONS),
        "",
        "/* A CSV value that is null. */",
        _word_test("static inline __attribute__((always_inline)) int is_null(const char *s, "
                   "int64_t n)", [("", NULL_WORDS)]),
        "",
        "/* A CSV value that is a boolean: 1, with *value set to it. */",
        _word_test("static int is_bool(const char *s, int64_t n, int *value)",
                   [("1", TRUE_WORDS), ("0", FALSE_WORDS)]),
        "",
        "/* A CSV value with a leading zero followed by a digit: text, never a number. */",
        _leading_zero_test(),
    ]
    return "\n".join(parts) + "\n"


#: A fingerprint of the rules the scanner is built with (``scanner_rules()`` returns it).
RULES = zlib.crc32(_rules().encode())


def header_text() -> str:
    return (
        "/* Generated from semantics.py by write_header(): edit that file, not this one. */\n"
        "#ifndef TRAINLAB_SCANNER_SEMANTICS_H\n"
        "#define TRAINLAB_SCANNER_SEMANTICS_H\n"
        "#include <stdint.h>\n"
        "#include <string.h>\n\n"
        f"#ifndef SCANNER_ABI\n#define SCANNER_ABI {SCANNER_ABI}\n#endif\n"
        f"#define SCANNER_RULES 0x{RULES:08X}u\n"
        + _rules() +
        "#endif\n"
    )


def write_header(path: Path = HEADER) -> bool:
    """Write ``scanner_semantics.h`` if it is not what these rules say; whether it was."""
    text = header_text()
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


if __name__ == "__main__":
    print(f"{HEADER}: {'written' if write_header() else 'up to date'}")
