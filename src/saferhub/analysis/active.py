"""Which places and people may have an incident on given days, for the analyses to read
only them (a briefing lists only those whose latest incident is in its period).

Each function returns ids, for ``demand``'s readers' ``among``. It may return more than
needed, never one too few: the lists' rows of the ids it returns are the same as the
whole lists', as each row depends only on its own key's incidents. The ids are read first
and passed on as values rather than as a subquery: PostgreSQL, with hash joins off for
the analyses (``demand.tune``) and the statistics of a freshly loaded store, planned the
subquery as a nested loop over every pair (30 s for one list against 0.3 s).

An incident is dated by occurred_at (naive UTC: a day's margin either side covers the UK
offset); an ASB report by its reported_at when that can be read (``demand._date_reports``):
text starting with its date as written, so a day's margin for its offset and one more for
the local day. A report whose reported_at does not start with a date is always taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection

from saferhub.analysis.demand import _in, _json, _lit, utc_bounds

_EVENT_PLACES = "events e CROSS JOIN event_places ep WHERE ep.event_id = e.id AND ep.place_id IS NOT NULL"
_EVENT_PEOPLE = (
    "events e CROSS JOIN person_mentions m CROSS JOIN person_links l "
    "WHERE m.event_id = e.id AND l.mention_id = m.id"
)


def _by_time(conn: Connection, first_day: dt.date, last_day: dt.date) -> str:
    start, end = utc_bounds(first_day - dt.timedelta(days=1), last_day + dt.timedelta(days=1))
    return f"e.occurred_at >= {_lit(conn, start)} AND e.occurred_at < {_lit(conn, end)}"


def _by_report(conn: Connection, first_day: dt.date, last_day: dt.date) -> str:
    reported = _json(conn, "e.attributes", "reported_at")
    low = _lit(conn, (first_day - dt.timedelta(days=2)).isoformat())
    high = _lit(conn, (last_day + dt.timedelta(days=2)).isoformat())
    if conn.dialect.name == "postgresql":
        dated = f"{reported} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}'"
    else:
        dated = f"{reported} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
    return (
        f"e.feed = 'asb-reports' AND {reported} IS NOT NULL "
        f"AND (NOT ({dated}) OR substr({reported}, 1, 10) BETWEEN {low} AND {high})"
    )


def places_with_incidents(
    conn: Connection, *, first_day: dt.date, last_day: dt.date, feeds: Sequence[str]
) -> list[str]:
    """Places with an incident of ``feeds`` on the local days ``first_day`` .. ``last_day``."""
    sql = (
        f"SELECT ep.place_id FROM {_EVENT_PLACES} AND e.feed IN {_in(conn, feeds)} "
        f"AND {_by_time(conn, first_day, last_day)}"
    )
    if "asb-reports" in feeds:
        sql += f" UNION SELECT ep.place_id FROM {_EVENT_PLACES} AND {_by_report(conn, first_day, last_day)}"
    return _ids(conn, sql)


def victims_with_incidents(
    conn: Connection, *, first_day: dt.date, last_day: dt.date, call_categories: Sequence[str]
) -> list[str]:
    """People who called about, or reported, a crime or ASB incident (as
    ``demand.victim_incidents`` reads them) on the local days ``first_day`` .. ``last_day``."""
    calls = (
        f"SELECT l.person_id FROM {_EVENT_PEOPLE} AND m.role = 'caller' AND e.feed = 'calls' "
        f"AND e.category IN {_in(conn, call_categories)} AND {_by_time(conn, first_day, last_day)}"
    )
    reports = f"SELECT l.person_id FROM {_EVENT_PEOPLE} AND m.role = 'reporter' AND e.feed = 'asb-reports'"
    return _ids(
        conn,
        f"{calls} UNION {reports} AND {_by_time(conn, first_day, last_day)} "
        f"UNION {reports} AND {_by_report(conn, first_day, last_day)}",
    )


def callers_with_calls(conn: Connection, *, first_day: dt.date, last_day: dt.date) -> list[str]:
    """People named as the caller of a call on the local days ``first_day`` .. ``last_day``."""
    return _ids(
        conn,
        f"SELECT l.person_id FROM {_EVENT_PEOPLE} AND m.role = 'caller' AND e.feed = 'calls' "
        f"AND {_by_time(conn, first_day, last_day)}",
    )


def _ids(conn: Connection, sql: str) -> list[str]:
    return sorted({str(row[0]) for row in conn.exec_driver_sql(sql)})
