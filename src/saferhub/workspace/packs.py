"""The briefing archive: the daily and weekly packs on disk that one reader may open.

Packs are where ``saferhub briefing daily|weekly`` writes them: ``data_dir/briefings/daily/
<YYYY-MM-DD>/`` and ``data_dir/briefings/weekly/<YYYY-Www>/``, one file per agency
(``<stem>-<agency>.html`` and ``.pdf``), made for an analyst. A reader sees only their
agency's packs; a role the agreement limits more than an analyst (a partner viewer reads
no intelligence) sees only packs made for that role, in a ``<role>/`` folder of the same day
(``saferhub briefing daily --role partner_viewer --out .../<day>/partner_viewer``; the
scheduled run makes them for every role its agencies' users read at, ``pack_roles``).
Each opening or download is written to the audit log as an export (ids and counts only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from saferhub.access import ROLES, Reader, SharingAgreement
from saferhub.config import Settings
from saferhub.workspace.people_lists import log_look

KINDS = ("daily", "weekly")
_FOLDER = {"daily": re.compile(r"^\d{4}-\d{2}-\d{2}$"), "weekly": re.compile(r"^\d{4}-W\d{2}$")}
_STEM = re.compile(r"^(daily|weekly)-[a-z0-9-]+-[a-z0-9_]+$")
PACK_MAKERS = frozenset({"hub_admin", "analyst"})
# The roles that read the archive (the web's STAFF): an auditor reads the audit log, not packs.
PACK_READERS = frozenset({"hub_admin", "analyst", "officer", "partner_viewer"})


@dataclass(frozen=True)
class StoredPack:
    """One pack on disk: addressed by kind, folder (day or week) and file stem."""

    kind: str
    folder: str
    stem: str
    html: Path
    pdf: Path | None

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.folder}/{self.stem}"

    @property
    def area(self) -> str:
        """The area part of the stem, e.g. 'wirral' or 'birkenhead'."""
        body = self.stem.split("-", 1)[1]
        parts = body.rsplit("-", 1)[0]
        if self.kind == "daily":
            return parts.split("-" + self.folder)[0].replace("-", " ").title()
        return re.split(r"-\d{4}-w\d{2}", parts)[0].replace("-", " ").title()

    @property
    def title(self) -> str:
        if self.kind == "daily":
            day = dt.date.fromisoformat(self.folder)
            return f"Daily hub briefing for {day:%A %-d %B %Y}"
        return f"Weekly local briefing, week {self.folder}: {self.area}"


def briefings_root(settings: Settings) -> Path:
    return settings.data_dir / "briefings"


def role_folder(reader: Reader, agreement: SharingAgreement) -> str:
    """'' for a role the agreement treats as an analyst, else the role's own sub-folder."""
    return "" if pack_role(reader.role, agreement) == "analyst" else reader.role


def _limits(role: str, agreement: SharingAgreement) -> tuple[int, bool]:
    limits = agreement.role(role)
    return limits.ceiling.rank, limits.intelligence_content


def pack_role(role: str, agreement: SharingAgreement) -> str:
    """The role a pack for ``role`` is made for: 'analyst' where the agreement gives the role
    what it gives an analyst (the pack in the day's folder), else the role itself."""
    return "analyst" if _limits(role, agreement) == _limits("analyst", agreement) else role


def least_cleared(roles: Collection[str], agreement: SharingAgreement) -> str | None:
    """The one of ``roles`` whose pack every other may read: the agreement gives it no higher a
    ceiling and no intelligence the others do not get. None when no role is below all the
    others (an agreement that lowers one role's ceiling and another's intelligence)."""
    for role in sorted(roles, key=ROLES.index):
        ceiling, content = _limits(role, agreement)
        if all(ceiling <= c and (not content or has) for c, has in (_limits(o, agreement) for o in roles)):
            return role
    return None


