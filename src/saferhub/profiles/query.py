"""Reading what someone typed into a search box: a person or place id, a date of birth, a
phone number, a postcode, a UPRN or a name, folded the way the store folds them.

The text is personal data: it is only parsed here, never logged or written anywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from saferhub.feeds.normalise import fold_address, fold_name, phone_e164, postcode
from saferhub.linking.addresses import ABBREVIATIONS, BUILDINGS, DIRECTIONS, THOROUGHFARES
from saferhub.profiles.common import PERSON_ID, PLACE_ID

_DATE_FORMATS = (
    (re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$"), "%d-%m-%Y"),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$"), "%d.%m.%Y"),
)
_PHONE_LIKE = re.compile(r"^\+?[\d\s()\-]{9,}$")
_UPRN = re.compile(r"^\d{1,12}$")


def _one(expr: pl.Expr, value: str) -> str | None:
    out = pl.DataFrame({"v": [value]}, schema={"v": pl.String}).select(expr.alias("v"))["v"][0]
    return None if out is None else str(out)


def surname_key(column: pl.Expr) -> pl.Expr:
    """A surname as the linkage model keys it: no spaces or hyphens, Mac and Mc alike."""
    return column.str.replace_all(r"[\s\-]+", "").str.replace(r"^mac(\w{3,})", "mc$1")


@dataclass(frozen=True)
class PersonQuery:
    person_id: str | None = None
    dob: dt.date | None = None
    phone: str | None = None
    surname: str | None = None  # folded (lower case, no accents or apostrophes)
    forename: str | None = None  # folded; one letter for an initial

    def searched_by(self) -> tuple[str, ...]:
        parts = {"person_id": self.person_id, "dob": self.dob, "phone": self.phone, "name": self.surname}
        return tuple(k for k, v in parts.items() if v is not None)


def read_person_query(text: str) -> PersonQuery:
    """'Smith, John', 'J Smith', 'Jon Smyth 01/02/1980', '0151 123 4567', 'P1A2B3C4D5E6'."""
    text = text.strip()
    if PERSON_ID.match(text.upper()):
        return PersonQuery(person_id=text.upper())
    if _PHONE_LIKE.match(text) and (phone := _one(phone_e164(pl.col("v")), text)):
        return PersonQuery(phone=phone)
    dob = None
    words: list[str] = []
    for token in re.split(r"\s+", text.replace(",", " , ")):
        found = _date(token)
        if found is not None:
            dob = found
        elif token:
            words.append(token)
    name = " ".join(words)
    surname = forename = None
    if "," in name:  # Surname, Forename
        before, _, after = name.partition(",")
        surname, rest = before.strip(), after.strip().split()
        forename = rest[0] if rest else None
    elif words:
        parts = name.split()
        surname = parts[-1]
        forename = parts[0] if len(parts) > 1 else None
    surname = _one(fold_name(pl.col("v")), surname) if surname else None
    forename = _one(fold_name(pl.col("v")), forename.rstrip(".")) if forename else None
    return PersonQuery(dob=dob, surname=surname, forename=forename)


def _date(token: str) -> dt.date | None:
    for pattern, fmt in _DATE_FORMATS:
        if pattern.match(token):
            try:
                return dt.datetime.strptime(token, fmt).date()
            except ValueError:
                return None
    return None


@dataclass(frozen=True)
class PlaceQuery:
    place_id: str | None = None
    postcode: str | None = None
    uprn: str | None = None
    words: tuple[str, ...] = ()  # folded address words (upper case), each must appear

    def searched_by(self) -> tuple[str, ...]:
        parts = {
            "place_id": self.place_id,
            "postcode": self.postcode,
            "uprn": self.uprn,
            "address": self.words,
        }
        return tuple(k for k, v in parts.items() if v)


def read_place_query(text: str) -> PlaceQuery:
    """'PL00001234', 'CH41 1DJ', '10 Chapel St CH41 1DJ', '12 chapel street', a UPRN."""
    text = text.strip()
    if PLACE_ID.match(text.upper()):
        return PlaceQuery(place_id=text.upper())
    if _UPRN.match(text):
        return PlaceQuery(uprn=text)
    whole = _one(postcode(pl.col("v")), text)
    if whole:
        return PlaceQuery(postcode=whole)
    folded = _one(fold_address(pl.col("v")), text) or ""
    tokens = folded.split()
    code = None
    for i in range(len(tokens) - 1):  # a postcode at the end: "... CH41 1DJ"
        code = _one(postcode(pl.col("v")), f"{tokens[i]} {tokens[i + 1]}")
        if code and i + 2 == len(tokens):
            tokens = tokens[:i]
            break
        code = None
    return PlaceQuery(postcode=code, words=tuple(tokens))


def might_be_place(text: str) -> bool:
    """Whether a search box's text could name a place: a number that is not a date of birth
    (a house number, a postcode, a place id, a UPRN) or a street or building word ("Chapel
    Street", "Rd", "Marine Court"). A name, a date of birth, a phone number or a person id
    cannot, and needs no place search."""
    text = text.strip()
    if PERSON_ID.match(text.upper()) or (_PHONE_LIKE.match(text) and not _UPRN.match(text)):
        return False
    tokens = re.split(r"[\s,]+", text)
    if any(ch.isdigit() for t in tokens if not any(f.match(t) for f, _ in _DATE_FORMATS) for ch in t):
        return True
    words = set(re.split(r"[^A-Z]+", text.upper()))
    return not words.isdisjoint(_PLACE_WORDS)


_PLACE_WORDS = frozenset(
    {"ST", *ABBREVIATIONS, *ABBREVIATIONS.values(), *THOROUGHFARES, *BUILDINGS, *DIRECTIONS} - {"LA"}
)
