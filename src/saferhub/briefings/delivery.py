"""E-mailing each agency its own daily briefing.

One message per agency, to that agency's distribution list, with that agency's pack
attached, made at the level of the least-cleared of the agency's users (``daily_pack_plan``:
a voluntary sector whose users are partner viewers is sent the partner-viewer pack). A
failure for one agency is reported and the others are still sent. Neither the message body
nor the log names anyone: the body says what is attached and how to handle it, and the log
gives agencies, counts and file names only.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import re
import smtplib
import ssl
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr
from sqlalchemy import Engine

from saferhub.briefings.periods import long_date
from saferhub.config import Settings

if TYPE_CHECKING:
    from saferhub.access import SharingAgreement

CLASSIFICATION = "OFFICIAL-SENSITIVE"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
TIMEOUT_SECONDS = 60.0
_ADDRESS = re.compile(r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;]+$")

log = logging.getLogger(__name__)

PackMaker = Callable[[str], Sequence[Path]]
"""Builds one agency's pack and returns its files (the PDF and the HTML)."""

Status = Literal["sent", "partly sent", "not sent", "dry run"]


class DeliveryError(ValueError):
    """Sending is not configured, or the distribution file cannot be used."""


@dataclass(frozen=True)
class MailServer:
    """Where and how the briefings are sent, from the SMTP settings."""

    host: str
    port: int
    security: Literal["none", "starttls", "ssl"]
    user: str | None
    password: SecretStr | None
    mail_from: str

    @classmethod
    def from_settings(cls, settings: Settings) -> MailServer:
        missing = [
            f"SAFERHUB_{name.upper()}" for name in ("smtp_host", "mail_from") if not getattr(settings, name)
        ]
        if missing:
            raise DeliveryError(f"e-mail is not set up: set {' and '.join(missing)} (docs/configuration.md)")
        if settings.smtp_user and settings.smtp_password is None:
            raise DeliveryError("SAFERHUB_SMTP_USER is set but SAFERHUB_SMTP_PASSWORD is not")
        assert settings.smtp_host and settings.mail_from
        if not _ADDRESS.match(settings.mail_from):
            raise DeliveryError("SAFERHUB_MAIL_FROM is not an e-mail address")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
            security=settings.smtp_security,
            user=settings.smtp_user or None,
            password=settings.smtp_password,
            mail_from=settings.mail_from,
        )

    def describe(self) -> str:
        login = f", logging in as {self.user}" if self.user else ", no login"
        return f"{self.host}:{self.port} ({self.security}{login})"


@dataclass(frozen=True)
class Delivery:
    """What happened to one agency's briefing."""

    agency: str
    recipients: tuple[str, ...]
    status: Status
    attachments: tuple[Path, ...] = ()
    refused: tuple[str, ...] = ()
    error: str | None = None
    made_for: str | None = None  # the role the attached pack was made for

    @property
    def delivered(self) -> tuple[str, ...]:
        if self.status not in ("sent", "partly sent"):
            return ()
        return tuple(r for r in self.recipients if r not in self.refused)


def load_distribution(path: Path, *, agencies: Collection[str] | None = None) -> dict[str, tuple[str, ...]]:
    """The distribution lists: ``agency = ["address", ...]`` per line of a TOML file.

    With ``agencies``, a name not among them is refused (a typo would otherwise send
    nothing to that agency without anyone noticing).
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"the distribution file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise DeliveryError(f"the distribution file {path.name} is not valid TOML: {exc}") from None
    lists: dict[str, tuple[str, ...]] = {}
    for agency, addresses in data.items():
        if agencies is not None and agency not in agencies:
            raise DeliveryError(
                f"the distribution file names an unknown agency '{agency}'; "
                f"the agencies are: {', '.join(sorted(agencies))}"
            )
        if not isinstance(addresses, list) or not addresses:
            raise DeliveryError(f"'{agency}' in {path.name} must be a non-empty list of e-mail addresses")
        for i, address in enumerate(addresses, start=1):
            # The address itself stays out of the message: it may be a person's own.
            if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
                raise DeliveryError(f"'{agency}' in {path.name}: entry {i} is not an e-mail address")
        lists[agency] = tuple(dict.fromkeys(a.strip() for a in addresses))
    if not lists:
        raise DeliveryError(f"the distribution file {path.name} names no agency")
    return lists


def distribution_from_settings(settings: Settings) -> dict[str, tuple[str, ...]]:
    if settings.distribution_file is None:
        raise DeliveryError(
            "no distribution lists: set SAFERHUB_DISTRIBUTION_FILE "
            "(example: src/saferhub/briefings/distribution.example.toml)"
        )
    from saferhub.feeds.contract import AGENCIES

    return load_distribution(settings.distribution_file, agencies={*AGENCIES, *settings.extra_agencies})


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, round(size / 1024))} KB"


def _what_it_is(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "PDF, to print or read on screen"
    if suffix in (".html", ".htm"):
        return "web page, opens in any browser without a connection"
    return "file"


def subject_line(*, date: dt.date, agency: str) -> str:
    return f"{CLASSIFICATION}: SaferHub daily hub briefing, {long_date(date)} ({agency} version)"


def message_body(*, date: dt.date, agency: str, attachments: Sequence[Path], mail_from: str) -> str:
    files = "\n".join(f"  - {p.name} ({_what_it_is(p)}, {_size(p)})" for p in attachments)
    return f"""\
{CLASSIFICATION}

