"""The person profile: the timeline each reader may see, intelligence handling, link
evidence and flags, checked against the ground truth and the analyses' own lists."""

from __future__ import annotations

import datetime as dt
import json
import re

import polars as pl
import pytest
from sqlalchemy import delete, insert

from profiles.helpers import AS_OF, WHERE, Hub, cleanly_linked, reader, truth_people
from saferhub.access import Level, SharingAgreement, read_intelligence, recent
from saferhub.analysis.frequent_callers import frequent_callers
from saferhub.analysis.repeats import asb_case_review, repeat_victims
from saferhub.analysis.standards import load_standards
from saferhub.profiles import NotFound, PersonProfile, person_profile
from saferhub.profiles.schemas import PersonProfileOut
from saferhub.store.people_models import PersonLinkDecision

READERS = ("police", "council", "fire", "ambulance", "housing", "third_sector")
NOT_SHOWN_IN_SUMMARY = ("outcome", "description", "concern", "text", "handling_conditions")


def _profile(hub: Hub, pid: str, agency: str = "police", role: str = "analyst") -> PersonProfile:
    return person_profile(
        engine=hub.engine,
        reader=reader(agency, role),
        agreement=hub.agreement,
        where_from=WHERE,
        person_id=pid,
        as_of=AS_OF,
    )


def _level(agreement: SharingAgreement, agency: str, feed: str, owner: str) -> Level:
    return agreement.decide(reader(agency), feed, owner).level


def _busy_people(hub: Hub, n: int = 6) -> list[tuple[str, str]]:
    """(truth id, hub person id) of cleanly linked people known to the most agencies."""
    per = (
        hub.links.drop_nulls("truth_id")
        .group_by("truth_id")
        .agg(agencies=pl.col("agency").n_unique(), feeds=pl.col("feed").n_unique(), n=pl.len())
        .sort(["feeds", "agencies", "n", "truth_id"], descending=[True, True, True, False])
    )
    out = []
    for truth_id in per["truth_id"].to_list():
        pid = cleanly_linked(hub, truth_id)
        if pid:
            out.append((truth_id, pid))
        if len(out) == n:
            break
    assert len(out) == n
    return out


@pytest.mark.parametrize("agency", READERS)
def test_the_timeline_holds_every_record_of_the_true_person_the_reader_may_see(hub: Hub, agency: str) -> None:
    opened = 0
    for truth_id, pid in _busy_people(hub):
        records = hub.links.filter(pl.col("truth_id") == truth_id).unique("event_id")
        levels = [
            _level(hub.agreement, agency, f, a) for f, a in records.select("feed", "agency").iter_rows()
        ]
        expected = {e for e, lv in zip(records["event_id"], levels, strict=True) if lv is not Level.NONE}
        whole = [
            e
            for (e, f), lv in zip(records.select("event_id", "feed").iter_rows(), levels, strict=True)
            if lv is Level.FULL and f != "intelligence"
        ]
        if not whole and not any(lv is Level.FULL for lv in levels):
            with pytest.raises(NotFound):
                _profile(hub, pid, agency)
            continue
        profile = _profile(hub, pid, agency)
        opened += 1
        assert {e.event_id for e in profile.timeline} == expected
        assert len(profile.timeline) == len(expected)  # one entry per record
        for entry in profile.timeline:
            owner_level = _level(hub.agreement, agency, entry.feed, entry.agency)
            if entry.level == "full":
                assert owner_level is Level.FULL
            if entry.level != "full":
                assert entry.address is None and entry.postcode is None
                # an intelligence summary carries the sanitised text where the handling allows
                kept = (
                    {"text", "handling_conditions"}
                    if (entry.feed, entry.level) == ("intelligence", "summary")
                    else set()
                )
                assert not set(entry.details) & (set(NOT_SHOWN_IN_SUMMARY) - kept)
        times = [e.occurred_at for e in profile.timeline]
        assert times == sorted(times, reverse=True)
    if agency == "police":
        assert opened == 6  # the police see every record of everyone


