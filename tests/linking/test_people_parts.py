"""The pieces of person linkage: name and date handling, clustering, stable ids, the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import typer
from typer.testing import CliRunner

from saferhub.cli_linking import export_app, register
from saferhub.config import Settings
from saferhub.linking.clusters import assign_person_ids, cluster
from saferhub.linking.features import MENTION_COLUMNS, prepare
from saferhub.linking.nicknames import nickname_groups, nickname_pairs


def _mentions(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    full = [
        {c: None for c in MENTION_COLUMNS} | {"mention_id": k, "agency": "police"} | r
        for k, r in enumerate(rows, start=1)
    ]
    return pl.DataFrame(full, schema={c: pl.String for c in MENTION_COLUMNS} | {"mention_id": pl.Int64})


def test_nickname_table_covers_common_english_names() -> None:
    groups = nickname_groups()
    assert nickname_pairs() >= 300
    for a, b in [
        ("bill", "william"),
        ("liz", "elizabeth"),
        ("beth", "elizabeth"),
        ("betty", "elizabeth"),
        ("lizzie", "elizabeth"),
        ("peggy", "margaret"),
        ("jack", "john"),
        ("ted", "edward"),
        ("kate", "catherine"),
    ]:
        assert set(groups[a]) & set(groups[b]), (a, b)
    assert not set(groups["christopher"]) & set(groups["christine"])
    assert set(groups["chris"]) >= {"christopher", "christine"}


def test_names_as_agencies_write_them() -> None:
    f = prepare(
        _mentions(
            [
                {"first_name": "mr john", "last_name": "mac donald"},
                {"first_name": "j", "last_name": "mcdonald jnr"},
                {"first_name": "bill", "last_name": "smith-jones"},
                {"first_name": "unknown", "last_name": "obrien"},
                {"first_name": "dave"},
                # A surname with the agency's own person reference ("SMITH, nominal 1234").
                {"last_name": "smith", "agency_ref": "NOM-1234"},
                {"last_name": "smith", "agency_ref": "unknown"},
            ]
        )
    )
    rows = f.to_dicts()
    assert rows[0]["fn"] == "john" and rows[0]["ln"] == "mcdonald"
    assert rows[1]["fn"] is None and rows[1]["fn_init"] == "j" and rows[1]["ln"] == "mcdonald"
    assert rows[2]["fn_key"] == "william" and rows[2]["ln_parts"] == ["smith", "jones"]
    assert rows[3]["fn"] is None and rows[3]["ln"] == "obrien"
    assert [r["linkable"] for r in rows] == [True, True, True, False, False, True, False]


def test_dates_phones_and_addresses_as_agencies_write_them() -> None:
    f = prepare(
        _mentions(
            [
                {"last_name": "jones", "dob": "1900-01-01", "phone": "+447777777777"},
                {
                    "last_name": "jones",
                    "dob": "1961-04-03",
                    "phone": "+447700900123",
                    "address": "FLAT 2 14 PARK RD",
                    "postcode": "CH41 5AB",
                },
                {
                    "last_name": "jones",
                    "dob": "2999-01-01",
                    "address": "14 PARK ROAD F2 BIRKENHEAD",
                    "postcode": "CH41 5AB",
                },
            ]
        ),
        today=dt.date(2026, 11, 26),
    ).to_dicts()
    assert f[0]["dob"] is None and f[0]["phone"] is None  # placeholders
    assert f[1]["dob_swap"] == "1961-03-04"
    assert f[2]["dob"] is None  # in the future
    assert f[1]["home_key"] == f[2]["home_key"] == "CH41 5AB|14 2"
    # Without a postcode, the numbers on the street still meet (for blocking).
    assert f[1]["street_key"] == f[2]["street_key"] == "PARK|14 2"
    assert "ROAD" in f[1]["addr_words"] and "FLAT" not in f[1]["addr_words"]


def test_cannot_link_splits_a_chain_at_its_weakest_link() -> None:
    ids = np.array([1, 2, 3, 4], dtype=np.int64)
    links = pl.DataFrame({"l": [1, 2, 3], "r": [2, 3, 4], "strength": [10.0, 1.0, 9.0]})
    assert len(set(cluster(ids, links))) == 1
    labels = cluster(ids, links, pl.DataFrame({"l": [1], "r": [4]}))
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_links_of_equal_strength_give_the_same_people_in_any_order() -> None:
    """Where a forbidden pair splits a chain, links of equal strength (the same levels
    agree) are taken in mention order, not in the order they were scored."""
    ids = np.arange(1, 7, dtype=np.int64)
    links = pl.DataFrame(
        {"l": [1, 2, 3, 4, 5, 1], "r": [2, 3, 4, 5, 6, 6], "strength": [5.0, 5.0, 5.0, 5.0, 5.0, 5.0]}
    )
    cannot = pl.DataFrame({"l": [1], "r": [4]})
    expected = cluster(ids, links, cannot)
    assert expected[0] != expected[3]
    for seed in range(20):
        shuffled = links.sample(fraction=1.0, shuffle=True, seed=seed)
        labels = cluster(ids, shuffled, cannot)
        together = labels[:, None] == labels[None, :]
        assert together.tolist() == (expected[:, None] == expected[None, :]).tolist()


def test_person_ids_survive_growth_merges_and_splits() -> None:
    ids = np.array([1, 2, 3, 4, 5, 6], dtype=np.int64)
    previous = pl.DataFrame({"mention_id": [1, 2, 3, 4, 5], "person_id": ["PA", "PA", "PB", "PC", "PC"]})
    # 6 is new and joins A; B merges into C; nothing else moves.
    assigned, changes = assign_person_ids(ids, np.array([0, 0, 1, 1, 1, 0]), previous)
    person = dict(assigned.iter_rows())
    assert person[1] == person[2] == person[6] == "PA"
    assert person[3] == person[4] == person[5] == "PC"
    assert [(c.kind, c.person_id, c.other_person_id) for c in changes] == [("merged", "PC", "PB")]
    # Now C splits: the larger part keeps C, the other gets a new id.
    assigned, changes = assign_person_ids(ids, np.array([0, 0, 1, 1, 2, 0]), assigned)
    person = dict(assigned.iter_rows())
    assert person[3] == person[4] == "PC" and person[5] not in ("PA", "PC")
    assert [(c.kind, c.person_id) for c in changes] == [("split", "PC")]


def test_cli_links_reviews_and_exports(
    tmp_path: Path, settings: Settings, import_feeds: Callable[..., None]
) -> None:
    import_feeds("referrals", "intelligence", "fire-incidents")
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """SaferHub."""

    register(app)
    assert export_app.registered_commands
    runner = CliRunner()
    result = runner.invoke(app, ["link", "--json"])
    assert result.exit_code == 0, result.output
    assert '"mode": "full"' in result.output
    result = runner.invoke(app, ["review", "--limit", "1"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "links.csv"
    result = runner.invoke(app, ["export", "links", "--out", str(out)])
    assert result.exit_code == 0, result.output
    links = pl.read_csv(out, infer_schema=False)
    assert links.columns == ["feed", "agency", "source_id", "role", "person_id"]
    assert links["person_id"].null_count() == 0
    result = runner.invoke(app, ["review", "--pair", "999999", "--same", "--by", "x"])
    assert result.exit_code == 2