Attached is the SaferHub daily hub briefing for {long_date(date)}, in the version
for {agency}:

{files}

How to handle it: it is marked {CLASSIFICATION}.
  - It is for the people on the {agency} distribution list of the hub's daily
    briefing. Do not forward it outside your agency, or to anyone who does not
    need it for their work with the hub.
  - Keep it on your agency's approved systems only; do not save it to a personal
    device or account.
  - Print only what you need, keep printed copies secure and shred them after
    the meeting; delete the e-mail when it is no longer needed.
  - If it reached you in error, tell {mail_from} and delete it.

This message was sent automatically by SaferHub. It names no one: the details
are in the attachment only.
"""


def build_message(
    *, mail_from: str, recipients: Sequence[str], agency: str, date: dt.date, attachments: Sequence[Path]
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject_line(date=date, agency=agency)
    message["From"] = mail_from
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    # A domain of our own: make_msgid would otherwise look up this machine's name.
    message["Message-ID"] = make_msgid(domain=mail_from.rsplit("@", 1)[-1])
    message.set_content(message_body(date=date, agency=agency, attachments=attachments, mail_from=mail_from))
    for path in attachments:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


def connect(server: MailServer, *, tls_context: ssl.SSLContext | None = None) -> smtplib.SMTP:
    """An open, logged-in connection. STARTTLS is required when asked for, never skipped."""
    context = tls_context or ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.security == "ssl":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    try:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.user:
            if server.security == "none":
                log.warning("logging in to the mail server over a connection that is not encrypted")
            assert server.password is not None
            smtp.login(server.user, server.password.get_secret_value())
    except BaseException:
        smtp.close()
        raise
    return smtp


def _redact(text: str, server: MailServer | None) -> str:
    secret = server.password.get_secret_value() if server and server.password else ""
    return text.replace(secret, "**********") if secret else text


def _explain(exc: BaseException, server: MailServer) -> str:
    """Why sending failed, in words an operator can act on; never the password."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = f"the mail server {where} refused the login for {server.user} ({exc.smtp_code})"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = f"the mail server {where} cannot do what the settings ask: {exc}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error
        if isinstance(answer, bytes):
            answer = answer.decode("utf-8", "replace")
        text = f"the mail server {where} answered {exc.smtp_code} {answer}"
    elif isinstance(exc, ssl.SSLError):
        text = f"the encrypted connection to {where} failed: {exc.reason or exc}"
    elif isinstance(exc, OSError):
        text = f"could not reach the mail server {where}: {exc.strerror or exc}"
    else:
        text = f"sending failed: {type(exc).__name__}: {exc}"
    return _redact(text, server)


