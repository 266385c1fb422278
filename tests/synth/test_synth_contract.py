"""The synthetic files follow the import contract (shared/spec/feeds.md) to the letter."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from saferhub.synth import SynthSummary

PERSON = ("first_name", "last_name", "dob", "phone", "address", "postcode", "ref")
LOCATION = ("location_address", "location_postcode", "latitude", "longitude", "easting",
            "northing")
AGENCIES = {"police", "fire", "ambulance", "council", "housing", "third_sector"}
VULNERABILITIES = {
    "mental_health", "substance_misuse", "alcohol", "learning_disability",
    "physical_disability", "elderly", "isolation", "hoarding", "fire_risk", "domestic_abuse",
    "exploitation", "financial_abuse", "child", "homeless", "other",
}
# feed: (required, other own columns, person roles, has location columns)
CONTRACT: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]] = {
    "calls": (("agency", "source_id", "received_at"),
              ("channel", "call_type", "category", "priority", "attended", "outcome"),
              ("caller",), True),
    "asb-reports": (("agency", "source_id", "reported_at"),
                    ("occurred_at", "asb_type", "description", "risk"),
                    ("reporter", "subject"), True),
    "fire-incidents": (("source_id", "occurred_at", "incident_type"),
                       ("agency", "motive", "property_type", "casualties"), ("occupant",), True),
    "referrals": (("agency", "source_id", "referred_at"),
                  ("vulnerabilities", "concern", "risk", "consent"), ("subject",), False),
    "intelligence": (("agency", "source_id", "recorded_at", "source_grade", "intel_grade",
                      "handling_code"), ("handling_conditions", "text", "tags"),
                     ("subject", "associate"), True),
}
ENUMS: dict[str, dict[str, set[str]]] = {
    "calls": {
        "channel": {"999", "101", "112", "phone", "online", "in_person", "alarm", "other"},
        "category": {"asb", "crime", "fire", "medical", "welfare", "mental_health", "domestic",
                     "hoax", "false_alarm", "other"},
        "priority": {"emergency", "priority", "scheduled", "advice"},
        "attended": {"true", "false"},
    },
    "asb-reports": {"asb_type": {"personal", "nuisance", "environmental"},
                    "risk": {"standard", "medium", "high"}},
    "fire-incidents": {
        "incident_type": {"primary_fire", "secondary_fire", "chimney_fire",
                          "false_alarm_malicious", "false_alarm_good_intent",
                          "false_alarm_apparatus", "special_service"},
        "motive": {"accidental", "deliberate", "unknown"},
        "property_type": {"dwelling", "other_building", "vehicle", "refuse", "grassland",
                          "derelict", "other"},
        "agency": {"fire"},
    },
    "referrals": {"risk": {"standard", "medium", "high"},
                  "consent": {"given", "refused", "not_sought", "override"}},
    "intelligence": {"source_grade": {"1", "2", "3"}, "intel_grade": set("ABCDE"),
                     "handling_code": {"P", "C"}},
}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d{1,2}[A-Z]? ?\d[A-Z]{2}$", re.IGNORECASE)
PHONE = re.compile(r"^(0|\+44)\d{10}$|^(0|\+44)\d{9}$")
DATETIMES = {"calls": ("received_at",), "asb-reports": ("reported_at", "occurred_at"),
             "fire-incidents": ("occurred_at",), "referrals": ("referred_at",),
             "intelligence": ("recorded_at",)}


def _read(summary: SynthSummary, feed: str) -> pl.DataFrame:
    return pl.read_csv(summary.out_dir / f"{feed}.csv.gz", infer_schema=False)


def _values(frame: pl.DataFrame, column: str) -> list[str]:
    return frame[column].drop_nulls().to_list()


def _dob_ok(text: str) -> bool:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).year > 1900
        except ValueError:
            continue
    return False


@pytest.mark.parametrize("feed", list(CONTRACT))
def test_columns_are_the_contracts(year: SynthSummary, feed: str) -> None:
    frame = _read(year, feed)
    required, own, roles, located = CONTRACT[feed]
    expected = {*required, *own, *(f"{r}_{c}" for r in roles for c in PERSON)}
    if located:
        expected |= set(LOCATION)
    assert set(frame.columns) == expected
    assert frame.height > 0
    for column in required:
        assert frame[column].null_count() == 0, column


@pytest.mark.parametrize("feed", list(CONTRACT))
def test_values_are_allowed(year: SynthSummary, feed: str) -> None:
    frame = _read(year, feed)
    if "agency" in frame.columns:
        assert set(_values(frame, "agency")) <= AGENCIES
    ids = frame.select("agency", "source_id")
    assert ids.unique().height == frame.height, "source_id unique within (agency, feed)"
    for column, allowed in ENUMS.get(feed, {}).items():
        assert set(_values(frame, column)) <= allowed, column
    for column in DATETIMES[feed]:
        for text in _values(frame, column):
            assert DATETIME.match(text), text
            dt.datetime.fromisoformat(text)


def test_feed_specific_rules(year: SynthSummary) -> None:
    referrals = _read(year, "referrals")
    for value in _values(referrals, "vulnerabilities"):
        assert set(value.split(";")) <= VULNERABILITIES
    intel = _read(year, "intelligence")
    conditional = intel.filter(pl.col("handling_code") == "C")
    assert conditional.height > 0
    assert conditional["handling_conditions"].null_count() == 0
    assert intel.filter(pl.col("handling_code") == "P")["handling_conditions"].null_count() == \
        intel.filter(pl.col("handling_code") == "P").height
    assert any("cuckooing" in t for t in _values(intel, "tags"))
    fire = _read(year, "fire-incidents")
    assert all(v.isdigit() for v in _values(fire, "casualties"))
    deliberate_secondary = fire.filter((pl.col("incident_type") == "secondary_fire")
                                       & (pl.col("motive") == "deliberate"))
    assert deliberate_secondary.height > fire.height * 0.2
    calls = _read(year, "calls")
    assert set(_values(calls, "agency")) == {"police", "fire", "ambulance", "council"}
    # Exactly one agency sends offsets; the rest send local wall-clock time.
    with_offset = calls.filter(pl.col("received_at").str.contains(r"(Z|[+-]\d\d:\d\d)$"))
    assert set(_values(with_offset, "agency")) == {"ambulance"}
    anonymous = calls.filter(pl.all_horizontal(pl.col(f"caller_{c}").is_null() for c in PERSON))
    assert 0.2 * calls.height < anonymous.height < 0.8 * calls.height


@pytest.mark.parametrize("feed", list(CONTRACT))
def test_people_and_places_are_well_formed(year: SynthSummary, feed: str) -> None:
    frame = _read(year, feed)
    for role in CONTRACT[feed][2]:
        for text in _values(frame, f"{role}_dob"):
            assert _dob_ok(text), text
        for text in _values(frame, f"{role}_phone"):
            assert PHONE.match(re.sub(r"[ ()-]", "", text)), text
        for text in _values(frame, f"{role}_postcode"):
            assert POSTCODE.match(text), text
    if not CONTRACT[feed][3]:
        return
    for text in _values(frame, "location_postcode"):
        assert POSTCODE.match(text), text
        district = text.upper().replace(" ", "")[:-3]
        assert district in {f"CH{n}" for n in (*range(41, 50), *range(60, 64))}, text
    lat = [float(v) for v in _values(frame, "latitude")]
    lon = [float(v) for v in _values(frame, "longitude")]
    assert all(53.25 < v < 53.5 for v in lat) and all(-3.3 < v < -2.9 for v in lon)
    east = [int(v) for v in _values(frame, "easting")]
    north = [int(v) for v in _values(frame, "northing")]
    assert all(320_000 < v < 340_000 for v in east) and all(375_000 < v < 395_000 for v in north)


def test_names_look_like_agency_records(year: SynthSummary) -> None:
    """Agencies differ: police upper-case surnames, councils write DD/MM/YYYY."""
    calls = _read(year, "calls")
    police = calls.filter(pl.col("agency") == "police")
    surnames = _values(police, "caller_last_name")
    assert sum(s.isupper() for s in surnames) > 0.6 * len(surnames)
    reports = _read(year, "asb-reports").filter(pl.col("agency") == "council")
    dobs = _values(reports, "reporter_dob")
    assert sum("/" in d for d in dobs) > 0.8 * len(dobs)


def test_system_clocks_skip_the_spring_gap(year: SynthSummary) -> None:
    """No system-stamped time falls in 01:00-01:59 on 29 March 2026 (it did not exist)."""
    for feed, columns in DATETIMES.items():
        frame = _read(year, feed)
        for column in columns:
            if column == "occurred_at" and feed == "asb-reports":
                continue  # when the behaviour happened, as the reporter remembers it
            stamped = frame[column].drop_nulls()
            assert not stamped.str.starts_with("2026-03-29T01:").any(), (feed, column)
