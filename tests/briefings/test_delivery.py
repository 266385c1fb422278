"""E-mailing each agency its own daily briefing, against a local SMTP server (aiosmtpd).

The server runs on 127.0.0.1 in this test; what it receives is parsed back and checked:
each agency gets exactly its own files, byte for byte, under a classified subject, and
one agency's failure does not stop the next.
"""

from __future__ import annotations

import datetime as dt
import email
import logging
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import typer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr
from typer.testing import CliRunner

from saferhub.access import Reader, load_agreement
from saferhub.briefings import delivery
from saferhub.briefings.delivery import (
    CLASSIFICATION,
    DeliveryError,
    load_distribution,
    send_daily_briefings,
)
from saferhub.cli_briefing_schedule import register
from saferhub.config import Settings

DAY = dt.date(2025, 5, 19)  # a Monday
PASSWORD = "Sm7p-s3cret-Wirral-42"
LISTS = {
    "police": ("hub-police@example.org", "inspector@example.org"),
    "council": ("asb-team@example.org",),
}
EXAMPLE = Path(delivery.__file__).with_name("distribution.example.toml")
# The test server takes a login without TLS on purpose (TLS has tests of its own below).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every message and refuses the addresses it is told to."""

    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword) and data.login == b"hub-sender" and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


@pytest.fixture
def start_server() -> Iterator[Callable[..., tuple[Recorder, int]]]:
    """Start a local SMTP server with the given aiosmtpd options; stopped after the test."""
    controllers: list[Controller] = []

    def start(refuse: set[str] | None = None, **options: Any) -> tuple[Recorder, int]:
        recorder = Recorder(refuse=refuse or set())
        port = _free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        return recorder, port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def make_pack(tmp_path: Path) -> Callable[[str], list[Path]]:
    """Each agency's own PDF and HTML: different bytes, binary included."""
    folder = tmp_path / "packs"
    folder.mkdir()

    def make(agency: str) -> list[Path]:
        pdf = folder / f"daily-{DAY}-{agency}.pdf"
        pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(3000) + agency.encode())
        html = folder / f"daily-{DAY}-{agency}.html"
        html.write_bytes(f"<!doctype html><title>{agency}</title><p>Briefing für {agency}\n".encode())
        return [pdf, html]

    return make


def _settings(tmp_path: Path, port: int, **extra: Any) -> Settings:
    return Settings(
        data_dir=tmp_path / "hub",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=extra.pop("smtp_security", "none"),
        mail_from="saferhub@hub.example.org",
        **extra,
    )


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        name = part.get_filename()
        assert name is not None
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[name] = payload
    return found


def test_each_agency_receives_exactly_its_own_pack(start_server, make_pack, tmp_path: Path) -> None:
    server, port = start_server()
    built: dict[str, list[Path]] = {}

    def remember(agency: str) -> list[Path]:
        built[agency] = make_pack(agency)
        return built[agency]

    deliveries = send_daily_briefings(
        settings=_settings(tmp_path, port), date=DAY, make_pack=remember, distribution=LISTS
    )

    assert [(d.agency, d.status) for d in deliveries] == [("police", "sent"), ("council", "sent")]
    assert len(server.received) == 2  # one message per agency, not one per recipient
    for agency, recipients in LISTS.items():
        [got] = server.to(recipients[0])
        assert sorted(got.rcpt_tos) == sorted(recipients)
        assert got.mail_from == "saferhub@hub.example.org"
        expected = {p.name: p.read_bytes() for p in built[agency]}
        assert _attachments(got.message) == expected
        subject = str(got.message["Subject"])
        assert subject.startswith(CLASSIFICATION)
        assert "Monday 19 May 2025" in subject and agency in subject
        body = got.message.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        assert CLASSIFICATION in text and "Do not forward it outside your agency" in text
        assert all(p.name in text for p in built[agency])
        other = next(a for a in LISTS if a != agency)
        assert other not in text.replace(agency, "")  # nothing of the other agency's pack
    [pdf_part] = [
        p
        for p in server.to("asb-team@example.org")[0].message.iter_attachments()
        if p.get_filename().endswith(".pdf")
    ]
    assert pdf_part.get_content_type() == "application/pdf"