def send_daily_briefings(
    *,
    settings: Settings,
    date: dt.date,
    make_pack: PackMaker,
    distribution: Mapping[str, Sequence[str]] | None = None,
    agencies: Sequence[str] | None = None,
    agency_names: Mapping[str, str] | None = None,
    dry_run: bool = False,
    tls_context: ssl.SSLContext | None = None,
) -> list[Delivery]:
    """Build each agency's pack and e-mail it to that agency's list; one result per agency.

    ``distribution`` defaults to the settings' distribution file; ``agencies`` picks some
    of its agencies; ``agency_names`` gives the names the messages use (default: the short
    ones). A dry run builds the packs and sends nothing.
    """
    # Configuration faults stop the run before any pack is built; anything else is per agency.
    server = None if dry_run else MailServer.from_settings(settings)
    lists = distribution if distribution is not None else distribution_from_settings(settings)
    unknown = [a for a in agencies or () if a not in lists]
    if unknown:
        raise DeliveryError(f"no distribution list for {', '.join(unknown)}")
    deliveries: list[Delivery] = []
    for agency in agencies or list(lists):
        recipients = tuple(lists[agency])
        try:
            files = tuple(make_pack(agency))
        except Exception as exc:
            error = _redact(f"the {agency} pack could not be built: {type(exc).__name__}: {exc}", server)
            log.error("%s: briefing for %s not sent: pack not built (%s)", agency, date, type(exc).__name__)
            deliveries.append(Delivery(agency, recipients, "not sent", error=error))
            continue
        if server is None:
            deliveries.append(Delivery(agency, recipients, "dry run", attachments=files))
            continue
        name = (agency_names or {}).get(agency, agency)
        deliveries.append(_send_one(server, agency, name, recipients, files, date, tls_context))
    return deliveries


def _send_one(
    server: MailServer,
    agency: str,
    name: str,
    recipients: tuple[str, ...],
    files: tuple[Path, ...],
    date: dt.date,
    tls_context: ssl.SSLContext | None,
) -> Delivery:
    names = ", ".join(p.name for p in files)
    try:
        message = build_message(
            mail_from=server.mail_from, recipients=recipients, agency=name, date=date, attachments=files
        )
        with connect(server, tls_context=tls_context) as smtp:
            refused_map = smtp.send_message(message, from_addr=server.mail_from, to_addrs=list(recipients))
    except smtplib.SMTPRecipientsRefused as exc:
        log.error("%s: daily briefing for %s not sent: every recipient refused", agency, date)
        return Delivery(
            agency,
            recipients,
            "not sent",
            attachments=files,
            refused=tuple(exc.recipients),
            error="the mail server refused every recipient",
        )
    except Exception as exc:  # one agency's failure must not stop the others
        error = _explain(exc, server)
        log.error("%s: daily briefing for %s not sent: %s", agency, date, error)
        return Delivery(agency, recipients, "not sent", attachments=files, error=error)
    refused = tuple(r for r in recipients if r in refused_map)
    log.info(
        "%s: daily briefing for %s sent to %d of %d recipients (%s)",
        agency,
        date,
        len(recipients) - len(refused),
        len(recipients),
        names,
    )
    status: Status = "partly sent" if refused else "sent"
    note = f"the mail server refused {len(refused)} of {len(recipients)} recipients" if refused else None
    return Delivery(agency, recipients, status, attachments=files, refused=refused, error=note)


def default_out_dir(settings: Settings, date: dt.date) -> Path:
    return settings.data_dir / "briefings" / "daily" / date.isoformat()


def deliver_daily_briefings(
    *,
    settings: Settings,
    date: dt.date,
    out_dir: Path | None = None,
    agencies: Sequence[str] | None = None,
    dry_run: bool = False,
) -> list[Delivery]:
    """Build every listed agency's daily packs from the hub's store and e-mail each its own.

    Each agency's packs are made at every level its users read at, where the web's archive
    finds them (``out_dir``, and a folder per role below an analyst's); its list is sent the
    one at the level of its least-cleared users (``daily_pack_plan``).
    """
    from saferhub.access.agreement import AgreementError, agreement_for
    from saferhub.services import open_store

    if not dry_run:
        MailServer.from_settings(settings)  # a missing setting is said before any work is done
    distribution = distribution_from_settings(settings)
    try:
        agreement = agreement_for(settings)
    except AgreementError as exc:
        raise DeliveryError(str(exc)) from None
    sending = list(agencies or distribution)
    out_dir = out_dir or default_out_dir(settings, date)
    out_dir.mkdir(parents=True, exist_ok=True)
    engine = open_store(settings)
    try:
        plan = daily_pack_plan(engine=engine, agreement=agreement, agencies=sending)
        make_pack = daily_pack_maker(
            engine=engine,
            settings=settings,
            date=date,
            out_dir=out_dir,
            agencies=sending,
            plan=plan,
            agreement=agreement,
        )
        deliveries = send_daily_briefings(
            settings=settings,
            date=date,
            make_pack=make_pack,
            distribution=distribution,
            agencies=agencies,
            agency_names={key: agency.name for key, agency in agreement.agencies.items()},
            dry_run=dry_run,
        )
    finally:
        engine.dispose()
    return [replace(d, made_for=plan[d.agency].mailed) if d.agency in plan else d for d in deliveries]


