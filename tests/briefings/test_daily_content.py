"""The daily briefing on a synthetic year: what was planted and recorded shows up, in order.

The morning of Friday 13 February 2026 covers Thursday 12 February, the day a planted
frequent caller (truth/people.csv) meets the FreCaNN threshold with the hub's linkage
(found once by scanning the year; the test checks that it still holds).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from pathlib import Path

import polars as pl
import pytest

from briefings.conftest import Hub
from saferhub.access.audit import recent
from saferhub.analysis import evaluate_people as ev
from saferhub.analysis.frequent_callers import frequent_callers
from saferhub.analysis.repeats import repeat_victims
from saferhub.briefings.daily import daily_briefings
from saferhub.briefings.render import BriefingFiles

DAY = dt.date(2026, 2, 13)  # Friday: covers Thursday 12 February
JOINED = dt.date(2026, 2, 12)


@pytest.fixture(scope="module")
def police(hub: Hub) -> BriefingFiles:
    return daily_briefings(
        engine=hub.engine,
        settings=hub.settings,
        date=DAY,
        agencies=["police"],
        out_dir=hub.out / "daily",
        pdf=False,
    )[0]


def text_of(files: BriefingFiles) -> str:
    return files.html.read_text(encoding="utf-8")


def test_a_planted_frequent_caller_who_joins_the_list_that_day_is_in_the_pack(
    hub: Hub, police: BriefingFiles
) -> None:
    before = set(frequent_callers(engine=hub.engine, as_of=JOINED - dt.timedelta(days=1)).people["person_id"])
    now = set(frequent_callers(engine=hub.engine, as_of=JOINED).people["person_id"])
    joined = now - before
    mapping = ev.person_truth(engine=hub.engine, truth_dir=hub.truth)
    flagged = ev.flagged(hub.truth, "people.csv", "frequent_caller")
    planted = mapping.filter(
        pl.col("person_id").is_in(list(joined)) & pl.col("truth_id").is_in(list(flagged))
    )
    assert planted.height >= 1, (
        "the synthetic data no longer has a planted frequent caller joining on this day"
    )
    html = text_of(police)
    for pid in planted["person_id"]:
        assert f'data-person-id="{pid}"' in html
    section = html.split('id="s-people"')[1].split('id="s-places"')[0]
    assert "new on the list" in section


def test_repeat_victims_with_an_incident_that_day_are_listed(hub: Hub, police: BriefingFiles) -> None:
    rows = repeat_victims(engine=hub.engine, as_of=JOINED).rows
    that_day = rows.filter(pl.col("last_incident").dt.date() == JOINED)
    assert that_day.height >= 1
    html = text_of(police)
    listed = set(
        re.findall(
            r'data-person-id="(P[0-9A-F]+)"',
            html.split("Repeat victims with a new incident")[1].split("</table>")[0],
        )
    )
    assert listed and listed <= set(that_day["person_id"])
    assert len(listed) == min(12, that_day.height)


def _intelligence_of(files: Path, day: dt.date) -> list[dict[str, str]]:
    with gzip.open(files / "intelligence.csv.gz", "rt", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["recorded_at"].startswith(day.isoformat())]


def test_the_days_intelligence_is_listed_with_its_grading(hub: Hub, police: BriefingFiles) -> None:
    reports = _intelligence_of(hub.files, JOINED)
    assert reports, "no intelligence recorded on the day"
    html = text_of(police)
    for r in reports:
        assert f"ref police {r['source_id']}" in html
        item = html.split(f"ref police {r['source_id']}")[1].split("</li>")[0]
        assert r["text"] in item  # the police see their own intelligence in full
    first = reports[0]
    grading = f"<strong>{first['source_grade']} {first['intel_grade']} {first['handling_code']}</strong>"
    assert grading in html


def test_sections_come_most_important_first_and_actions_come_from_tasking(police: BriefingFiles) -> None:
    html = text_of(police)
    order = [
        html.index(f'id="{key}"')
        for key in (
            "key-points",
            "s-happened",
            "s-people",
            "s-places",
            "s-intelligence",
            "s-actions",
            "about",
        )
    ]
    assert order == sorted(order)
    actions = html.split('id="s-actions"')[1]
    assert "Tasking is not yet part of SaferHub" not in actions
    assert "Overdue actions for Merseyside Police" in actions  # from tasking (tests/tasking)


def test_counts_match_the_store_and_every_figure_is_explained(hub: Hub, police: BriefingFiles) -> None:
    from sqlalchemy import text

    from saferhub.analysis.demand import utc_bounds

    start, end = utc_bounds(JOINED, JOINED)
    with hub.engine.connect() as conn:
        asb = conn.execute(
            text(
                "SELECT count(*) FROM events WHERE category = 'asb' AND occurred_at >= :a AND "
                "occurred_at < :b "
                "AND time_precision != 'month'"
            ),
            {"a": start, "b": end},
        ).scalar_one()
    html = text_of(police)
    row = html.split('<th scope="row">Anti-social behaviour</th>')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[-1].split(" ")[0] == str(asb)  # the "All" column: the day's ASB records
    for words in (
        "Usual: the average count on the same weekday over the previous 8 weeks",
        "z: 2 × (√count − √usual)",
        "Wheeler",
    ):
        assert words in html


def test_each_pack_is_recorded_in_the_audit_log_with_ids_and_counts_only(
    hub: Hub, police: BriefingFiles
) -> None:
    log = recent(hub.engine, last=50)
    mine = log.filter(pl.col("what").str.contains(police.pack.file_stem, literal=True))
    assert mine.height >= 1
    entry = mine.row(0, named=True)
    assert entry["agency"] == "police" and entry["action"] == "export"
    assert '"people"' in entry["what"] and "Subject believed" not in entry["what"]


def test_planted_hotspots_are_classed_as_planted_and_a_former_one_is_not_shown(hub: Hub) -> None:
    from saferhub.areas import load_areas
    from saferhub.briefings.gate import Gate
    from saferhub.briefings.periods import daily_period
    from saferhub.briefings.places import classify_hotspots, hotspot_window
    from saferhub.briefings.sources import read_events

    period = daily_period(dt.date(2026, 11, 26))  # the last day of the synthetic year
    areas = load_areas()
    events = read_events(engine=hub.engine, first_day=hotspot_window(period)[0], last_day=period.last,
                         areas=areas, hotspot_only=True)  # fmt: skip
    cells = classify_hotspots(Gate.for_agency("police").events(events), period=period, areas=areas).cells
    planted = pl.read_csv(hub.truth / "hotspots.csv")
    found: dict[str, set[str]] = {}
    for t in planted.iter_rows(named=True):
        mine = cells.filter(pl.col("category") == t["category"])
        reach = t["radius_m"] + 300 / 2 * 2**0.5  # the disc plus half a cell's diagonal
        near = mine.filter(
            (
                (pl.col("easting") - t["centre_easting"]) ** 2
                + (pl.col("northing") - t["centre_northing"]) ** 2
            )
            <= reach**2
        )
        found[t["hotspot_id"]] = set(near["classification"])
    kinds = dict(zip(planted["hotspot_id"], planted["kind"], strict=True))
    emerging = [h for h, k in kinds.items() if k == "emerging"]
    persistent = [h for h, k in kinds.items() if k == "persistent"]
    assert sum("emerging hotspot" in found[h] for h in emerging) >= len(emerging) // 2 + 1, found
    assert sum("persistent hotspot" in found[h] for h in persistent) >= len(persistent) // 2, found
    for h in (h for h, k in kinds.items() if k == "former"):
        assert not found[h], (h, found[h])  # ended in March: neither emerging nor persistent now