def test_a_refused_recipient_or_agency_does_not_stop_the_others(
    start_server, make_pack, tmp_path: Path
) -> None:
    lists = {
        "council": ("nobody@example.org",),  # refused: nothing can go to the council
        "police": ("hub-police@example.org", "gone@example.org"),  # one of two refused
        "fire": ("community-safety@example.org",),
    }
    server, port = start_server(refuse={"nobody@example.org", "gone@example.org"})

    deliveries = {
        d.agency: d
        for d in send_daily_briefings(
            settings=_settings(tmp_path, port), date=DAY, make_pack=make_pack, distribution=lists
        )
    }

    assert deliveries["council"].status == "not sent"
    assert deliveries["council"].refused == ("nobody@example.org",)
    assert deliveries["police"].status == "partly sent"
    assert deliveries["police"].refused == ("gone@example.org",)
    assert deliveries["police"].delivered == ("hub-police@example.org",)
    assert deliveries["fire"].status == "sent"
    assert [r.rcpt_tos for r in server.received] == [
        ["hub-police@example.org"],
        ["community-safety@example.org"],
    ]
    assert set(_attachments(server.to("community-safety@example.org")[0].message)) == {
        f"daily-{DAY}-fire.pdf",
        f"daily-{DAY}-fire.html",
    }


def test_a_pack_that_fails_to_build_does_not_stop_the_others(start_server, make_pack, tmp_path: Path) -> None:
    server, port = start_server()

    def flaky(agency: str) -> list[Path]:
        if agency == "police":
            raise RuntimeError("no events for the period")
        return make_pack(agency)

    deliveries = send_daily_briefings(
        settings=_settings(tmp_path, port), date=DAY, make_pack=flaky, distribution=LISTS
    )

    assert [d.status for d in deliveries] == ["not sent", "sent"]
    assert deliveries[0].error is not None and "RuntimeError" in deliveries[0].error
    assert [r.rcpt_tos for r in server.received] == [["asb-team@example.org"]]


def test_an_unreachable_server_is_reported_for_each_agency(make_pack, tmp_path: Path) -> None:
    deliveries = send_daily_briefings(
        settings=_settings(tmp_path, _free_port()), date=DAY, make_pack=make_pack, distribution=LISTS
    )
    assert [d.status for d in deliveries] == ["not sent", "not sent"]
    assert all(d.error and "could not reach the mail server 127.0.0.1" in d.error for d in deliveries)


