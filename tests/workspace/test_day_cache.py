"""The workspace's day cache: one computation per key and day, old days dropped, size bounded."""

from __future__ import annotations

import datetime as dt
import threading

from saferhub.workspace.cache import DayCache

DAY = dt.date(2026, 11, 26)


def test_a_value_is_made_once_however_many_ask_at_once() -> None:
    cache = DayCache()
    made = []
    gate = threading.Event()

    def make() -> int:
        gate.wait(1)
        made.append(1)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", DAY, make))) for _ in range(8)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert results == [42] * 8
    assert len(made) == 1


def test_a_new_day_drops_yesterday() -> None:
    cache = DayCache()
    cache.get("k", DAY, lambda: 1)
    cache.get("k", DAY + dt.timedelta(days=1), lambda: 2)
    assert cache.peek("k", DAY) is None
    assert cache.peek("k", DAY + dt.timedelta(days=1)) == 2


def test_many_past_dates_cannot_fill_the_memory() -> None:
    cache = DayCache(max_entries=10)
    for back in range(50):  # newest first: no entry is older than the last made
        cache.get("k", DAY - dt.timedelta(days=back), lambda b=back: b)
    kept = [b for b in range(50) if cache.peek("k", DAY - dt.timedelta(days=b)) is not None]
    assert len(kept) == 10
    assert kept == list(range(40, 50))  # the most recently made are kept


def test_background_work_is_waited_for_at_shutdown() -> None:
    """The app waits for it before closing the store's connections (a thread still
    reading would otherwise race whatever comes next: a migration, a test's cleanup)."""
    cache = DayCache()
    gate = threading.Event()

    def make() -> int:
        gate.wait(5)
        return 7

    assert cache.ready_or_start("k", DAY, make) is None  # started, not ready
    assert cache.wait_for_background(timeout=0.05) is False  # still running
    gate.set()
    assert cache.wait_for_background(timeout=5) is True
    assert cache.peek("k", DAY) == 7
    assert cache.wait_for_background(timeout=0) is True  # nothing left to wait for
