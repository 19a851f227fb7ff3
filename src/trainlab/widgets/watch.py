"""A panel's eye on the workspace (issue 18, items 1 and 6): a daemon thread that notices
what other code wrote (this kernel's ``trainlab.fit``, another notebook, the REST server)
without re-reading anything while nothing changes.

The check is SQLite's ``PRAGMA data_version`` on the thread's own connection: one call, no
table read, and it changes whenever any other connection (in this process or another)
commits to the workspace's database. The thread calls ``tick(changed)`` every ``period()``
seconds (a panel answers a short period while jobs run, a slow one otherwise) and ends when
:meth:`close` is called, when ``tick`` returns ``False``, or when the workspace is gone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

CHECK_S = 2.0  # how often an idle panel asks whether anything changed


class Watcher:
    def __init__(self, ws: Any, tick: Callable[[bool], bool | None],
                 period: Callable[[], float], name: str = "trainlab-watch") -> None:
        self.ws, self.tick, self.period = ws, tick, period
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
        try:
            seen = self._version()
            # what changed between the panel's first look and this thread's first reading
            # would go unseen: look once more now
            if self.tick(True) is False:
                return
            while not self._closed.is_set():
                self._wake.wait(max(0.01, self.period()))
                self._wake.clear()
                if self._closed.is_set() or not self.ws.path.exists():
                    return
                version = self._version()
                changed, seen = version != seen, version
                if self.tick(changed) is False:
                    return
        except Exception:  # a panel's watcher never raises into the kernel
            return
        finally:
            self.ws.store.close()  # this thread's connection
