"""The pack as HTML and PDF: standalone, accessible, classified and addressed on every page."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader

from briefings.conftest import Hub
from saferhub.briefings.content import Column, Pack, Ref, Section, Table
from saferhub.briefings.daily import daily_briefings
from saferhub.briefings.periods import daily_period
from saferhub.briefings.render import BriefingFiles, render_html, write_pack


@pytest.fixture(scope="module")
def packs(hub: Hub) -> list[BriefingFiles]:
    return daily_briefings(
        engine=hub.engine,
        settings=hub.settings,
        date=dt.date(2026, 11, 23),
        agencies=["police", "third_sector"],
        out_dir=hub.out / "render",
    )


def test_every_pdf_page_carries_the_classification_the_date_and_the_readers_agency(
    packs: list[BriefingFiles],
) -> None:
    for files, agency in zip(
        packs, ("Merseyside Police", "Voluntary and community sector partners"), strict=True
    ):
        assert files.pdf is not None
        pages = PdfReader(files.pdf).pages
        assert len(pages) >= 2
        for number, page in enumerate(pages, 1):
            text = " ".join(page.extract_text().split())
            assert text.count("OFFICIAL-SENSITIVE") >= 2, (number, text[:200])  # header and footer
            assert agency in text, number
            assert "Friday 20 to Sunday 22 November" in text, number  # the date in the header
            assert f"Page {number} of {len(pages)}" in text


class _Outline(HTMLParser):
    """Headings, tables' header cells, figures and anything that reaches outside the file."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.th_scopes: list[str | None] = []
        self.captions = 0
        self.tables = 0
        self.figures = 0
        self.figcaptions = 0
        self.svgs: list[dict[str, str | None]] = []
        self.outside: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "th":
            self.th_scopes.append(a.get("scope"))
        elif tag in ("table", "caption", "figure", "figcaption"):
            name = {
                "table": "tables",
                "caption": "captions",
                "figure": "figures",
                "figcaption": "figcaptions",
            }
            setattr(self, name[tag], getattr(self, name[tag]) + 1)
        elif tag == "svg":
            self.svgs.append(a)
        elif tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            value = a.get(key)
            if value and re.match(r"(https?:)?//", value):
                self.outside.append(value)


def _outline(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


def test_the_html_is_standalone_and_accessible(packs: list[BriefingFiles]) -> None:
    html = packs[0].html.read_text(encoding="utf-8")
    o = _outline(html)
    assert o.headings[0] == 1 and o.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(o.headings, o.headings[1:], strict=False))  # no level skipped
    assert o.th_scopes and all(s in ("col", "row") for s in o.th_scopes)
    assert o.tables >= 5 and o.captions == o.tables
    assert o.figures >= 1 and o.figcaptions == o.figures
    for svg in o.svgs:
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert len(re.findall(r"<title id=", html)) == len(o.svgs) and len(re.findall(r"<desc id=", html)) == len(
        o.svgs
    )
    assert not o.outside and o.scripts == 0
    assert '<html lang="en-GB">' in html and "@page" in html


def _tiny_pack(text: str) -> Pack:
    table = Table(
        "A table",
        [Column("who", "Who"), Column("n", "Count", numeric=True)],
        [{"who": Ref("person", "P00AB"), "n": text}],
        row_header="who",
    )
    return Pack(
        kind="daily",
        title=f"Daily hub briefing: {text}",
        area="Wirral",
        period=daily_period(dt.date(2026, 11, 26)),
        agency="police",
        reader='Police "A" <team>',
        produced_at=dt.datetime(2026, 11, 26, 7, 30),
        key_points=[text],
        sections=[Section("people", "People", lead=[text], blocks=[table])],
        about=[],
    )


def test_text_is_escaped_in_the_page_and_in_the_print_header() -> None:
    html = render_html(_tiny_pack('<script>alert("x")</script>'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    # The reader's name goes into CSS strings for the page header: quotes and brackets escaped.
    assert 'content: "For: Police \\"A\\" \\3c team\\3e "' in html


def test_ids_link_to_profiles_in_the_web_version_and_are_plain_text_on_paper() -> None:
    pack = _tiny_pack("1")
    assert 'data-person-id="P00AB"' in render_html(pack) and "<a " not in render_html(pack)
    linked = render_html(pack, links={"person": "/people/{id}"})
    assert '<a class="ref ref-person" href="/people/P00AB">P00AB</a>' in linked


def test_write_pack_writes_html_and_pdf_named_by_kind_area_period_and_agency(tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = write_pack(_tiny_pack("7"), out_dir=tmp_path)
    assert files.html.name == "daily-wirral-2026-11-26-police.html"
    assert files.pdf is not None and files.pdf.read_bytes().startswith(b"%PDF")
