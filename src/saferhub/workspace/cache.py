"""Results kept in memory per key for one day, each computed once however many ask at once.

The workspace's home page and analyses must answer in well under a second for twenty people
at once, and a day's frequent-callers list or Gi* takes seconds: the first request of the day
for a key computes it (others asking meanwhile wait for that one result), later ones read it.
Yesterday's entries are dropped when a new day's are made.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any

log = logging.getLogger(__name__)


MAX_ENTRIES = 256  # a user asking for many past dates must not fill the memory


class DayCache:
    """``get(key, day, make)``: ``make()`` once per (key, day); the value is shared, never mutated."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._values: dict[tuple[Hashable, dt.date], Any] = {}
        self._locks: dict[tuple[Hashable, dt.date], threading.Lock] = {}
        self._guard = threading.Lock()
        self._started: set[tuple[Hashable, dt.date]] = set()
        self._workers: set[threading.Thread] = set()

    def get(self, key: Hashable, day: dt.date, make: Callable[[], Any]) -> Any:
        slot = (key, day)
        with self._guard:
            if slot in self._values:
                return self._values[slot]
            lock = self._locks.setdefault(slot, threading.Lock())
        with lock:
            with self._guard:
                if slot in self._values:
                    return self._values[slot]
            value = make()
            with self._guard:
                for old in [s for s in self._values if s[1] < day]:
                    del self._values[old]
                    self._locks.pop(old, None)
                while len(self._values) >= self._max:  # the oldest made goes first
                    oldest = next(iter(self._values))
                    del self._values[oldest]
                    self._locks.pop(oldest, None)
                self._values[slot] = value
            return value

    def ready_or_start(self, key: Hashable, day: dt.date, make: Callable[[], Any]) -> Any | None:
        """The value if it is made; else start making it in the background and return None."""
        slot = (key, day)
        with self._guard:
            if slot in self._values:
                return self._values[slot]
            if slot in self._started:
                return None
            self._started.add(slot)

        def run() -> None:
            try:
                self.get(key, day, make)
            except Exception as exc:  # the next request tries again; the type only (no values)
                log.error("background work for the day's cache failed: %s", type(exc).__name__)
            finally:
                with self._guard:
                    self._started.discard(slot)
                    self._workers.discard(threading.current_thread())

        worker = threading.Thread(target=run, name="saferhub-day-cache", daemon=True)
        with self._guard:
            self._workers.add(worker)
        worker.start()
        return None

    def wait_for_background(self, timeout: float = 60.0) -> bool:
        """Wait until no background work is running (at shutdown, before the store's
        connections are closed); False if some is still running after ``timeout`` seconds."""
        with self._guard:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout)
        return not any(worker.is_alive() for worker in workers)

    def peek(self, key: Hashable, day: dt.date) -> Any | None:
        """The value if it is already made, else None (never computes)."""
        with self._guard:
            return self._values.get((key, day))

    def clear(self) -> None:
        with self._guard:
            self._values.clear()
            self._locks.clear()
