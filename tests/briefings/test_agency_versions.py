"""Each agency's version of one daily briefing: what the sharing agreement gives it, no more.

The morning of Tuesday 26 May 2026 follows the Spring bank holiday and covers Friday 22 to
Monday 25 May. In that period the police recorded intelligence with handling code P, with
code C "Share with council ASB team only", and with code C "Not to be disclosed outside
Merseyside Police": the council must see the first two and only a notice of the third; a
voluntary-sector partner sees no intelligence and no police call details at all. The
assertions are on the rendered HTML text.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re

import pytest
from sqlalchemy import text

from briefings.conftest import Hub
from saferhub.analysis.demand import utc_bounds
from saferhub.briefings.daily import daily_briefings
from saferhub.briefings.periods import daily_period

DAY = dt.date(2026, 5, 26)


@pytest.fixture(scope="module")
def packs(hub: Hub) -> dict[str, str]:
    files = daily_briefings(
        engine=hub.engine,
        settings=hub.settings,
        date=DAY,
        agencies=["police", "council", "third_sector"],
        out_dir=hub.out / "agencies",
        pdf=False,
    )
    viewer = daily_briefings(
        engine=hub.engine,
        settings=hub.settings,
        date=DAY,
        agencies=["police"],
        role="partner_viewer",
        out_dir=hub.out / "viewer",
        pdf=False,
    )
    out = {f.pack.agency: f.html.read_text(encoding="utf-8") for f in files}
    out["police viewer"] = viewer[0].html.read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def reports(hub: Hub) -> list[dict[str, str]]:
    period = daily_period(DAY)
    with gzip.open(hub.files / "intelligence.csv.gz", "rt", encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if period.first.isoformat() <= r["recorded_at"][:10] <= period.last.isoformat()
        ]
    return rows


def _item(html: str, report: dict[str, str]) -> str | None:
    ref = f"ref police {report['source_id']}"
    if ref not in html:
        return None
    return html.split(ref)[1].split("</li>")[0]


def _all_intelligence_texts(hub: Hub) -> set[str]:
    with gzip.open(hub.files / "intelligence.csv.gz", "rt", encoding="utf-8") as fh:
        return {r["text"] for r in csv.DictReader(fh) if r["text"]}


def test_the_period_has_the_three_handling_cases(reports: list[dict[str, str]]) -> None:
    kinds = {(r["handling_code"], r["handling_conditions"].split(";")[0]) for r in reports}
    assert ("P", "") in kinds
    assert ("C", "Share with council ASB team only") in kinds
    assert any(c == "C" and t.startswith("Not to be disclosed outside Merseyside Police") for c, t in kinds)


def test_the_police_see_all_their_intelligence(packs: dict[str, str], reports: list[dict[str, str]]) -> None:
    for r in reports:
        item = _item(packs["police"], r)
        assert item is not None and r["text"] in item and "Restricted intelligence exists" not in item


def test_the_council_sees_what_the_handling_code_allows_and_a_notice_of_the_rest(
    packs: dict[str, str], reports: list[dict[str, str]]
) -> None:
    html = packs["council"]
    for r in reports:
        item = _item(html, r)
        assert item is not None, r["source_id"]
        if r["handling_code"] == "P" or r["handling_conditions"].startswith("Share with council"):
            assert r["text"] in item and "Restricted intelligence exists" not in item
        else:
            assert r["text"] not in item
            assert "Restricted intelligence exists. Ask Merseyside Police intelligence unit" in item
        assert "People named" not in item  # subjects are personal: not in a summary


def test_a_partner_viewer_reads_no_intelligence_even_their_own_agencys(
    packs: dict[str, str], reports: list[dict[str, str]]
) -> None:
    for r in reports:
        item = _item(packs["police viewer"], r)
        assert item is not None and r["text"] not in item and "Restricted intelligence exists" in item


def test_the_voluntary_sector_pack_has_no_intelligence(hub: Hub, packs: dict[str, str]) -> None:
    html = packs["third_sector"]
    for written in _all_intelligence_texts(hub):
        assert written not in html
    assert "INT-" not in html and "Restricted intelligence exists" not in html
    assert "The sharing agreement does not share intelligence with your agency." in html


def _own_referral_subjects(hub: Hub, agency: str, day: dt.date) -> dict[str, int]:
    """person_id -> referrals ``agency`` made about them in the year to the period's end."""
    period = daily_period(day)
    start, end = utc_bounds(period.last - dt.timedelta(days=364), period.last)
    with hub.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.person_id, count(*) FROM person_links l "
                "JOIN person_mentions m ON m.id = l.mention_id JOIN events e ON e.id = m.event_id "
                "WHERE e.feed = 'referrals' AND e.agency = :agency "
                "AND e.occurred_at >= :a AND e.occurred_at < :b GROUP BY l.person_id"
            ),
            {"agency": agency, "a": start, "b": end},
        ).all()
    return {pid: int(n) for pid, n in rows}


