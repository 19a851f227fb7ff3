"""Sortable, URL-safe identifiers: ``<prefix>_`` + 26 characters of lowercase Crockford base32.

The first 10 characters encode the creation time in milliseconds, the rest are random, so
ids sort by creation time (also across processes, to the millisecond) and never need
escaping in a URL or a path.
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last = (0, 0)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A new id such as ``ds_01jd3m1x6r8kq2w9v4zt0b5c7e``; strictly increasing within a process."""
    global _last
    with _lock:
        millis = time.time_ns() // 1_000_000
        last_millis, last_random = _last
        if millis <= last_millis:  # same millisecond (or a clock step back): count up
            millis, rand = last_millis, last_random + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1  # leave room to count up
        _last = (millis, rand)
    return f"{prefix}_{_encode(millis, 10)}{_encode(rand, 16)}"


def is_valid_id(value: str, prefix: str) -> bool:
    head, sep, body = value.partition("_")
    return sep == "_" and head == prefix and len(body) == 26 and all(c in _ALPHABET for c in body)
