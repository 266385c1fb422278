"""``saferhub link``, ``saferhub review`` and ``saferhub export links``: thin commands.

``register(app)`` adds them to the main app. ``export_app`` is the ``export`` group, which
other capabilities (places) add their exports to.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from saferhub.config import get_settings

out = Console()
err = Console(stderr=True)

export_app = typer.Typer(help="Export the hub's links for partners and checks.", no_args_is_help=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _engine() -> Engine:
    from saferhub.services import open_store

    return open_store(get_settings())


def link_command(
    retrain: Annotated[bool, typer.Option(help="Train a new model first (saved as a new version).")] = False,
    full: Annotated[bool, typer.Option(help="Relink every mention, not only what is new.")] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Match probability from which mentions are linked (default 0.95, "
            "or SAFERHUB_LINK_THRESHOLD)."
        ),
    ] = None,
    review_from: Annotated[
        float | None,
        typer.Option(
            help="Pairs from this probability up to the threshold go to review (default 0.5, "
            "or SAFERHUB_LINK_REVIEW_FROM)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Link person mentions across agencies into people, and records to places; new data joins."""
    from saferhub.linking import LinkBusy, LinkOptions, link_people
    from saferhub.linking.places import resolve_places
    from saferhub.store.session import refresh_statistics

    options = LinkOptions()
    if threshold is not None:
        options.threshold = threshold
    if review_from is not None:
        options.review_from = review_from
    if not 0 < options.review_from <= options.threshold < 1:
        raise _fail("need 0 < --review-from <= --threshold < 1")
    engine = _engine()
    with err.status("Linking people ...", spinner="dots") as status:
        try:
            summary = link_people(
                engine=engine,
                options=options,
                retrain=retrain,
                full=full,
                progress=lambda step: status.update(f"Linking people: {step} ..."),
            )
        except LinkBusy as busy:
            raise _fail(str(busy)) from None
        status.update("Resolving places ...")
        places = resolve_places(engine=engine)
        refresh_statistics(engine)  # the pages read links by person: the planner must know them
    if as_json:
        print(json.dumps({**summary.as_dict(), "places": places.as_dict()}))
        return
    table = Table(title=f"People linked ({summary.mode})", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("mentions", summary.mentions),
        ("with enough to link on", summary.linkable),
        ("new or changed", summary.new_mentions),
        ("people", summary.people),
        ("merges", summary.merges),
        ("splits", summary.splits),
        ("pairs waiting for review", summary.review_pairs),
    ]
    for name, value in rows:
        table.add_row(name, f"{value:,}")
    out.print(table)
    model = f"model version {summary.model_version}" + (" (newly trained)" if summary.trained else "")
    out.print(f"{model}; {summary.seconds:.1f} s. Review unsure pairs with: saferhub review")
    out.print(
        f"Places: {places.places:,} places in {places.buildings:,} buildings; "
        f"{places.events_placed:,} of {places.events:,} located records and "
        f"{places.homes_placed:,} of {places.homes:,} home addresses placed ({places.seconds:.1f} s)."
    )


def _show(item: object) -> None:
    from saferhub.linking import ReviewItem

    assert isinstance(item, ReviewItem)
    title = (f"Pair {item.pair_id}: " if item.pair_id is not None else "") + (
        f"match probability {item.match_probability:.3f} (weight {item.match_weight:+.1f})"
    )
    records = Table(title=title, title_justify="left")
    records.add_column("")
    for side in (item.left, item.right):
        records.add_column(
            f"mention {side.mention_id}\n{side.agency} {side.feed} {side.role}\n{side.source_id}"
        )
    for name in item.left.fields:
        records.add_row(name.replace("_", " "), item.left.fields[name] or "", item.right.fields[name] or "")
    records.add_row("person now", item.left.person_id or "", item.right.person_id or "")
    out.print(records)
    evidence = Table(title="Evidence (match weight: + for same person, - against)", title_justify="left")
    for heading in ("compared", "finding", "weight"):
        evidence.add_column(heading, justify="right" if heading == "weight" else "left")
    for part in item.evidence:
        evidence.add_row(
            str(part["comparison"]).replace("_", " "), str(part["level"]), f"{float(part['weight']):+.2f}"
        )
    evidence.add_row("total", "", f"{item.match_weight:+.2f}", style="bold")
    out.print(evidence)


def _pair(text: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in text.split(","))
    except ValueError:
        raise _fail("give two mention ids as A,B") from None
    return a, b


def review_command(
    limit: Annotated[int, typer.Option(help="How many queued pairs to show.")] = 10,
    pair: Annotated[int | None, typer.Option(help="A queued pair to show or decide.")] = None,
    mentions: Annotated[str | None, typer.Option(help="Two mention ids A,B to decide.")] = None,
    same: Annotated[bool, typer.Option("--same", help="Decide: one person.")] = False,
    different: Annotated[bool, typer.Option("--different", help="Decide: two people.")] = False,
    by: Annotated[str | None, typer.Option(help="Who decides (recorded with the decision).")] = None,
    note: Annotated[str | None, typer.Option(help="Why (recorded with the decision).")] = None,
    explain: Annotated[
        str | None, typer.Option(help="Explain any two mentions A,B: each field's finding and match weight.")
    ] = None,
) -> None:
    """Review pairs the model is unsure of; record same/different decisions, which beat the model."""
    from saferhub.linking import ReviewError, decide, review_queue
    from saferhub.linking import explain as explain_pair

    engine = _engine()
    try:
        if explain:
            _show(explain_pair(engine=engine, mentions=_pair(explain)))
            return
        if same or different:
            if same and different:
                raise _fail("choose --same or --different, not both")
            if not by:
                raise _fail("say who decides with --by")
            low, high = decide(
                engine=engine,
                decision="same" if same else "different",
                decided_by=by,
                pair_id=pair,
                mentions=_pair(mentions) if mentions else None,
                note=note,
            )
            out.print(
                f"Recorded: mentions {low} and {high} are "
                f"{'one person' if same else 'two people'}. "
                "It takes effect at the next: saferhub link"
            )
            return
        items, total = review_queue(engine=engine, limit=limit)
        if pair is not None:
            items = [i for i in review_queue(engine=engine, limit=total)[0] if i.pair_id == pair]
            if not items:
                raise _fail(f"no pair {pair} in the review queue")
    except ReviewError as exc:
        raise _fail(str(exc)) from None
    if not items:
        out.print("The review queue is empty.")
        return
    for item in items:
        _show(item)
    out.print(
        f"{len(items)} of {total:,} queued pairs shown. Decide with: "
        "saferhub review --pair N --same|--different --by NAME"
    )


@export_app.command("links")
def export_links_command(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Write feed,agency,source_id,role,person_id for every person mention."""
    from saferhub.linking import export_person_links

    rows, unlinked = export_person_links(engine=_engine(), out=out_file)
    out.print(f"Wrote {rows:,} person mentions to {out_file}.")
    if unlinked:
        err.print(f"{unlinked:,} mentions are not linked yet (empty person_id): run saferhub link first.")


def register(app: typer.Typer) -> None:
    """Add link, review and the export group (with export links) to ``app``."""
    app.command("link")(link_command)
    app.command("review")(review_command)
    app.add_typer(export_app, name="export")