def _with_third_sector_and_police(hub: Hub) -> str:
    per = (
        hub.links.drop_nulls("person_id")
        .group_by("person_id")
        .agg(
            third=(pl.col("agency") == "third_sector").any(),
            calls=((pl.col("agency") == "police") & (pl.col("feed") == "calls")).any(),
            intel=(pl.col("feed") == "intelligence").any(),
            n=pl.len(),
        )
    )
    both = per.filter(pl.col("third") & pl.col("calls")).sort(
        ["intel", "n", "person_id"], descending=[True, True, False]
    )
    assert both.height, "no person known to both the police and a voluntary partner"
    return str(both["person_id"][0])


def test_a_voluntary_partner_sees_no_call_details_and_no_intelligence(hub: Hub) -> None:
    pid = _with_third_sector_and_police(hub)
    police = _profile(hub, pid, "police")
    assert any(e.feed == "calls" for e in police.timeline)
    seen = _profile(hub, pid, "third_sector")
    assert seen.timeline, "its own referral at least"
    assert {e.feed for e in seen.timeline} <= {"referrals"}
    assert all(e.level == "full" for e in seen.timeline if e.agency == "third_sector")
    for e in seen.timeline:
        if e.agency != "third_sector":
            assert e.level == "summary" and e.address is None and "concern" not in e.details
    assert not any(m.feed in ("calls", "intelligence") for m in seen.mentions)
    assert all(m.agency == "third_sector" for m in seen.mentions)  # only whole mentions are listed
    flags = {f.name: f for f in seen.flags}
    assert not flags["frequent_caller"].met  # no call of theirs counts for this reader


def _intelligence(hub: Hub) -> pl.DataFrame:
    intel = read_intelligence(hub.engine).filter(pl.col("subject_person_id").is_not_null())
    counts = hub.links.group_by("person_id").agg(
        other=(pl.col("feed") != "intelligence").sum(),
    )
    return intel.join(counts, left_on="subject_person_id", right_on="person_id").filter(pl.col("other") > 0)


def test_a_council_reader_gets_notices_for_code_c_intelligence_not_shared_with_it(hub: Hub) -> None:
    intel = _intelligence(hub)
    closed = intel.filter(
        (pl.col("handling_code") == "C")
        & pl.col("handling_conditions").str.starts_with("Not to be disclosed")
    )
    opened = intel.filter(
        (pl.col("handling_code") == "C") & pl.col("handling_conditions").str.starts_with("Share with council")
    )
    assert closed.height and opened.height, "the synthetic year has both kinds"
    row = closed.row(0, named=True)
    profile = _profile(hub, row["subject_person_id"], "council")
    entry = next(e for e in profile.timeline if e.event_id == row["id"])
    assert entry.level == "notice"
    assert entry.notice is not None and row["source_id"] in entry.notice and "handling code C" in entry.notice
    assert "text" not in entry.details and "handling_conditions" not in entry.details
    row = opened.row(0, named=True)
    entry = next(
        e for e in _profile(hub, row["subject_person_id"], "council").timeline if e.event_id == row["id"]
    )
    assert entry.level == "summary" and entry.notice is None and entry.details.get("text") == row["text"]
    viewer = _profile(hub, row["subject_person_id"], "council", "partner_viewer")
    assert next(e for e in viewer.timeline if e.event_id == row["id"]).level == "notice"
    assert all(e.feed != "intelligence" for e in _profile(hub, row["subject_person_id"], "fire").timeline)


def test_each_linked_mention_carries_its_evidence(hub: Hub) -> None:
    for _, pid in _busy_people(hub, n=3):
        profile = _profile(hub, pid)
        assert len(profile.mentions) == hub.links.filter(pl.col("person_id") == pid).height
        for m in profile.mentions:
            assert m.evidence is not None and m.evidence.decided_by in (
                "model",
                "agency reference",
                "reviewer",
            )
            assert m.evidence.agreeing, m  # a link always rests on something that agrees
            if m.evidence.decided_by == "agency reference":
                assert "agency reference" in m.evidence.agreeing and m.agency_ref
        assert profile.name is not None and profile.person_id == pid


