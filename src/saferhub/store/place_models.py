"""Tables of places: where partner records happened and where the people in them live.

A place is one addressable unit (a house, a flat, a named building, a shop) or a
street; flats in one building share a ``building_id``. Ids are opaque and stable: a
match key, once resolved, always names the same place (``place_keys``), and a record
keeps its place until the partner changes its location.

``place_id`` columns carry no foreign key: places are never deleted, only the resolver
writes these tables, and checking a text key on every one of a million link rows
would double the cost of a full run on SQLite.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saferhub.store.models import Base


class Place(Base):
    """One place, with a canonical address and where it lies."""

    __tablename__ = "places"
    __table_args__ = ({"sqlite_with_rowid": False},)  # keyed by text: one B-tree, not two

    place_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    building_id: Mapped[str | None] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # flat, address, named, street
    address: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10), index=True)
    easting: Mapped[float | None] = mapped_column(Float)
    northing: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    lsoa_code: Mapped[str | None] = mapped_column(String(12))
    ward_code: Mapped[str | None] = mapped_column(String(12))
    records: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PlaceKey(Base):
    """A normalised address key (postcode|anchor|number|unit) and the place it names."""

    __tablename__ = "place_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    place_id: Mapped[str] = mapped_column(String(16), index=True)


class BuildingKey(Base):
    """A normalised building key (postcode|anchor[|number]) and its building id."""

    __tablename__ = "building_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    building_id: Mapped[str] = mapped_column(String(16))


class EventPlace(Base):
    """The place an event happened at; ``basis`` fingerprints the location it was resolved from."""

    __tablename__ = "event_places"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    place_id: Mapped[str | None] = mapped_column(String(16), index=True)  # None: tried, no place
    method: Mapped[str] = mapped_column(String(12))  # address, nearby, unique, point, none
    basis: Mapped[int] = mapped_column(BigInteger)


class MentionPlace(Base):
    """The place a person mention gives as the person's home."""

    __tablename__ = "mention_places"

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("person_mentions.id", ondelete="CASCADE"), primary_key=True
    )
    place_id: Mapped[str | None] = mapped_column(String(16), index=True)
    method: Mapped[str] = mapped_column(String(12))
    basis: Mapped[int] = mapped_column(BigInteger)