@dataclass(frozen=True)
class AgencyPacks:
    """The daily packs one agency's run makes, and the one its distribution list is sent."""

    agency: str
    roles: tuple[str, ...]  # one pack per role, each at a level the agency's users read at
    mailed: str | None  # the role of the pack e-mailed; None: no one pack suits all its users
    why_not: str | None = None  # why none is e-mailed (no personal data: agency and roles only)


def daily_pack_plan(
    *, engine: Engine, agreement: SharingAgreement, agencies: Sequence[str]
) -> dict[str, AgencyPacks]:
    """Per agency, which packs to make and which to e-mail.

    A distribution list names no roles, and anyone at the agency may be on it: it is sent
    the pack of the agency's least-cleared users who read briefings (the voluntary sector's
    partner viewers read no intelligence, so neither does its list). Packs are made for every
    level its users read at, so each finds today's pack in the web archive. An agency with
    no such users gets the pack of the least-cleared role (fail closed): give its people
    their accounts to have their level.
    """
    from saferhub.workspace.packs import PACK_READERS, least_cleared, pack_role, pack_roles

    users = pack_roles(engine=engine, agreement=agreement, agencies=agencies)
    any_reader = {pack_role(role, agreement) for role in PACK_READERS}
    plan = {}
    for agency in agencies:
        roles = users.get(agency, ())
        mailed = least_cleared(roles or any_reader, agreement)
        why_not = None
        if mailed is None:
            whose = f"the roles of the {agency} users" if roles else "the hub's roles"
            why_not = (
                f"no one pack suits {whose} ({', '.join(sorted(roles or any_reader))}): the "
                f"sharing agreement limits them in different ways, so the pack was not e-mailed"
            )
        made = tuple(dict.fromkeys((*roles, *([mailed] if mailed else []))))
        plan[agency] = AgencyPacks(agency, made, mailed, why_not)
    return plan


def daily_pack_maker(
    *,
    engine: Engine,
    settings: Settings,
    date: dt.date,
    out_dir: Path,
    agencies: Sequence[str],
    plan: Mapping[str, AgencyPacks],
    agreement: SharingAgreement,
) -> PackMaker:
    """The pack builder for ``send_daily_briefings``: one agency's PDF and HTML for its list.

    Packs are built through the access layer as ``saferhub briefing daily`` builds them, one
    per agency and role of the ``plan``, in ``out_dir`` or its role's folder below it
    (``saferhub.workspace.packs.pack_folder``). All of them are built together on the first
    call, reading the period's records once; should that fail, each agency's are then built
    on their own, so that one agency's failure leaves the others to be sent.
    """
    from saferhub.access import Reader
    from saferhub.briefings.daily import daily_briefings_for
    from saferhub.briefings.render import BriefingFiles
    from saferhub.workspace.packs import pack_folder

    def wanted(agency: str) -> list[tuple[Reader, Path]]:
        readers = [Reader(agency=agency, role=role) for role in plan[agency].roles]
        return [(r, pack_folder(out_dir, r, agreement)) for r in readers]

    def build(agency_packs: list[tuple[str, tuple[Reader, Path]]]) -> None:
        made = daily_briefings_for(
            engine=engine, settings=settings, date=date, packs=[w for _, w in agency_packs]
        )
        built.update(((a, r.role), f) for (a, (r, _)), f in zip(agency_packs, made, strict=True))

    everything = [(a, w) for a in agencies if a in plan for w in wanted(a)]
    built: dict[tuple[str, str], BriefingFiles] = {}
    tried_together = False

    def make(agency: str) -> list[Path]:
        nonlocal tried_together
        if agency not in plan:
            raise DeliveryError(f"no packs were planned for {agency}")
        if not tried_together and len(everything) > 1 and agency in agencies:
            tried_together = True
            try:
                build(everything)
            except Exception as exc:
                log.warning(
                    "building the packs together failed (%s); building each on its own", type(exc).__name__
                )
        missing = [(agency, w) for w in wanted(agency) if (agency, w[0].role) not in built]
        if missing:
            build(missing)
        mine = {role: built.pop((agency, role)) for role in plan[agency].roles}
        entry = plan[agency]
        if entry.mailed is None:
            raise DeliveryError(entry.why_not or f"no {agency} pack suits every reader")
        files = mine[entry.mailed]
        if files.pdf is None:
            raise DeliveryError(f"the {agency} pack has no PDF")
        return [files.pdf, files.html]

    return make