@pytest.mark.parametrize("which", ["frequent_caller", "repeat_victim", "asb_case_review"])
def test_flags_agree_with_the_analyses_lists(hub: Hub, which: str) -> None:
    """For the police (who see every record in full) a flag is the analysis's own answer."""
    if which == "frequent_caller":
        listed = set(frequent_callers(engine=hub.engine, as_of=AS_OF, addresses=False).people["person_id"])
    elif which == "repeat_victim":
        listed = set(repeat_victims(engine=hub.engine, as_of=AS_OF).rows["person_id"])
    else:
        listed = set(asb_case_review(engine=hub.engine, as_of=AS_OF).rows["person_id"])
    assert listed, which
    busy = (
        hub.links.filter(pl.col("feed").is_in(["calls", "asb-reports"]))
        .group_by("person_id")
        .len()
        .filter(pl.col("len") >= 2)
        .sort(["len", "person_id"], descending=[True, False])["person_id"]
    )
    on = sorted(listed)[:5]
    off = [p for p in busy if p not in listed][:5]
    for pid in [*on, *off]:
        flag = next(f for f in _profile(hub, pid).flags if f.name == which)
        assert flag.met == (pid in listed), (pid, flag)
        # each rule as the hub's standards word it, with its source
        worded = {r.plain() for r in load_standards().rules.values()}
        assert flag.rules and all(r in worded for r in flag.rules), flag.rules


def test_vulnerable_people_carry_their_referrals(hub: Hub) -> None:
    truth = truth_people(hub).filter(pl.col("vulnerable") == "true").sort("person_id")
    checked = 0
    for truth_id in truth["person_id"].to_list():
        pid = cleanly_linked(hub, truth_id)
        if not pid:
            continue
        profile = _profile(hub, pid)
        referrals = [e for e in profile.timeline if e.feed == "referrals" and "subject" in e.roles]
        recent_ones = [e for e in referrals if (AS_OF - e.occurred_at.date()).days < 365]
        flag = next(f for f in profile.flags if f.name == "vulnerable")
        assert flag.met == bool(recent_ones)
        if recent_ones:
            assert profile.vulnerability is not None and profile.vulnerability.referrals == len(recent_ones)
            checked += 1
        if checked == 5:
            break
    assert checked >= 3


def test_the_profile_renders_as_json_through_its_schema(hub: Hub) -> None:
    _, pid = _busy_people(hub, n=1)[0]
    profile = _profile(hub, pid)
    out = PersonProfileOut.model_validate(profile)
    data = json.loads(out.model_dump_json())
    assert data["person_id"] == pid and len(data["timeline"]) == len(profile.timeline)
    assert {f["name"] for f in data["flags"]} == {
        "frequent_caller",
        "repeat_victim",
        "asb_case_review",
        "vulnerable",
    }
    assert data["timeline"][0]["occurred_at"].endswith(("Z", "+00:00", "+01:00"))


def test_a_view_is_audited_with_ids_only(hub: Hub) -> None:
    _, pid = _busy_people(hub, n=1)[0]
    profile = _profile(hub, pid)
    entry = recent(hub.engine, last=1).row(0, named=True)
    what = json.loads(entry["what"])
    assert entry["action"] == "view" and what["purpose"] == "person_profile" and what["person_id"] == pid
    assert what["event_ids"] == sorted(e.event_id for e in profile.timeline)
    assert profile.name is not None
    for part in profile.name.lower().split():
        assert part not in entry["what"].lower()