def test_the_password_never_appears_in_logs_results_or_output(
    start_server,
    make_pack,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, port = start_server(authenticator=_check_login, auth_required=True, auth_require_tls=False)
    caplog.set_level(logging.DEBUG)
    good = _settings(tmp_path, port, smtp_user="hub-sender", smtp_password=SecretStr(PASSWORD))

    sent = send_daily_briefings(settings=good, date=DAY, make_pack=make_pack, distribution=LISTS)

    assert [d.status for d in sent] == ["sent", "sent"]
    assert len(server.received) == 2
    wrong = "Wr0ng-" + PASSWORD
    bad = _settings(tmp_path, port, smtp_user="hub-sender", smtp_password=SecretStr(wrong))
    refused = send_daily_briefings(settings=bad, date=DAY, make_pack=make_pack, distribution=LISTS)
    assert [d.status for d in refused] == ["not sent", "not sent"]
    assert all(d.error and "refused the login for hub-sender" in d.error for d in refused)
    assert len(server.received) == 2  # nothing more got through
    seen = caplog.text + repr(sent) + repr(refused) + repr(good) + str(bad) + "".join(capsys.readouterr())
    seen += "".join(r.message.as_string() for r in server.received)
    assert "login" in caplog.text.lower() or "sent to" in caplog.text  # the log did record the runs
    assert PASSWORD not in seen and wrong not in seen


def test_missing_mail_settings_stop_before_any_pack_is_built(make_pack, tmp_path: Path) -> None:
    built: list[str] = []
    with pytest.raises(DeliveryError, match="SAFERHUB_SMTP_HOST and SAFERHUB_MAIL_FROM"):
        send_daily_briefings(
            settings=Settings(data_dir=tmp_path),
            date=DAY,
            make_pack=lambda a: built.append(a) or make_pack(a),
            distribution=LISTS,
        )
    assert built == []


def test_dry_run_builds_and_lists_but_sends_nothing(start_server, make_pack, tmp_path: Path) -> None:
    server, _ = start_server()
    deliveries = send_daily_briefings(
        settings=Settings(data_dir=tmp_path), date=DAY, make_pack=make_pack, distribution=LISTS, dry_run=True
    )
    assert [(d.agency, d.status, d.recipients) for d in deliveries] == [
        ("police", "dry run", LISTS["police"]),
        ("council", "dry run", LISTS["council"]),
    ]
    assert all(len(d.attachments) == 2 and all(p.exists() for p in d.attachments) for d in deliveries)
    assert server.received == []


# --- protected connections -------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def test_starttls_with_login(start_server, make_pack, tmp_path: Path, certificate) -> None:
    server_ctx, client_ctx = _contexts(certificate)
    server, port = start_server(
        tls_context=server_ctx, require_starttls=True, authenticator=_check_login, auth_required=True
    )
    settings = _settings(
        tmp_path, port, smtp_security="starttls", smtp_user="hub-sender", smtp_password=SecretStr(PASSWORD)
    )
    deliveries = send_daily_briefings(
        settings=settings, date=DAY, make_pack=make_pack, distribution=LISTS, tls_context=client_ctx
    )
    assert [d.status for d in deliveries] == ["sent", "sent"]
    assert len(server.received) == 2


def test_implicit_tls(start_server, make_pack, tmp_path: Path, certificate) -> None:
    server_ctx, client_ctx = _contexts(certificate)
    server, port = start_server(ssl_context=server_ctx)
    deliveries = send_daily_briefings(
        settings=_settings(tmp_path, port, smtp_security="ssl"),
        date=DAY,
        make_pack=make_pack,
        distribution=LISTS,
        tls_context=client_ctx,
    )
    assert [d.status for d in deliveries] == ["sent", "sent"]
    assert len(server.received) == 2


def test_starttls_is_never_skipped(start_server, make_pack, tmp_path: Path) -> None:
    server, port = start_server()  # no TLS offered
    deliveries = send_daily_briefings(
        settings=_settings(tmp_path, port, smtp_security="starttls"),
        date=DAY,
        make_pack=make_pack,
        distribution=LISTS,
    )
    assert [d.status for d in deliveries] == ["not sent", "not sent"]
    assert all(d.error and "STARTTLS" in d.error for d in deliveries)
    assert server.received == []


def test_an_untrusted_certificate_is_refused(start_server, make_pack, tmp_path: Path, certificate) -> None:
    server_ctx, _ = _contexts(certificate)
    server, port = start_server(ssl_context=server_ctx)
    deliveries = send_daily_briefings(
        settings=_settings(tmp_path, port, smtp_security="ssl"),
        date=DAY,
        make_pack=make_pack,
        distribution=LISTS,
    )  # the system's trust store does not know the test certificate
    assert [d.status for d in deliveries] == ["not sent", "not sent"]
    assert all(d.error and "encrypted connection" in d.error for d in deliveries)
    assert server.received == []


# --- distribution lists ----------------------------------------------------------------


def test_the_example_distribution_file_loads() -> None:
    lists = load_distribution(EXAMPLE, agencies={"police", "fire", "council", "third_sector"})
    assert set(lists) == {"police", "council", "fire", "third_sector"}
    assert all(a.endswith("@example.org") for addresses in lists.values() for a in addresses)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('polcie = ["a@example.org"]', "unknown agency 'polcie'"),
        ('police = ["a@example.org", "Jane Smith"]', "entry 2 is not an e-mail address"),
        ("police = []", "non-empty list"),
        ("police = [", "not valid TOML"),
        ("", "names no agency"),
    ],
)
def test_a_bad_distribution_file_is_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "lists.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DeliveryError, match=message) as caught:
        load_distribution(path, agencies={"police", "council"})
    assert "Jane" not in str(caught.value)  # a wrong entry may be a person: not repeated


def test_duplicate_addresses_are_sent_once(tmp_path: Path) -> None:
    path = tmp_path / "lists.toml"
    path.write_text('police = ["a@example.org", " a@example.org", "b@example.org"]', encoding="utf-8")
    assert load_distribution(path) == {"police": ("a@example.org", "b@example.org")}


# --- the commands, on a Typer app of their own (the briefing group is wired by the lead) ---


@pytest.fixture
def briefing_app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    from rich.console import Console

    from saferhub import cli_briefing_schedule

    # A wide console, so that no address or file name is folded across lines in the table.
    monkeypatch.setattr(cli_briefing_schedule, "out", Console(width=250))
    app = typer.Typer()
    register(app)
    return app