def _table(html: str, caption: str) -> str:
    return html.split(f"<caption>{caption}</caption>")[1].split("</table>")[0]


def test_the_voluntary_sector_pack_has_no_police_call_details(hub: Hub, packs: dict[str, str]) -> None:
    police, third = packs["police"], packs["third_sector"]
    fc_caption = "Frequent callers new on the list, or rising and calling again"
    for caption in (fc_caption, "Repeat victims with a new incident", "Repeat locations with a new incident"):
        assert "data-" in _table(police, caption)  # the police pack lists people and places here
        assert "data-" not in _table(third, caption) and 'class="empty"' in _table(third, caption)
    assert not re.search(r'data-place-id="', third)
    # Calls (police, ambulance, council...) are not shared with voluntary partners: no
    # call counts by agency, no crime or ASB counts from calls and reports.
    assert re.search(r"police \d+", police) and not re.search(r"police \d+", third)
    assert '<th scope="row">Crime</th>' in police and '<th scope="row">Crime</th>' not in third
    assert '<th scope="row">Anti-social behaviour</th>' not in third


OWN_DAY = dt.date(2026, 11, 16)  # Monday: covers 13-15 November, with voluntary-sector referrals


@pytest.fixture(scope="module")
def own_day(hub: Hub) -> dict[str, str]:
    files = daily_briefings(
        engine=hub.engine,
        settings=hub.settings,
        date=OWN_DAY,
        agencies=["police", "third_sector"],
        out_dir=hub.out / "own",
        pdf=False,
    )
    return {f.pack.agency: f.html.read_text(encoding="utf-8") for f in files}


def _referral_counts(html: str) -> dict[str, int]:
    """person id -> the 'Referrals, 12 months' figure of the vulnerable-people table."""
    out = {}
    for row in _table(html, "Vulnerable people with a new contact").split("</tr>")[:-1]:
        found = re.search(r'data-person-id="([^"]+)"', row)
        if found:
            out[found.group(1)] = int(re.findall(r'<td class="num">(\d+)</td>', row)[-1])
    return out


def test_a_voluntary_partner_sees_its_own_clients_with_its_own_referrals_only(
    hub: Hub, own_day: dict[str, str]
) -> None:
    own = _own_referral_subjects(hub, "third_sector", OWN_DAY)
    third = _referral_counts(own_day["third_sector"])
    police = _referral_counts(own_day["police"])
    assert third, "no voluntary-sector client had a contact in the period"
    assert set(re.findall(r'data-person-id="([^"]+)"', own_day["third_sector"])) <= set(own)
    for pid, n in third.items():
        assert n == own[pid]  # its own referrals, none of another agency's
    # Where other agencies referred the same person, the police (who see every referral)
    # count more: the voluntary partner's figure is not the hub-wide one.
    assert any(police.get(pid, 0) > n for pid, n in third.items())


def test_every_version_names_its_reader_and_the_bank_holiday(packs: dict[str, str]) -> None:
    for who, name in (
        ("police", "Merseyside Police"),
        ("council", "Wirral Council ASB team"),
        ("third_sector", "Voluntary and community sector partners"),
    ):
        assert f"For: {name}" in packs[who]  # the print header on every page
        assert "Spring Bank Holiday" in packs[who]


def test_an_empty_list_says_when_it_only_covers_what_the_reader_may_see(packs: dict[str, str]) -> None:
    # "No one ..." in a restricted pack means no one the reader may see, and says so.
    note = "Among the records the sharing agreement lets"
    voluntary_empties = re.findall(r'class="empty"[^>]*>([^<]*)<', packs["third_sector"])
    assert voluntary_empties, "the voluntary-sector pack should have empty lists on this day"
    assert all(note in e for e in voluntary_empties)
    assert note not in packs["police"]
