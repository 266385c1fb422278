"""Reading handling code C conditions into the agencies (and roles) they allow.

The generator's own four conditions are here, and others written the way intelligence
officers write them, so that the reader is not fitted to the generator alone.
"""

from __future__ import annotations

import pytest

from saferhub.access import Reader, SharingAgreement, read_conditions
from saferhub.synth.intel import CONDITIONS

EVERYONE = {"police", "council", "fire", "ambulance", "housing", "third_sector"}

CASES = [
    # the synthetic generator's conditions
    (CONDITIONS[0], {"police"}),
    (CONDITIONS[1], {"police", "council"}),
    (CONDITIONS[2], {"police", "housing"}),
    (CONDITIONS[3], {"police"}),
    # others
    ("Not for disclosure beyond Merseyside Police", {"police"}),
    ("MERSEYSIDE POLICE USE ONLY", {"police"}),
    ("May be shared with all hub partners except the voluntary sector", EVERYONE - {"third_sector"}),
    ("Share with any partner agency", EVERYONE),
    ("Not to be disclosed to partner agencies", {"police"}),
    (
        "Not for disclosure to housing providers or the voluntary sector; council may be told",
        {"police", "council"},
    ),
    ("Fire service only (arson risk at the address)", {"police", "fire"}),
    ("Do not share with anyone other than the ASB team", {"police", "council"}),
    ("Share with NWAS and MFRS for safeguarding", {"police", "ambulance", "fire"}),
    ("Share with Wirral Council, not housing", {"police", "council"}),
    ("Council only, not for evidential use", {"police", "council"}),
    ("Not to be disclosed outside police; fire may be told verbally", {"police", "fire"}),
    ("Not to be shared with the council", {"police"}),
    ("Housing: no", {"police"}),
    ("Handle with care", {"police"}),
    ("", {"police"}),
    ("Do not disclose to the subject or associates", {"police"}),
    ("Source protection: police & partner analysts to consult the handler first", {"police"}),
    ("Share with the Community Safety Team and housing officers", {"police", "council", "housing"}),
]


@pytest.mark.parametrize(("conditions", "agencies"), CASES, ids=[c[:40] or "(blank)" for c, _ in CASES])
def test_conditions_allow_exactly_the_agencies_they_name(
    conditions: str, agencies: set[str], agreement: SharingAgreement
) -> None:
    read = read_conditions(conditions, originator="police", agreement=agreement)
    assert set(read.agencies) == agencies, read.reading
    for agency in EVERYONE:
        assert read.allows(Reader(agency=agency, role="analyst")) == (agency in agencies), agency


def test_conditions_naming_no_agency_say_so(agreement: SharingAgreement) -> None:
    read = read_conditions(CONDITIONS[3], originator="police", agreement=agreement)
    assert "fail closed" in read.reading


def test_roles_named_in_conditions_bind_other_agencies_not_the_originator(
    agreement: SharingAgreement,
) -> None:
    read = read_conditions("Share with council analysts only", originator="police", agreement=agreement)
    assert read.roles == frozenset({"analyst"})
    assert read.allows(Reader(agency="council", role="analyst"))
    assert not read.allows(Reader(agency="council", role="officer"))
    assert read.allows(Reader(agency="police", role="officer"))


def test_the_originator_is_whoever_sent_it(agreement: SharingAgreement) -> None:
    read = read_conditions("Not to be shared outside the ASB team", originator="council", agreement=agreement)
    assert set(read.agencies) == {"council"}
    assert not read.allows(Reader(agency="police"))