def pack_roles(
    *, engine: Engine, agreement: SharingAgreement, agencies: Collection[str]
) -> dict[str, tuple[str, ...]]:
    """Per agency, the roles its daily pack is made for so that each of its active users who
    read the archive finds one at their level ('analyst' first); agencies with no such users
    are left out."""
    from saferhub.accounts import list_users

    found: dict[str, set[str]] = {}
    for user in list_users(engine=engine):
        if user.active and user.agency in agencies and user.role in PACK_READERS:
            found.setdefault(user.agency, set()).add(pack_role(user.role, agreement))
    return {agency: tuple(sorted(roles, key=ROLES.index)) for agency, roles in found.items()}


def pack_folder(day_folder: Path, reader: Reader, agreement: SharingAgreement) -> Path:
    """Where in a day's (or week's) folder the pack made for ``reader`` is kept."""
    sub = role_folder(reader, agreement)
    return day_folder / sub if sub else day_folder


def list_packs(*, settings: Settings, reader: Reader, agreement: SharingAgreement) -> list[StoredPack]:
    """The reader's agency's packs on disk, newest first (daily before weekly on the same day)."""
    root = briefings_root(settings)
    found: list[StoredPack] = []
    for kind in KINDS:
        base = root / kind
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir(), reverse=True):
            if not folder.is_dir() or not _FOLDER[kind].match(folder.name):
                continue
            where = pack_folder(folder, reader, agreement)
            for html in sorted(where.glob(f"{kind}-*-{reader.agency}.html")):
                pack = _pack(kind, folder.name, html, reader)
                if pack is not None:
                    found.append(pack)
    return found


def _pack(kind: str, folder: str, html: Path, reader: Reader) -> StoredPack | None:
    stem = html.stem
    if not _STEM.match(stem) or not stem.endswith(f"-{reader.agency}"):
        return None
    pdf = html.with_suffix(".pdf")
    return StoredPack(kind, folder, stem, html, pdf if pdf.is_file() else None)


def find_pack(
    *, settings: Settings, reader: Reader, agreement: SharingAgreement, kind: str, folder: str, stem: str
) -> StoredPack | None:
    """The pack, if it exists and is one the reader may open (else None: answer 404)."""
    if kind not in KINDS or not _FOLDER[kind].match(folder) or not _STEM.match(stem):
        return None
    if not stem.startswith(f"{kind}-") or not stem.endswith(f"-{reader.agency}"):
        return None
    html = pack_folder(briefings_root(settings) / kind / folder, reader, agreement) / f"{stem}.html"
    if not html.is_file():
        return None
    return _pack(kind, folder, html, reader)


def todays_pack(
    *, settings: Settings, reader: Reader, agreement: SharingAgreement, day: dt.date
) -> StoredPack | None:
    """The reader's agency's daily pack for ``day``, if it has been made."""
    for pack in list_packs(settings=settings, reader=reader, agreement=agreement):
        if pack.kind == "daily" and pack.folder == day.isoformat():
            return pack
    return None


def log_opened(*, engine: Engine, reader: Reader, where_from: str, pack: StoredPack, form: str) -> None:
    """An export entry: which pack and in which form (html or pdf)."""
    log_look(
        engine=engine,
        reader=reader,
        where_from=where_from,
        action="export",
        what={"object": "briefing", "kind": pack.kind, "pack": pack.stem, "format": form},
    )


def make_daily_pack(
    *, engine: Engine, settings: Settings, reader: Reader, agreement: SharingAgreement, day: dt.date
) -> StoredPack:
    """Make the reader's agency's daily pack for ``day`` (HTML and PDF) where the archive keeps it.

    Only hub administrators and analysts make packs; the pack is made for an analyst of the
    agency (what every role the agreement treats as an analyst may read). The briefing
    service writes its own audit entry.
    """
    from saferhub.briefings.daily import daily_briefing

    if reader.role not in PACK_MAKERS:
        raise PermissionError("only hub administrators and analysts make briefing packs")
    folder = briefings_root(settings) / "daily" / day.isoformat()
    files = daily_briefing(
        engine=engine, settings=settings, date=day, agency=reader.agency, out_dir=folder,
        role="analyst", user=reader.user, pdf=True,
    )  # fmt: skip
    made = _pack("daily", day.isoformat(), files.html, reader)
    if made is None:  # the briefing names its files; this would be a bug in the naming
        raise RuntimeError("the pack made has a file name the archive cannot read")
    return made