def _configure_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: int, lists: str) -> None:
    """The hub's mail settings and distribution file, as the commands read them."""
    from saferhub.config import get_settings

    path = tmp_path / "lists.toml"
    path.write_text(lists, encoding="utf-8")
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "SMTP_USER": "hub-sender",
        "SMTP_PASSWORD": PASSWORD,
        "MAIL_FROM": "saferhub@hub.example.org",
        "DISTRIBUTION_FILE": str(path),
    }.items():
        monkeypatch.setenv(f"SAFERHUB_{name}", value)
    get_settings.cache_clear()


@pytest.fixture
def hub_env(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_pack
) -> Callable[[int], None]:
    """The hub's environment for the commands, with the pack builder replaced by ``make_pack``."""

    def fake_maker(**kwargs: Any) -> Callable[[str], list[Path]]:
        assert kwargs["date"] == DAY and kwargs["engine"] is not None  # the store was opened
        return make_pack

    monkeypatch.setattr(delivery, "daily_pack_maker", fake_maker)

    def configure(port: int) -> None:
        lists = (
            'police = ["hub-police@example.org", "inspector@example.org"]\n'
            'council = ["asb-team@example.org"]\n'
        )
        _configure_hub(monkeypatch, tmp_path, port, lists)

    return configure


def test_send_command_sends_and_reports(briefing_app, hub_env, start_server) -> None:
    server, port = start_server(authenticator=_check_login, auth_required=True, auth_require_tls=False)
    hub_env(port)
    result = CliRunner().invoke(briefing_app, ["send", "--date", str(DAY)])
    assert result.exit_code == 0, result.output
    assert len(server.received) == 2
    assert "sent to 2" in result.output and "sent to 1" in result.output
    assert PASSWORD not in result.output


