"""The scheduled daily run (``saferhub briefing send``): every user finds today's pack at their
own level, and each distribution list is sent the version of its agency's least-cleared users.

One dry run (packs built, nothing sent) on the synthetic hub for Tuesday 26 May 2026, whose
period has police intelligence of every handling case, with these users: the police have an
analyst and a partner viewer, the council an officer, the voluntary sector a partner viewer.
What a pack must not hold is taken from the partner files and the store, not written here.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from briefings.conftest import Hub
from saferhub.access import Reader, SharingAgreement, agreement_for, load_agreement
from saferhub.accounts import UserView, create_user, update_user
from saferhub.analysis.demand import utc_bounds
from saferhub.briefings import daily as daily_module
from saferhub.briefings.daily import daily_briefings
from saferhub.briefings.delivery import (
    AgencyPacks,
    Delivery,
    daily_pack_maker,
    daily_pack_plan,
    deliver_daily_briefings,
    send_daily_briefings,
)
from saferhub.briefings.periods import daily_period
from saferhub.briefings.render import BriefingFiles
from saferhub.config import Settings
from saferhub.workspace.packs import StoredPack, todays_pack

DAY = dt.date(2026, 5, 26)
USERS = (
    ("sched.police.analyst", "police", "analyst"),
    ("sched.police.viewer", "police", "partner_viewer"),
    ("sched.council.officer", "council", "officer"),
    ("sched.voluntary", "third_sector", "partner_viewer"),
)
LISTS = (
    'police = ["hub-police@example.org"]\n'
    'council = ["asb-team@example.org"]\n'
    'third_sector = ["partner-desk@example.org"]\n'
)
NOTICE = "Restricted intelligence exists"


@dataclass
class Run:
    settings: Settings
    agreement: SharingAgreement
    sent: dict[str, Delivery]
    period_reads: int

    def pack(self, username: str) -> StoredPack | None:
        """Today's pack as the web's home page finds it for this user."""
        _, agency, role = next(u for u in USERS if u[0] == username)
        reader = Reader(agency=agency, role=role, user=username)
        return todays_pack(settings=self.settings, reader=reader, agreement=self.agreement, day=DAY)

    def mailed_html(self, agency: str) -> str:
        [html] = [p for p in self.sent[agency].attachments if p.suffix == ".html"]
        return html.read_text(encoding="utf-8")


def _settings(hub: Hub, folder: Path, lists: str, **extra: object) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lists.toml").write_text(lists, encoding="utf-8")
    update = {"data_dir": folder / "hub", "distribution_file": folder / "lists.toml", **extra}
    return hub.settings.model_copy(update=update)


@pytest.fixture(scope="module")
def users(hub: Hub) -> Iterator[None]:
    """The users of the hub's store for this module only (the store is shared by the package)."""
    for username, agency, role in USERS:
        create_user(
            engine=hub.engine, username=username, display_name=username, agency=agency, role=role,
            password="a long test password",
        )  # fmt: skip
    yield
    with hub.engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE username LIKE 'sched.%'"))


