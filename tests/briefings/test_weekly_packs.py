"""Weekly local briefings: one pack per neighbourhood, its own wards, a local map and 4-week trends."""

from __future__ import annotations

import re

import polars as pl
import pytest
from sqlalchemy import text

from briefings.conftest import Hub
from saferhub.analysis import evaluate_people as ev
from saferhub.analysis.demand import utc_bounds
from saferhub.areas import load_areas
from saferhub.briefings.periods import weekly_period
from saferhub.briefings.render import BriefingFiles
from saferhub.briefings.weekly import weekly_briefings

YEAR, WEEK = 2026, 7  # 9 to 15 February 2026: two planted frequent callers join the list


@pytest.fixture(scope="module")
def packs(hub: Hub) -> list[BriefingFiles]:
    return weekly_briefings(
        engine=hub.engine,
        settings=hub.settings,
        year=YEAR,
        week=WEEK,
        agencies=["police"],
        out_dir=hub.out / "weekly",
        pdf=False,
    )


def test_one_pack_per_neighbourhood_with_only_its_own_wards(packs: list[BriefingFiles]) -> None:
    areas = load_areas()
    names = {a.code: a.name for a in areas.wards}
    assert [p.pack.area for p in packs] == list(areas.neighbourhoods)
    assert len({p.html for p in packs}) == len(packs)
    for files in packs:
        html = files.html.read_text(encoding="utf-8")
        matrix = html.split("Records by category and ward")[1].split("</thead>")[0]
        headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', matrix)
        mine = [names[w] for w in areas.neighbourhoods[files.pack.area]]
        assert headers == ["Category", *mine, "All"]
        assert files.html.name == f"weekly-{files.pack.area.lower().replace(' ', '-')}-2026-W07-police.html"


def test_the_neighbourhoods_counts_are_the_stores(hub: Hub, packs: list[BriefingFiles]) -> None:
    areas = load_areas()
    period = weekly_period(YEAR, WEEK)
    start, end = utc_bounds(period.first, period.last)
    for files in packs:
        wards = list(areas.neighbourhoods[files.pack.area])
        with hub.engine.connect() as conn:
            asb = conn.execute(
                text(
                    "SELECT count(*) FROM events WHERE category = 'asb' AND occurred_at >= :a AND "
                    "occurred_at < :b "
                    f"AND ward_code IN ({', '.join(repr(w) for w in wards)})"
                ),
                {"a": start, "b": end},
            ).scalar_one()
        html = files.html.read_text(encoding="utf-8")
        row = html.split('<th scope="row">Anti-social behaviour</th>')[1].split("</tr>")[0]
        assert re.findall(r'<td class="num">([^<]*)</td>', row)[-1].split(" ")[0] == str(asb)


def test_each_pack_has_a_local_map_and_a_four_week_trend_chart(packs: list[BriefingFiles]) -> None:
    for files in packs:
        html = files.html.read_text(encoding="utf-8")
        assert f"{files.pack.area}: records per week, last 4 weeks" in html
        assert html.count("w/c ") >= 4
        assert f"{files.pack.area}: hotspots over the last" in html
        assert "Chart: records per week" in html and "Map: emerging and persistent hotspot cells" in html


def test_a_planted_frequent_caller_joining_that_week_is_in_their_neighbourhoods_pack(
    hub: Hub, packs: list[BriefingFiles]
) -> None:
    from saferhub.analysis.frequent_callers import frequent_callers

    period = weekly_period(YEAR, WEEK)
    import datetime as dt

    before = set(
        frequent_callers(engine=hub.engine, as_of=period.first - dt.timedelta(days=1)).people["person_id"]
    )
    now = set(frequent_callers(engine=hub.engine, as_of=period.last).people["person_id"])
    mapping = ev.person_truth(engine=hub.engine, truth_dir=hub.truth)
    flagged = ev.flagged(hub.truth, "people.csv", "frequent_caller")
    planted = mapping.filter(
        pl.col("person_id").is_in(list(now - before)) & pl.col("truth_id").is_in(list(flagged))
    )
    assert planted.height >= 1
    shown = {
        pid
        for f in packs
        for pid in re.findall(r'data-person-id="([^"]+)"', f.html.read_text(encoding="utf-8"))
    }
    assert set(planted["person_id"]) <= shown
