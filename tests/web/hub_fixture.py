"""A seeded hub for the web tests: a synthetic Wirral year, linked and placed, with users of
every role and agency, a case with actions, and planted strings the agreement hides.

Built once per test process (``seeded_hub()``; the ``seeded_hub`` fixture wraps it) on
SQLite or, when SAFERHUB_TEST_DATABASE_URL is set, in a PostgreSQL database of its own.
Ground truth: the planted frequent caller comes from the generator's ``truth/people.csv``;
the planted strings (a police call's outcome, intelligence text, a case log entry) are
written into the partner files before import, so which readers may see them is known.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from saferhub.access import ROLES, Reader, agreement_for
from saferhub.accounts import UserView, create_user, issue_token, start_session
from saferhub.config import Settings
from saferhub.store import connect, upgrade
from saferhub.store.models import Event, PersonMention
from saferhub.store.people_models import PersonLink
from saferhub.store.place_models import EventPlace

SEED, SCALE, DAYS = 5, 0.05, 365
PASSWORD = "a long test password"
WHERE = "cli:web-tests"
SYNTH_FILES = {
    "calls": "calls.csv.gz",
    "asb-reports": "asb-reports.csv.gz",
    "fire-incidents": "fire-incidents.csv.gz",
    "referrals": "referrals.csv.gz",
    "intelligence": "intelligence.csv.gz",
}
# Planted strings: unique, so finding one in an answer can only mean it leaked.
POLICE_CALL_TEXT = "Webtest police outcome Kestrel-7Q4Z"
INTEL_P_TEXT = "Webtest intelligence Heron-9K2X"
INTEL_C_TEXT = "Webtest restricted intelligence Osprey-3M8V"
CASE_NOTE_TEXT = "Webtest case log Plover-5T1W"
POLICE_CALL_ID = "WT26-000001"
INTEL_P_ID = "INT-26-990001"
INTEL_C_ID = "INT-26-990002"
POLICE_ONLY = "Not to be disclosed outside Merseyside Police without the Intelligence Unit's consent"
STATUTORY = ("police", "council", "fire", "ambulance", "housing")


@dataclass(frozen=True)
class PlantedPerson:
    """A planted frequent caller: their truth id, hub id and what a search would use."""

    truth_id: str
    person_id: str
    first_name: str
    last_name: str
    dob: str
    phone: str
    rule: str


@dataclass
class SeededHub:
    root: Path
    url: str
    settings: Settings
    engine: Engine
    truth: Path
    today: dt.date
    users: dict[tuple[str, str], UserView]
    frequent_caller: PlantedPerson
    place_id: str  # where the planted police call happened
    event_id: int  # the planted police call
    case_reference: str | None  # a problem case owned by the police, linking the caller
    case_id: int | None
    fire_action_id: int | None
    voluntary_action_id: int | None
    import_id: int = 0  # the first partner file imported
    pair_id: int | None = None  # a pair in the review queue
    token_id: int = 0  # an API token of the police analyst's
    packs: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # agency -> kind, folder, stem
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def user(self, agency: str, role: str) -> UserView:
        return self.users[(agency, role)]

    def username(self, agency: str, role: str) -> str:
        return self.users[(agency, role)].username

    def token(self, agency: str, role: str) -> str:
        """An API token for that user (issued once, then reused)."""
        key = (agency, role)
        if key not in self.tokens:
            self.tokens[key] = issue_token(engine=self.engine, user_id=self.users[key].id, name="web-tests")
        return self.tokens[key]

    def session(self, agency: str, role: str) -> tuple[str, str]:
        """A fresh session (cookie secret, CSRF token) without the sign-in form."""
        return start_session(engine=self.engine, user_id=self.users[(agency, role)].id)

    def hidden_from(self, agency: str, role: str) -> dict[str, str]:
        """Planted strings the shipped agreement (and tasking rules) hide from this reader,
        by what they are."""
        person = self.frequent_caller
        hidden: dict[str, str] = {}
        sees_cases = agency in STATUTORY and role != "auditor"
        if role == "auditor" or agency not in STATUTORY:
            hidden |= {"police call outcome": POLICE_CALL_TEXT, "caller's surname": person.last_name}
        if role in ("auditor", "partner_viewer") or agency not in ("police", "council", "housing"):
            hidden["intelligence text (code P)"] = INTEL_P_TEXT
        if not (agency == "police" and role in ("hub_admin", "analyst", "officer")):
            hidden["intelligence text (code C, police only)"] = INTEL_C_TEXT
        if not sees_cases:
            hidden["case log entry"] = CASE_NOTE_TEXT
        return hidden

    def shown_to(self, agency: str, role: str) -> dict[str, str]:
        """Planted strings this reader is entitled to (used to prove the checks can fail)."""
        every = {
            "police call outcome": POLICE_CALL_TEXT,
            "caller's surname": self.frequent_caller.last_name,
            "intelligence text (code P)": INTEL_P_TEXT,
            "intelligence text (code C, police only)": INTEL_C_TEXT,
            "case log entry": CASE_NOTE_TEXT,
        }
        hidden = self.hidden_from(agency, role)
        return {k: v for k, v in every.items() if k not in hidden}


def _database(root: Path) -> tuple[str, str | None]:
    """(url, PostgreSQL database name or None): a fresh migrated database of our own."""
    server = os.environ.get("SAFERHUB_TEST_DATABASE_URL")
    if not server:
        url = f"sqlite:///{root / 'hub.db'}"
        upgrade(url)
        return url, None
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    name = f"saferhub_web_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url, name


def _drop(name: str) -> None:
    server = os.environ.get("SAFERHUB_TEST_DATABASE_URL")
    if not server:
        return
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _choose_frequent_caller(engine: Engine, truth: Path, today: dt.date) -> tuple[dict[str, str], str]:
    """A planted adult frequent caller (FreCaNN, truth) whom the hub links cleanly and lists
    as a frequent caller today, with named police calls and no voluntary-sector records (so
    nothing of theirs is the voluntary sector's own to see): (truth row, hub person id)."""
    from saferhub.analysis.frequent_callers import frequent_callers
    from saferhub.linking import person_links

    people = pl.read_csv(truth / "people.csv", infer_schema=False)
    mentions = pl.read_csv(truth / "mentions.csv", infer_schema=False).rename({"person_id": "truth_id"})
    links = person_links(engine=engine).join(mentions, on=["feed", "agency", "source_id", "role"])
    listed = set(frequent_callers(engine=engine, as_of=today, addresses=False).people["person_id"].to_list())
    callers = people.filter(
        (pl.col("frequent_caller") == "true")
        & pl.col("frequent_caller_rule").str.contains("month5|3months12")
        & ~pl.col("frequent_caller_rule").str.contains("child")
        & pl.col("mobile").is_not_null()
    )
    voluntary = mentions.filter(pl.col("agency") == "third_sector")["truth_id"].to_list()
    voluntary_surnames = set(
        people.filter(pl.col("person_id").is_in(voluntary))["last_name"].str.to_lowercase().to_list()
    )
    candidates = []
    for person in callers.iter_rows(named=True):
        if person["last_name"].lower() in voluntary_surnames:
            continue  # the voluntary sector sees its own records: its readers may meet the surname
        mine = links.filter(pl.col("truth_id") == person["person_id"])
        hub_ids = mine["person_id"].unique().to_list()
        if (
            len(hub_ids) != 1
            or hub_ids[0] not in listed
            or mine.filter(pl.col("agency") == "third_sector").height
        ):
            continue
        others = links.filter(
            (pl.col("person_id") == hub_ids[0]) & (pl.col("truth_id") != person["person_id"])
        )
        police = mine.filter((pl.col("feed") == "calls") & (pl.col("agency") == "police"))
        if others.height == 0 and police.height:
            candidates.append((mine.height, person, hub_ids[0]))
    assert candidates, "no planted frequent caller is cleanly linked and listed today"
    candidates.sort(key=lambda c: -c[0])
    return candidates[0][1], candidates[0][2]


def _plant(synth: Path, person: dict[str, str], day: dt.date) -> dict[str, Path]:
    """Extra partner files: a police call by the frequent caller and two intelligence logs
    about them, carrying the planted strings; returns {feed: path}."""
    mentions = pl.read_csv(synth / "truth" / "mentions.csv", infer_schema=False)
    police_calls = mentions.filter(
        (pl.col("person_id") == person["person_id"])
        & (pl.col("feed") == "calls")
        & (pl.col("agency") == "police")
    )
    calls = pl.read_csv(synth / "calls.csv.gz", infer_schema=False)
    theirs = calls.filter(
        (pl.col("agency") == "police")
        & pl.col("source_id").is_in(police_calls["source_id"].to_list())
        & pl.col("caller_last_name").is_not_null()
        & pl.col("caller_first_name").is_not_null()
    )
    assert theirs.height, "the frequent caller has no named police call to copy"
    call = theirs.tail(1).with_columns(
        source_id=pl.lit(POLICE_CALL_ID),
        received_at=pl.lit(f"{day.isoformat()}T10:15:00"),
        outcome=pl.lit(POLICE_CALL_TEXT),
        caller_phone=pl.lit(person["mobile"]),
    )
    intel = pl.read_csv(synth / "intelligence.csv.gz", infer_schema=False).head(1)
    subject = {
        "subject_first_name": person["first_name"],
        "subject_last_name": person["last_name"],
        "subject_dob": person["dob"],
        "subject_phone": person["mobile"],
        "subject_ref": "",
    }
    logs = pl.concat(
        [
            intel.with_columns(
                source_id=pl.lit(ident),
                recorded_at=pl.lit(f"{day.isoformat()}T{hour}:00:00"),
                handling_code=pl.lit(code),
                handling_conditions=pl.lit(conditions),
                text=pl.lit(words),
                **{k: pl.lit(v) for k, v in subject.items()},
            )
            for ident, hour, code, conditions, words in (
                (INTEL_P_ID, "11", "P", "", INTEL_P_TEXT),
                (INTEL_C_ID, "12", "C", POLICE_ONLY, INTEL_C_TEXT),
            )
        ]
    )
    out = {"calls": synth / "webtest-calls.csv", "intelligence": synth / "webtest-intelligence.csv"}
    call.write_csv(out["calls"])
    logs.write_csv(out["intelligence"])
    return out


def _hub_person(engine: Engine) -> tuple[str, int, str | None]:
    """(person id, event id, place id) of the planted police call."""
    e, m, links, places = (
        Event.__table__.c,
        PersonMention.__table__.c,
        PersonLink.__table__.c,
        EventPlace.__table__.c,
    )
    query = (
        select(links.person_id, e.id, places.place_id)
        .join_from(Event.__table__, PersonMention.__table__, m.event_id == e.id)
        .join(PersonLink.__table__, links.mention_id == m.id)
        .outerjoin(EventPlace.__table__, places.event_id == e.id)
        .where(e.source_id == POLICE_CALL_ID, e.agency == "police", e.feed == "calls")
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    assert row is not None, "the planted police call was not imported or not linked"
    return str(row[0]), int(row[1]), row[2]


def _any_place(engine: Engine) -> str:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT place_id FROM event_places WHERE place_id IS NOT NULL LIMIT 1")
        ).first()
    assert found is not None, "no event was placed"
    return str(found[0])


def _tasking(hub: SeededHub) -> None:
    """A police problem case linking the frequent caller, a log entry, and actions for the
    fire service and the voluntary sector. Skipped (fields stay None) without tasking."""
    try:
        from saferhub.tasking import add_note, create_action, create_case, link_to_case
    except ModuleNotFoundError:
        return
    police = Reader(agency="police", role="analyst", user=hub.username("police", "analyst"))
    me = {"engine": hub.engine, "reader": police, "where_from": WHERE}
    case = create_case(
        **me,
        kind="problem",
        title="Repeat calls from one caller in Birkenhead",
        summary="Demand reduction for a frequent caller",
        stage="analysis",
    )
    link_to_case(**me, case=case.reference, kind="person", ref=hub.frequent_caller.person_id)
    link_to_case(**me, case=case.reference, kind="place", ref=hub.place_id)
    add_note(**me, case=case.reference, text=CASE_NOTE_TEXT)
    due = hub.today + dt.timedelta(days=5)
    fire = create_action(
        **me, case=case.reference, title="Home fire safety visit", assigned_agency="fire", due_on=due
    )
    voluntary = create_action(
        **me,
        case=case.reference,
        title="Offer befriending support",
        assigned_agency="third_sector",
        due_on=due,
    )
    hub.case_reference, hub.case_id = case.reference, case.id
    hub.fire_action_id, hub.voluntary_action_id = fire.id, voluntary.id


def _briefing_packs(hub: SeededHub) -> None:
    """Today's daily pack (HTML and PDF) for police, council, fire and the voluntary sector,
    made for an analyst, where the briefings archive keeps them."""
    try:
        from saferhub.workspace.packs import make_daily_pack
    except ModuleNotFoundError:
        return
    agreement = agreement_for(hub.settings)
    for agency in ("police", "council", "fire", "third_sector"):
        reader = Reader(agency=agency, role="analyst", user=hub.username(agency, "analyst"))
        pack = make_daily_pack(
            engine=hub.engine, settings=hub.settings, reader=reader, agreement=agreement, day=hub.today
        )
        hub.packs[agency] = (pack.kind, pack.folder, pack.stem)


def _ids(hub: SeededHub) -> None:
    """Ids the route table's parameters need: an import, a review pair, an API token."""
    hub.token("police", "analyst")
    with hub.engine.connect() as conn:
        hub.import_id = int(conn.execute(text("SELECT MIN(id) FROM imports")).scalar_one())
        pair = conn.execute(text("SELECT MIN(id) FROM person_review_pairs")).scalar_one()
        hub.pair_id = int(pair) if pair is not None else None
        hub.token_id = int(conn.execute(text("SELECT MAX(id) FROM api_tokens")).scalar_one())


def build_seeded_hub(root: Path) -> tuple[SeededHub, str | None]:
    from saferhub.briefings.periods import london_today
    from saferhub.linking import link_people
    from saferhub.linking.places import resolve_places
    from saferhub.services import import_partner_file
    from saferhub.synth import generate

    today = london_today()
    yesterday = today - dt.timedelta(days=1)
    synth = root / "synth"
    generate(out_dir=synth, days=DAYS, seed=SEED, scale=SCALE, end_date=yesterday)
    truth = synth / "truth"
    url, pg_name = _database(root)
    settings = Settings(database_url=url, data_dir=root / "hub", secure_cookies=False)
    engine = connect(url)
    for feed, name in SYNTH_FILES.items():
        import_partner_file(settings=settings, engine=engine, feed=feed, path=synth / name)
    link_people(engine=engine)
    person, chosen_id = _choose_frequent_caller(engine, truth, today)
    for feed, path in _plant(synth, person, yesterday).items():
        summary = import_partner_file(settings=settings, engine=engine, feed=feed, path=path)
        assert summary.quarantined == 0, f"a planted {feed} row was quarantined: {summary.quarantine}"
    link_people(engine=engine)
    resolve_places(engine=engine)
    person_id, event_id, place_id = _hub_person(engine)
    assert person_id == chosen_id, "the planted police call was not linked to the frequent caller"
    agencies = tuple(agreement_for(settings).agencies)
    users = {
        (agency, role): create_user(
            engine=engine,
            username=f"{agency}-{role}".replace("_", "-"),
            display_name=f"Test {role.replace('_', ' ')} of {agency}",
            agency=agency,
            role=role,
            password=PASSWORD,
        )
        for agency in agencies
        for role in ROLES
    }
    planted = PlantedPerson(
        truth_id=person["person_id"],
        person_id=person_id,
        first_name=person["first_name"],
        last_name=person["last_name"],
        dob=person["dob"],
        phone=person["mobile"],
        rule=person["frequent_caller_rule"],
    )
    hub = SeededHub(
        root=root,
        url=url,
        settings=settings,
        engine=engine,
        truth=truth,
        today=today,
        users=users,
        frequent_caller=planted,
        place_id=place_id or _any_place(engine),
        event_id=event_id,
        case_reference=None,
        case_id=None,
        fire_action_id=None,
        voluntary_action_id=None,
    )
    _tasking(hub)
    _briefing_packs(hub)
    _ids(hub)
    return hub, pg_name


_BUILT: dict[str, SeededHub] = {}


def seeded_hub_once() -> SeededHub:
    """The process's seeded hub, built on first use (one per backend)."""
    key = os.environ.get("SAFERHUB_TEST_DATABASE_URL", "sqlite")
    if key not in _BUILT:
        root = Path(tempfile.mkdtemp(prefix="saferhub-web-hub-"))
        hub, pg_name = build_seeded_hub(root)

        def clean_up() -> None:
            hub.engine.dispose()
            if pg_name:
                _drop(pg_name)
            shutil.rmtree(root, ignore_errors=True)

        atexit.register(clean_up)
        _BUILT[key] = hub
    return _BUILT[key]


@pytest.fixture(scope="session")
def seeded_hub() -> Iterator[SeededHub]:
    """Import this fixture into a test module: ``from web.hub_fixture import seeded_hub``."""
    yield seeded_hub_once()