def test_send_command_dry_run_lists_recipients_and_attachments(briefing_app, hub_env, start_server) -> None:
    server, port = start_server()
    hub_env(port)
    result = CliRunner().invoke(briefing_app, ["send", "--date", str(DAY), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert server.received == []
    for address in ("hub-police@example.org", "inspector@example.org", "asb-team@example.org"):
        assert address in result.output
    assert f"daily-{DAY}-police.pdf" in result.output and f"daily-{DAY}-council.html" in result.output
    assert "nothing sent" in result.output


def test_send_command_fails_when_a_recipient_is_refused(briefing_app, hub_env, start_server) -> None:
    server, port = start_server(
        refuse={"inspector@example.org"},
        authenticator=_check_login,
        auth_required=True,
        auth_require_tls=False,
    )
    hub_env(port)
    result = CliRunner().invoke(briefing_app, ["send", "--date", str(DAY)])
    assert result.exit_code == 1
    assert "partly sent" in result.output and "inspector@example.org" in result.output
    assert len(server.received) == 2  # the council's still went


def test_send_command_does_nothing_on_a_bank_holiday_for_cron(briefing_app, hub_env, start_server) -> None:
    server, port = start_server()
    hub_env(port)
    result = CliRunner().invoke(briefing_app, ["send", "--date", "2025-08-25", "--working-day-only"])
    assert result.exit_code == 0, result.output
    assert "not a working day" in result.output and "Late Summer Bank Holiday" in result.output
    assert server.received == []


def test_schedule_command_prints_the_cron_line(briefing_app, hub_env, start_server) -> None:
    _, port = start_server()
    hub_env(port)
    result = CliRunner().invoke(briefing_app, ["schedule", "--at", "06:45"])
    assert result.exit_code == 0, result.output
    assert "45 6 * * 1-5 cd " in result.output
    assert "saferhub briefing send --date today --working-day-only" in result.output
    assert "police (2), council (1)" in result.output
    assert "127.0.0.1" in result.output and PASSWORD not in result.output
    bad = CliRunner().invoke(briefing_app, ["schedule", "--at", "7.30"])
    assert bad.exit_code == 2 and "HH:MM" in bad.output


def test_send_command_with_the_real_pack_builder(
    briefing_app, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_server
) -> None:
    """End to end: the packs ``saferhub briefing daily`` would build, each to its own agency, at
    the level of its users: the police's analysts, the voluntary sector's partner viewers."""
    from saferhub.accounts import create_user
    from saferhub.store import connect

    engine = connect(settings.resolved_database_url())
    for name, agency, role in (("pa", "police", "analyst"), ("vs", "third_sector", "partner_viewer")):
        create_user(
            engine=engine, username=name, display_name=name, agency=agency, role=role, password="x" * 12
        )
    engine.dispose()
    server, port = start_server(authenticator=_check_login, auth_required=True, auth_require_tls=False)
    lists = 'police = ["hub-police@example.org"]\nthird_sector = ["partner-desk@example.org"]\n'
    _configure_hub(monkeypatch, tmp_path, port, lists)
    out = tmp_path / "packs"

    result = CliRunner().invoke(briefing_app, ["send", "--date", str(DAY), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert len(server.received) == 2
    assert "partner viewer" in result.output  # the table says whom each version is for
    for agency, address, agency_name, role, folder in [
        ("police", "hub-police@example.org", "Merseyside Police", "analyst", out),
        (
            "third_sector",
            "partner-desk@example.org",
            "Voluntary and community sector partners",
            "partner viewer",
            out / "partner_viewer",
        ),
    ]:
        [got] = server.to(address)
        attached = _attachments(got.message)
        written = {p.name: p.read_bytes() for p in folder.iterdir() if p.stem.endswith(f"-{agency}")}
        assert attached == written and len(written) == 2
        pdf = next(data for name, data in attached.items() if name.endswith(".pdf"))
        html = next(data for name, data in attached.items() if name.endswith(".html")).decode()
        assert pdf.startswith(b"%PDF")
        assert f"{agency_name} ({role})</title>" in html  # built for this agency, at its users' level
        assert str(got.message["Subject"]) == (
            f"{CLASSIFICATION}: SaferHub daily hub briefing, Monday 19 May 2025 ({agency_name} version)"
        )
    # Only the levels someone reads at are made: no analysts' pack for the voluntary sector.
    assert not any(p.stem.endswith("-third_sector") for p in out.iterdir())


def test_packs_are_built_together_and_one_by_one_when_that_fails(
    make_pack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from saferhub.briefings import daily
    from saferhub.briefings.render import BriefingFiles

    calls: list[tuple[str, ...]] = []

    def files(agency: str) -> BriefingFiles:
        pdf, html = make_pack(agency)
        return BriefingFiles(pack=None, html=html, pdf=pdf)  # type: ignore[arg-type]

    def build(*, packs: list[tuple[Reader, Path]], **_: Any) -> list[BriefingFiles]:
        agencies = tuple(reader.agency for reader, _ in packs)
        calls.append(agencies)
        if "police" in agencies and (broken or len(agencies) == 1):
            raise RuntimeError("the police pack failed")
        return [files(a) for a in agencies]

    monkeypatch.setattr(daily, "daily_briefings_for", build)
    names = ("police", "council", "fire")
    plan = {a: delivery.AgencyPacks(a, ("analyst",), "analyst") for a in names}

    def run() -> list[str]:
        make = delivery.daily_pack_maker(
            engine=None, settings=None, date=DAY, out_dir=tmp_path, agencies=names, plan=plan,
            agreement=load_agreement(),
        )  # type: ignore[arg-type]  # fmt: skip
        deliveries = send_daily_briefings(
            settings=Settings(data_dir=tmp_path),
            date=DAY,
            make_pack=make,
            distribution={a: (f"{a}@example.org",) for a in names},
            dry_run=True,
        )
        return [d.status for d in deliveries]

    broken = False
    assert run() == ["dry run"] * 3
    assert calls == [names]  # one build for all: the period's records are read once
    calls.clear()
    broken = True
    assert run() == ["not sent", "dry run", "dry run"]
    assert calls == [names, ("police",), ("council",), ("fire",)]


def test_the_scheduler_is_not_started_without_mail_settings(
    briefing_app, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr("saferhub.cli_briefing_schedule.run_daily_at", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(briefing_app, ["schedule", "--run"])
    assert result.exit_code == 2 and "SAFERHUB_SMTP_HOST" in result.output
    assert started == []


def test_the_scheduler_runs_the_send(
    briefing_app, hub_env, start_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, port = start_server(authenticator=_check_login, auth_required=True, auth_require_tls=False)
    hub_env(port)
    started: list[tuple[dt.time, Callable[[dt.date], object]]] = []
    monkeypatch.setattr(
        "saferhub.cli_briefing_schedule.run_daily_at", lambda at, job, **_: started.append((at, job))
    )
    result = CliRunner().invoke(briefing_app, ["schedule", "--run", "--at", "06:15"])
    assert result.exit_code == 0, result.output
    [(at, job)] = started
    assert at == dt.time(6, 15)
    job(DAY)  # what the scheduler does at 06:15 on a working day
    assert sorted(r.rcpt_tos[0] for r in server.received) == [
        "asb-team@example.org",
        "hub-police@example.org",
    ]
