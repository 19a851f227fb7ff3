"""The actor between a Ray job's workers and its driver, in a module without torch: Ray
unpickles it in the relay's process on the driver's node, which then stays small."""

from __future__ import annotations

from typing import Any


class Relay:
    """The actor between the workers and the driver: events queued by rank 0 and taken by the
    driver, and the stop flag the driver sets. (Made a Ray actor with ``ray.remote(Relay)``.)"""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.stop = False

    def push(self, kind: str, payload: Any) -> None:
        """Queue one event: ``start``, ``step``, ``eval``, ``checkpoint``, ``end``, ``error``."""
        self.events.append((kind, payload))

    def take(self) -> list[tuple[str, Any]]:
        """Every event queued since the last call, oldest first."""
        events, self.events = self.events, []
        return events

    def request_stop(self) -> None:
        """Ask every worker to checkpoint and end at its next step."""
        self.stop = True

    def stopping(self) -> bool:
        """Whether a stop was asked."""
        return self.stop
