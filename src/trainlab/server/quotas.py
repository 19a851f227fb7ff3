"""Quotas and fair sharing (issue 17): what one user's server may hold and how fast it may write.

- :class:`RateLimiter`: a token bucket per user on the write endpoints (429 ``rate_limited``
  with ``Retry-After``), consulted once, in the base handler, before an endpoint runs.
- :class:`WorkspaceUsage`: the bytes of the workspace's ``datasets/`` and ``jobs/`` folders,
  walked at most every ``ttl_s`` seconds and moved on by the writes this server accepts, plus
  what uploads in progress reserve;
  an upload or import that would not fit in ``max_workspace_bytes`` is 507 ``quota_exceeded``.
- :func:`check_queue`: a job submitted over REST beyond ``max_jobs_queued`` is 429
  ``too_many_jobs``.

No tornado here: the handlers call these with plain values.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from trainlab.errors import TrainlabError

QUEUE_RETRY_S = 30       # Retry-After of too_many_jobs: a hint (jobs take minutes, not seconds)
USAGE_TTL_S = 5.0        # how old a walked workspace size may be before it is walked again


class RateLimiter:
    """Token buckets, one per key (a user name): ``burst`` requests at once, refilled at
    ``per_minute`` a minute. ``per_minute`` 0 turns it off. ``clock`` is for tests."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.rate = max(0.0, float(per_minute)) / 60.0  # tokens a second
        self.burst = max(1, int(burst))
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()
        self._swept: float | None = None  # when the refilled buckets were last dropped

    @property
    def on(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> int:
        """Spend one token of ``key``'s bucket: 0 when there was one, else the whole seconds
        until there is (nothing spent then)."""
        if not self.on:
            return 0
        now = self.clock()
        with self._lock:
            if self._swept is None:
                self._swept = now
            elif now - self._swept >= self.burst / self.rate:
                self._sweep(now)
            tokens, when = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _sweep(self, now: float) -> None:
        """Forget the buckets that have refilled (a full bucket is what a new key gets), at
        most once per full refill time: the map holds only keys that wrote lately."""
        self._swept = now
        self._buckets = {k: (t, w) for k, (t, w) in self._buckets.items()
                         if t + (now - w) * self.rate < self.burst}

    def __len__(self) -> int:
        """The buckets kept (the keys that wrote within about two refill times)."""
        return len(self._buckets)

    def check(self, key: str) -> None:
        """Raise 429 ``rate_limited`` (``retry_after`` in seconds) when ``key`` is over its rate."""
        wait = self.take(key)
        if wait:
            raise TrainlabError("rate_limited", status=429, retry_after=wait,
                                per_minute=round(self.rate * 60, 3), burst=self.burst)


def folder_bytes(path: Path) -> int:
    """The bytes of every file under ``path`` (symlinks not followed; files that vanish while
    it walks are skipped)."""
    total = 0
    stack = [str(path)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total


class WorkspaceUsage:
    """The workspace's size as a quota counts it: its ``datasets/`` and ``jobs/`` folders, the
    declared sizes of resumable uploads in progress (``pending``: reserved from their start
    until they complete, are cancelled or expire), and the bytes held for streamed bodies in
    flight (:meth:`reserve`, :meth:`hold`, :meth:`release`).

    :meth:`used` walks them at most every ``ttl_s`` seconds (1,000 files take a few ms; see
    docs/rest-api.md) and :meth:`add` moves the cached figure on after a write this server
    accepted, so a burst of uploads cannot pass the limit between two walks; :meth:`admit`
    and :meth:`reserve` check and count in one step, so concurrent uploads cannot together
    pass it either."""

    def __init__(self, folders: list[Path], ttl_s: float = USAGE_TTL_S,
                 clock: Callable[[], float] = time.monotonic,
                 pending: Callable[[], int] | None = None) -> None:
        self.folders = folders
        self.ttl_s = ttl_s
        self.clock = clock
        self.pending = pending
        self._bytes = 0
        self._at: float | None = None
        self._held: dict[str, int] = {}  # streamed bodies in flight: key -> bytes held
        self._lock = threading.Lock()
        self._admit = threading.RLock()  # one check-and-count at a time

    def used(self) -> int:
        """Blocking (may walk the folders): the bytes they hold, with the declared sizes of
        resumable uploads in progress (not the bodies held in flight: :meth:`held`)."""
        with self._lock:
            if self._at is not None and self.clock() - self._at < self.ttl_s:
                return self._bytes
        size = sum(folder_bytes(f) for f in self.folders)
        size += self.pending() if self.pending is not None else 0
        with self._lock:
            self._bytes, self._at = size, self.clock()
        return size

    def held(self) -> int:
        """The bytes held for streamed bodies in flight."""
        with self._lock:
            return sum(self._held.values())

    def admit(self, size: int, limit: int, name: str, create: Callable[[], Any]) -> Any:
        """Blocking: :meth:`check` ``size``, then ``create()`` and count ``size`` at once (no
        other check in between); ``create``'s result."""
        with self._admit:
            self.check(size, limit, name)
            out = create()
            if limit > 0:
                self.add(size)
            return out

    def reserve(self, key: str, size: int, limit: int, name: str) -> None:
        """Blocking (may walk): hold ``size`` bytes for ``key`` (a body starting to arrive),
        or raise 507 when they do not fit beside what is stored and held. No-op without limit."""
        if limit > 0:
            with self._admit:
                self.hold(key, size, limit, name, self.used())

    def hold(self, key: str, size: int, limit: int, name: str, used: int | None = None) -> None:
        """Move ``key``'s hold to ``size`` bytes (a chunked body as it arrives; never walks:
        the last walked figure unless ``used`` is given); 507 when it does not fit."""
        if limit <= 0:
            return
        with self._lock:
            stored = self._bytes if used is None else used
            others = sum(n for k, n in self._held.items() if k != key)
            if stored + others + size > limit:
                raise quota_exceeded(name, stored + others, size, limit)
            self._held[key] = size

    def release(self, key: str) -> None:
        """The body of ``key`` ended (kept: :meth:`add` counted it; or discarded)."""
        with self._lock:
            self._held.pop(key, None)

    def add(self, size: int) -> None:
        """A write of ``size`` bytes was accepted: count it before the next walk sees it."""
        with self._lock:
            self._bytes += size

    def forget(self) -> None:
        """Walk again on the next :meth:`used` (after a delete)."""
        with self._lock:
            self._at = None

    def room(self, limit: int) -> int | None:
        """Blocking: the bytes still free under ``limit`` (None: no limit)."""
        return None if limit <= 0 else max(0, limit - self.used() - self.held())

    def check(self, size: int, limit: int, name: str) -> None:
        """Blocking: raise 507 ``quota_exceeded`` unless ``size`` more bytes fit in ``limit``."""
        if limit > 0:
            used = self.used() + self.held()
            if used + size > limit:
                raise quota_exceeded(name, used, size, limit)


def quota_exceeded(name: str, used: int, size: int, limit: int) -> TrainlabError:
    """The 507 for ``name`` (``size`` bytes) that does not fit beside ``used`` under ``limit``."""
    return TrainlabError("quota_exceeded", status=507, name=name, used=used, size=size,
                         limit=limit, free=max(0, limit - used))


def within_queue(lock: Any, counts: Callable[[], dict[Any, int]], limit: int,
                 action: Callable[[], Any]) -> Any:
    """Blocking: :func:`check_queue` then ``action()``, holding ``lock``, so that two requests
    queuing a job at once cannot both pass the limit (one server process: one user's)."""
    with lock:
        if limit > 0:
            check_queue(counts(), limit)
        return action()


def check_queue(counts: dict[Any, int], limit: int) -> None:
    """Raise 429 ``too_many_jobs`` when ``limit`` (> 0) jobs are queued already. ``counts``:
    :meth:`~trainlab.jobs.records.Records.active_counts`."""
    queued = next((n for status, n in counts.items() if status == "queued"), 0)
    if limit > 0 and queued >= limit:
        raise TrainlabError("too_many_jobs", status=429, queued=queued, limit=limit,
                            retry_after=QUEUE_RETRY_S)
