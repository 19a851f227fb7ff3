"""A panel's eye on the workspace (issue 18, items 1 and 6): a daemon thread that notices
what other code wrote (this kernel's ``trainlab.fit``, another notebook, the REST server)
without re-reading anything while nothing changes.

The check is SQLite's ``PRAGMA data_version`` on the thread's own connection: one call, no
table read, and it changes whenever any other connection (in this process or another)
commits to the workspace's database. The thread calls ``tick(changed)`` every ``period()``
seconds (a panel answers a short period while jobs run, a slow one otherwise) and ends when
:meth:`close` is called, when ``tick`` returns ``False``, or when the workspace is gone.

A tick that raises (a locked database, a file read while it is written) does not end it: the
error goes to ``on_error`` (a panel shows it in its message line), the thread waits longer
after each failure in a row (up to :data:`BACKOFF_MAX_S`) and tries again; the first tick
that works again calls ``on_error(None)`` (the panel clears the line).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

CHECK_S = 2.0  # how often an idle panel asks whether anything changed
BACKOFF_MAX_S = 60.0  # the longest wait after failed ticks


class Watcher:
    def __init__(self, ws: Any, tick: Callable[[bool], bool | None],
                 period: Callable[[], float], name: str = "trainlab-watch",
                 on_error: Callable[[BaseException | None], Any] | None = None) -> None:
        self.ws, self.tick, self.period, self.on_error = ws, tick, period, on_error
        self.failures = 0  # failed ticks in a row
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wake(self) -> None:
        """Check now rather than at the end of the current period (e.g. a job was started)."""
        self._wake.set()

    def close(self) -> None:
        self._closed.set()
        self._wake.set()

    def _version(self) -> int:
        return int(self.ws.store.connection().execute("PRAGMA data_version").fetchone()[0])

    def _loop(self) -> None:
        seen: int | None = None
        try:
            while not self._closed.is_set():
                if seen is not None or self.failures:  # the first look is at once
                    wait = max(0.01, self.period())
                    if self.failures:
                        wait = min(BACKOFF_MAX_S, wait * 2 ** self.failures)
                    self._wake.wait(wait)
                    self._wake.clear()
                if self._closed.is_set() or not self.ws.path.exists():
                    return
                try:
                    version = self._version()
                    # the first tick says "changed": what changed between the panel's first
                    # look and this thread's first reading would go unseen otherwise
                    changed, seen = seen is None or version != seen, version
                    if self.tick(changed) is False:
                        return
                except Exception as exc:  # shown in the panel; the watcher goes on
                    self.failures += 1
                    self._report(exc)
                else:
                    if self.failures:
                        self.failures = 0
                        self._report(None)
        finally:
            try:
                self.ws.store.close()  # this thread's connection
            except Exception:
                pass

    def _report(self, exc: BaseException | None) -> None:
        if self.on_error is not None:
            try:
                self.on_error(exc)
            except Exception:  # a panel's watcher never raises into the kernel
                pass


def error_line(message: Any, lang: str) -> Callable[[BaseException | None], None]:
    """An ``on_error`` for a panel: the error in its ``message`` HTML widget, cleared when the
    watcher works again (unless something else was written there since)."""
    from trainlab.widgets.dataset_views import error

    shown: list[str] = []

    def report(exc: BaseException | None) -> None:
        if exc is not None:
            shown[:] = [error(exc, lang)]
            message.value = shown[0]
        elif shown and message.value == shown[0]:
            message.value = ""
    return report


class Following:
    """What a panel that follows the workspace shares (the jobs and experiments panels): a
    :class:`Watcher` that refreshes every ``refresh_s`` while ``active`` (something runs) and
    checks every ``check_s`` otherwise, and a ``close`` that ends it. The panel sets ``ws``,
    ``lang``, ``refresh_s``, ``check_s``, ``active`` and ``refresh()``, then calls
    :meth:`follow`."""

    watcher: Watcher | None = None

    def follow(self, name: str, message: Any, auto_refresh: bool = True) -> None:
        """Start following (unless ``auto_refresh`` is off); errors go to ``message``."""
        self.watcher = Watcher(self.ws, self._tick, self._period, name,
                               error_line(message, self.lang)) if auto_refresh else None

    @property
    def refreshing(self) -> bool:
        """Whether the panel is following the workspace (its watcher thread is alive)."""
        return self.watcher is not None and self.watcher.alive

    def _period(self) -> float:
        return self.refresh_s if self.active else self.check_s

    def _tick(self, changed: bool) -> None:
        if changed or self.active:
            self.refresh()

    def close(self) -> None:
        """Stop following the workspace, and close the widgets."""
        if self.watcher is not None:
            self.watcher.close()
        super().close()
