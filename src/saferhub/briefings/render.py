"""A pack as a standalone HTML file and as PDF from the same HTML (WeasyPrint).

The HTML carries its CSS inline and its maps and charts as inline SVG: it works offline,
prints well from a browser, and is what WeasyPrint lays out for the PDF. Print CSS puts
the classification, the date and the reader's agency on every page, and page numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from saferhub.briefings.content import Figure, IntelList, Pack, Ref, Table

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONT = '"DejaVu Sans", Arial, Helvetica, sans-serif'


@dataclass(frozen=True)
class BriefingFiles:
    """A pack and the files written for it (``pdf`` None when not asked for), and the seconds
    each step took (for the benchmark's breakdown)."""

    pack: Pack
    html: Path
    pdf: Path | None
    seconds: dict[str, float] = field(default_factory=dict)


def css_string(value: object) -> Markup:
    """Text for a CSS string in double quotes (the @page header and footer), safe inside <style>."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return Markup(text.replace("<", "\\3c ").replace(">", "\\3e ").replace("&", "\\26 "))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(("html", "css"), default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["css_string"] = css_string
    env.tests["ref"] = lambda v: isinstance(v, Ref)
    env.tests["table_block"] = lambda v: isinstance(v, Table)
    env.tests["figure_block"] = lambda v: isinstance(v, Figure)
    env.tests["intel_block"] = lambda v: isinstance(v, IntelList)
    return env


def render_html(pack: Pack, *, links: dict[str, str] | None = None) -> str:
    """The pack as one HTML document. ``links`` maps "person", "place" and "cell" to a URL
    pattern with ``{id}`` (the web version's profiles); without it ids are plain text."""
    kind = "Daily hub briefing" if pack.kind == "daily" else "Weekly local briefing"
    return (
        environment()
        .get_template("briefing.html")
        .render(
            pack=pack,
            links=links or {},
            font=FONT,
            running_title=f"{kind} · {pack.area} · {pack.period.label}",
            agency_line=f"for {pack.reader}",
            produced=pack.produced_at.strftime("%A %d %B %Y at %H:%M"),
        )
    )


def write_pdf(html: str, path: Path) -> Path:
    """Lay the HTML out on A4 pages and write the PDF."""
    from weasyprint import HTML  # imported here: it takes a moment and only the PDF needs it

    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(str(path))
    return path


def write_pack(pack: Pack, *, out_dir: Path, pdf: bool = True) -> BriefingFiles:
    """Write ``<stem>.html`` (and ``<stem>.pdf``) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    html = render_html(pack)
    html_path = out_dir / f"{pack.file_stem}.html"
    html_path.write_text(html, encoding="utf-8")
    seconds = {"html": time.perf_counter() - started}
    pdf_path = write_pdf(html, out_dir / f"{pack.file_stem}.pdf") if pdf else None
    seconds["pdf"] = time.perf_counter() - started - seconds["html"]
    return BriefingFiles(pack=pack, html=html_path, pdf=pdf_path, seconds=seconds)