@pytest.fixture(scope="module")
def run(hub: Hub, users: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    settings = _settings(hub, tmp_path_factory.mktemp("scheduled"), LISTS)
    reads = 0
    read_period = daily_module.read_period

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return read_period(**kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(daily_module, "read_period", counted)
        deliveries = deliver_daily_briefings(settings=settings, date=DAY, dry_run=True)
    return Run(settings, agreement_for(settings), {d.agency: d for d in deliveries}, reads)


def _reports(hub: Hub) -> list[dict[str, str]]:
    """The period's intelligence reports, from the partner file."""
    period = daily_period(DAY)
    with gzip.open(hub.files / "intelligence.csv.gz", "rt", encoding="utf-8") as fh:
        return [
            r
            for r in csv.DictReader(fh)
            if period.first.isoformat() <= r["recorded_at"][:10] <= period.last.isoformat()
        ]


def _all_intelligence(hub: Hub) -> tuple[set[str], set[str]]:
    """Every intelligence text and reference in the partner file."""
    with gzip.open(hub.files / "intelligence.csv.gz", "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r["text"] for r in rows if r["text"]}, {r["source_id"] for r in rows}


def _people_in_feed(engine: Engine, *, feed: str, agency: str) -> set[str]:
    """The people on ``agency``'s ``feed`` records in the year to the period's end (for
    referrals: the agency's own clients; for calls: its callers)."""
    period = daily_period(DAY)
    start, end = utc_bounds(period.last - dt.timedelta(days=364), period.last)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT DISTINCT l.person_id FROM person_links l "
                "JOIN person_mentions m ON m.id = l.mention_id JOIN events e ON e.id = m.event_id "
                "WHERE e.feed = :feed AND e.agency = :agency "
                "AND e.occurred_at >= :a AND e.occurred_at < :b"
            ),
            {"feed": feed, "agency": agency, "a": start, "b": end},
        ).all()
    return {pid for (pid,) in rows}


def _people(html: str) -> set[str]:
    return set(re.findall(r'data-person-id="([^"]+)"', html))


def _made_for(html: str) -> str:
    found = re.search(r"<title>[^<]*\(([a-z ]+)\)</title>", html)
    assert found is not None, "the pack does not say whom it was made for"
    return found.group(1)


def test_a_voluntary_partner_viewer_finds_todays_pack_after_the_scheduled_run(run: Run) -> None:
    pack = run.pack("sched.voluntary")
    assert pack is not None, "the home page would say today's briefing has not been made yet"
    assert pack.pdf is not None and pack.pdf.read_bytes().startswith(b"%PDF")
    assert _made_for(pack.html.read_text(encoding="utf-8")) == "partner viewer"
    # It is the very pack the voluntary sector's list is sent.
    assert set(run.sent["third_sector"].attachments) == {pack.html, pack.pdf}


def test_the_voluntary_sectors_pack_has_no_intelligence_and_no_police_call_details(
    hub: Hub, run: Run
) -> None:
    pack = run.pack("sched.voluntary")
    assert pack is not None
    html = pack.html.read_text(encoding="utf-8")
    texts, refs = _all_intelligence(hub)
    assert texts and refs
    assert not [t for t in texts if t in html] and not [r for r in refs if r in html]
    # People appear only as the voluntary sector's own clients; the police pack of the same
    # run names police callers, and none of those who are not its clients reach this pack.
    own = _people_in_feed(hub.engine, feed="referrals", agency="third_sector")
    assert _people(html) <= own
    police = run.pack("sched.police.analyst")
    assert police is not None
    callers = _people_in_feed(hub.engine, feed="calls", agency="police") & _people(
        police.html.read_text(encoding="utf-8")
    )
    assert callers - own, "the police pack lists no police caller: nothing to keep from the others"
    assert not (callers - own) & _people(html)


def test_each_list_is_sent_the_version_of_its_least_cleared_users(hub: Hub, run: Run) -> None:
    assert {a: d.made_for for a, d in run.sent.items()} == {
        "police": "partner_viewer",  # the police have a partner viewer: their list gets that version
        "council": "analyst",  # an officer reads what an analyst reads
        "third_sector": "partner_viewer",
    }
    assert all(d.status == "dry run" for d in run.sent.values())
    assert _made_for(run.mailed_html("police")) == "partner viewer"
    assert _made_for(run.mailed_html("council")) == "analyst"
    reports = _reports(hub)
    assert reports
    mailed = run.mailed_html("police")
    analyst = run.pack("sched.police.analyst")
    assert analyst is not None
    full = analyst.html.read_text(encoding="utf-8")
    for r in reports:
        assert r["text"] in full  # the police analysts' own pack on the web has the intelligence ...
        item = mailed.split(f"ref police {r['source_id']}")[1].split("</li>")[0]
        assert r["text"] not in item and NOTICE in item  # ... the list's, only that it exists


def test_every_user_finds_todays_pack_at_their_level(run: Run) -> None:
    levels = {}
    for username, _, _ in USERS:
        pack = run.pack(username)
        assert pack is not None, username
        levels[username] = _made_for(pack.html.read_text(encoding="utf-8"))
    assert levels == {
        "sched.police.analyst": "analyst",
        "sched.police.viewer": "partner viewer",
        "sched.council.officer": "analyst",
        "sched.voluntary": "partner viewer",
    }


def test_the_period_is_read_once_for_every_pack_of_the_run(run: Run) -> None:
    assert run.period_reads == 1  # four packs (police twice, council, voluntary sector)


def test_a_hub_agreement_sharing_intelligence_with_the_voluntary_sector_does_not_reach_its_list(
    hub: Hub, users: None, tmp_path: Path
) -> None:
    """A hub's own agreement gives voluntary partners intelligence summaries: their analysts
    could read them, but the list goes to partner viewers, who never read intelligence."""
    shipped = Path(load_agreement().path).read_text(encoding="utf-8")
    rule = (
        '\n[[rules]]\nname = "intelligence summaries to voluntary partners"\n'
        'readers = ["third_sector"]\nfeeds = ["intelligence"]\nlevel = "summary"\n'
        'basis = "a test hub\'s own agreement"\n'
    )
    (tmp_path / "sharing.toml").write_text(shipped + rule, encoding="utf-8")
    settings = _settings(
        hub, tmp_path, 'third_sector = ["partner-desk@example.org"]\n', sharing_file=tmp_path / "sharing.toml"
    )
    shared = [r for r in _reports(hub) if r["handling_code"] == "P"]
    assert shared
    # What an analyst-level pack (the list's version before) would carry: the shared texts.
    analyst = daily_briefings(
        engine=hub.engine, settings=settings, date=DAY, agencies=["third_sector"],
        out_dir=tmp_path / "analyst", pdf=False,
    )[0].html.read_text(encoding="utf-8")  # fmt: skip
    assert all(r["text"] in analyst for r in shared)

    [sent] = deliver_daily_briefings(settings=settings, date=DAY, dry_run=True)

    assert sent.made_for == "partner_viewer"
    [html] = [p.read_text(encoding="utf-8") for p in sent.attachments if p.suffix == ".html"]
    texts, _ = _all_intelligence(hub)
    assert not [t for t in texts if t in html]
    assert NOTICE in html


# --- the plan alone, on an empty store: which packs, and which one each list is sent ---


def _user(engine: Engine, username: str, agency: str, role: str) -> UserView:
    return create_user(
        engine=engine, username=username, display_name=username, agency=agency, role=role,
        password="a long test password",
    )  # fmt: skip


def test_an_agency_with_no_users_is_sent_the_least_cleared_version(engine: Engine) -> None:
    """Nobody at the fire service reads briefings in SaferHub: their level is not known, so
    fail closed. Auditors (who read the audit log, not packs) and inactive users do not count."""
    _user(engine, "fire.auditor", "fire", "auditor")
    gone = _user(engine, "fire.gone", "fire", "analyst")
    update_user(engine=engine, user_id=gone.id, active=False)
    _user(engine, "police.admin", "police", "hub_admin")
    _user(engine, "police.analyst", "police", "analyst")

    plan = daily_pack_plan(engine=engine, agreement=load_agreement(), agencies=["fire", "police"])

    assert plan["fire"] == AgencyPacks("fire", ("partner_viewer",), "partner_viewer")
    assert plan["police"] == AgencyPacks("police", ("analyst",), "analyst")


def test_no_pack_is_sent_when_no_one_version_suits_every_user(engine: Engine, tmp_path: Path) -> None:
    """A hub's agreement lowers officers' ceiling but lets them read intelligence: neither an
    officer's nor a partner viewer's version is one the other may read, so the list gets none
    and is told why (roles, never people); each user's own pack is still made for the web."""
    shipped = Path(load_agreement().path).read_text(encoding="utf-8")
    lowered = shipped.replace('[roles.officer]\nceiling = "full"', '[roles.officer]\nceiling = "summary"')
    assert lowered != shipped
    (tmp_path / "sharing.toml").write_text(lowered, encoding="utf-8")
    agreement = load_agreement(tmp_path / "sharing.toml")
    _user(engine, "council.officer", "council", "officer")
    _user(engine, "council.viewer", "council", "partner_viewer")

    plan = daily_pack_plan(engine=engine, agreement=agreement, agencies=["council"])
    assert plan["council"].roles == ("officer", "partner_viewer") and plan["council"].mailed is None

    built: list[tuple[str, Path]] = []

    def build(*, packs: list[tuple[Reader, Path]], **_: object) -> list[BriefingFiles]:
        built.extend((reader.role, folder) for reader, folder in packs)
        return [BriefingFiles(pack=None, html=folder / "x.html", pdf=None) for _, folder in packs]  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(daily_module, "daily_briefings_for", build)
        make = daily_pack_maker(
            engine=engine, settings=Settings(data_dir=tmp_path), date=DAY, out_dir=tmp_path,
            agencies=["council"], plan=plan, agreement=agreement,
        )  # fmt: skip
        [result] = send_daily_briefings(
            settings=Settings(data_dir=tmp_path), date=DAY, make_pack=make,
            distribution={"council": ("asb-team@example.org",)}, dry_run=True,
        )  # fmt: skip
    assert result.status == "not sent" and result.attachments == ()
    assert built == [("officer", tmp_path / "officer"), ("partner_viewer", tmp_path / "partner_viewer")]
    assert result.error is not None and "officer, partner_viewer" in result.error
    assert "council.officer" not in result.error and "council.viewer" not in result.error