def test_unknown_and_forbidden_people_look_alike(hub: Hub) -> None:
    police_only = (
        hub.links.drop_nulls("person_id")
        .group_by("person_id")
        .agg(only=(pl.col("agency") == "police").all() & (pl.col("feed") == "calls").all())
        .filter(pl.col("only"))
        .sort("person_id")["person_id"][0]
    )
    errors = []
    for asked, agency, role in (
        ("P000000000000", "police", "analyst"),  # nobody
        (police_only, "third_sector", "analyst"),  # not theirs to see
        (police_only, "police", "auditor"),  # summaries only
        ("John Smith", "police", "analyst"),  # not an id at all
    ):
        with pytest.raises(NotFound) as caught:
            _profile(hub, asked, agency, role)
        errors.append((type(caught.value), str(caught.value), caught.value.args))
        entry = recent(hub.engine, last=1).row(0, named=True)
        what = json.loads(entry["what"])
        assert entry["action"] == "deny" and what["found"] is False
        assert set(what) <= {"purpose", "found", "person_id"}
        assert "smith" not in entry["what"].lower()
    assert len(set(errors)) == 1, errors
    _profile(hub, police_only, "police")  # and it does exist


def test_a_reviewers_confirmation_is_shown_with_its_time_in_london(hub: Hub) -> None:
    """The store keeps naive UTC; the profile (and its JSON) gives the moment with its offset."""
    _, pid = _busy_people(hub, n=1)[0]
    first, second = sorted(m.mention_id for m in _profile(hub, pid).mentions)[:2]
    decided = dt.datetime(2026, 7, 1, 8, 30)  # 09:30 in London (BST)
    d = PersonLinkDecision.__table__
    with hub.engine.begin() as conn:
        conn.execute(
            insert(d).values(
                mention_l=first,
                mention_r=second,
                decision="same",
                decided_by="police-analyst",
                decided_at=decided,
            )
        )
    try:
        evidence = {m.mention_id: m.evidence for m in _profile(hub, pid).mentions}
        for mention in (first, second):
            shown = evidence[mention]
            assert shown is not None and shown.decided_by == "reviewer"
            assert shown.decision_at is not None and shown.decision_at.utcoffset() == dt.timedelta(hours=1)
            assert shown.decision_at.astimezone(dt.UTC).replace(tzinfo=None) == decided
        answered = json.loads(PersonProfileOut.model_validate(_profile(hub, pid)).model_dump_json())
        times = [m["evidence"]["decision_at"] for m in answered["mentions"] if m["mention_id"] == first]
        assert times == ["2026-07-01T09:30:00+01:00"]
    finally:
        with hub.engine.begin() as conn:
            conn.execute(delete(d).where(d.c.mention_l == first, d.c.mention_r == second))


def test_flags_are_explained_in_words_not_rule_names(hub: Hub) -> None:
    """A partner reads "5+ calls in a calendar month", never ``adult_month`` or ``adult_age = 18``."""
    internal = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
    seen_met = False
    callers = frequent_callers(engine=hub.engine, as_of=AS_OF, addresses=False).people["person_id"]
    for pid in [*sorted(callers)[:3], *(p for _, p in _busy_people(hub, n=3))]:
        for flag in _profile(hub, pid).flags:
            seen_met |= flag.met and flag.name == "frequent_caller"
            for text in (flag.detail, *flag.rules):
                assert not internal.search(text), text
            assert not re.search(r"\d{4}-\d{2}", flag.detail), flag.detail  # dates as pages write them
    assert seen_met, "no frequent caller among the busiest people: the words for a met rule went untested"


def test_a_local_figure_is_named_in_words_with_its_value() -> None:
    from saferhub.analysis.standards import Rule

    published = Rule("adult_calls_in_month", 5, "FreCaNN: an adult with 5 or more calls in a calendar month")
    assert published.plain() == "FreCaNN: an adult with 5 or more calls in a calendar month"
    local = Rule("adult_calls_in_month", 7, "local figure (wirral.toml)", local=True)
    assert local.plain() == "Adult calls in month: 7 (local figure (wirral.toml))"
