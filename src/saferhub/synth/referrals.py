"""The ``referrals`` feed: safeguarding and vulnerability referrals from every partner.

Each vulnerable person is referred one or more times; who refers them depends on
their vulnerabilities (the fire service after a home safety visit, police after
a domestic incident, a charity for isolation). A referral records some of the
person's vulnerabilities, not always all.
"""

from __future__ import annotations

import numpy as np

from saferhub.synth import clock
from saferhub.synth.plan import Plan
from saferhub.synth.world import Batch, Feed, World, batch, concat, sequence_ids

REFERRAL_DEFAULTS = {"agency": "", "time": np.datetime64("NaT", "s"), "subject": -1,
                     "vulnerabilities": "", "concern": "", "risk": "", "consent": ""}
_AGENCY_BY_NEED: dict[str, dict[str, float]] = {
    "elderly": {"fire": 0.4, "ambulance": 0.2, "council": 0.2, "third_sector": 0.2},
    "fire_risk": {"fire": 1.0}, "hoarding": {"fire": 0.5, "housing": 0.3, "council": 0.2},
    "isolation": {"third_sector": 0.6, "council": 0.2, "fire": 0.2},
    "physical_disability": {"ambulance": 0.4, "council": 0.4, "fire": 0.2},
    "mental_health": {"police": 0.4, "ambulance": 0.25, "housing": 0.15, "third_sector": 0.2},
    "substance_misuse": {"police": 0.4, "housing": 0.3, "third_sector": 0.3},
    "alcohol": {"police": 0.4, "ambulance": 0.3, "third_sector": 0.3},
    "domestic_abuse": {"police": 0.7, "third_sector": 0.2, "housing": 0.1},
    "child": {"police": 0.6, "council": 0.3, "third_sector": 0.1},
    "exploitation": {"police": 0.7, "council": 0.2, "housing": 0.1},
    "learning_disability": {"council": 0.4, "third_sector": 0.3, "police": 0.2, "housing": 0.1},
    "financial_abuse": {"council": 0.5, "police": 0.3, "third_sector": 0.2},
    "homeless": {"housing": 0.5, "third_sector": 0.3, "police": 0.2},
}
_CONCERN = {
    "fire": "Home safety visit: {v}", "police": "Vulnerable person identified at incident: {v}",
    "ambulance": "Crew concerned for patient's welfare: {v}",
    "council": "Adult social care concern: {v}", "housing": "Tenancy support referral: {v}",
    "third_sector": "Referral from support worker: {v}",
}
AGENCIES = ("police", "fire", "ambulance", "council", "housing", "third_sector")
ID_FORMATS = {"police": "PPN-{yy}-{seq:05d}", "fire": "HSV{yy}{seq:05d}",
              "ambulance": "NWAS-SG-{seq:06d}", "council": "ASC{seq:07d}",
              "housing": "HSG/REF/{seq:05d}", "third_sector": "VS-{seq:05d}"}


def _recorded(rng: np.random.Generator, needs: list[str]) -> str:
    keep = [v for v in needs if rng.random() < 0.7] or [needs[int(rng.random() * len(needs))]]
    if rng.random() < 0.03:
        keep.append("other")
    return ";".join(keep)


def _agency_for(rng: np.random.Generator, needs: list[str]) -> str:
    w = np.zeros(len(AGENCIES))
    for v in needs:
        for a, p in _AGENCY_BY_NEED.get(v, {"council": 1.0}).items():
            w[AGENCIES.index(a)] += p
    return AGENCIES[int(rng.choice(len(AGENCIES), p=w / w.sum()))]


def vulnerable_referrals(world: World, plan: Plan) -> list[Batch]:
    rng = world.rng("referrals")
    days = world.period.days
    agencies, subjects, recorded, day = [], [], [], []
    for who, text in zip(plan.vulnerable, plan.vulnerabilities, strict=True):
        needs = str(text).split(";")
        for _ in range(min(6, 1 + rng.poisson(1.2 * days / 365))):
            agencies.append(_agency_for(rng, needs))
            subjects.append(who)
            recorded.append(_recorded(rng, needs))
            day.append(int(rng.integers(0, days)))
    n = len(subjects)
    agency = np.array(agencies, dtype=object)
    t = clock.at_days(rng, np.array(day, dtype=np.int64), world.period, "office")
    police = agency == "police"
    t[police] = clock.at_days(rng, np.array(day)[police], world.period, "police")
    return [batch(n, agency=agency, time=t, subject=np.array(subjects, dtype=np.int64),
                  vulnerabilities=np.array(recorded, dtype=object))]


def finish_referrals(world: World, parts: list[Batch]) -> Feed:
    rng = world.rng("referrals-finish")
    b = concat(parts, REFERRAL_DEFAULTS)
    b = {k: v[np.lexsort((b["agency"].astype(str), b["time"]))] for k, v in b.items()}
    m = b["agency"].size
    vul = b["vulnerabilities"]
    serious = np.array([("domestic_abuse" in v) or ("exploitation" in v) or ("child" in v)
                        for v in vul])
    u = rng.random(m)
    risk = np.where(serious, np.where(u < 0.35, "high", np.where(u < 0.8, "medium", "standard")),
                    np.where(u < 0.06, "high", np.where(u < 0.35, "medium", "standard")))
    b["risk"] = np.where(b["risk"] == "", risk, b["risk"]).astype(object)
    u = rng.random(m)
    override = 0.15 + 0.35 * (serious & (b["agency"] == "police"))
    consent = np.where(u < override, "override", np.where(
        u < override + 0.1, "not_sought", np.where(u < override + 0.18, "refused", "given")))
    b["consent"] = np.where(b["consent"] == "", consent, b["consent"]).astype(object)
    concern = np.array([_CONCERN[a].format(v=v.replace("_", " ").replace(";", ", "))
                        for a, v in zip(b["agency"], vul, strict=True)], dtype=object)
    b["concern"] = np.where(b["concern"] == "", concern, b["concern"]).astype(object)
    referred = clock.naive(b["time"], minutes=b["agency"] != "police")
    return Feed(
        name="referrals", agency=b["agency"],
        source_id=sequence_ids(b["agency"], b["time"], ID_FORMATS), time=b["time"],
        place=np.full(m, -1), e=np.full(m, np.nan), n=np.full(m, np.nan),
        category=np.full(m, "referral", dtype=object),
        columns={"referred_at": referred, "vulnerabilities": vul,
                 "concern": b["concern"], "risk": b["risk"], "consent": b["consent"]},
        roles={"subject": b["subject"]}, has_location=np.zeros(m, dtype=bool),
    )
