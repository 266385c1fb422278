"""Build an area's reference point set from police.uk street-level crime files.

One row per distinct police.uk map point whose published LSOA is one of the
area's LSOAs: its British National Grid position (0.1 m) and that LSOA. A map
point published with different LSOAs over time (police.uk re-issues history)
takes the LSOA of most of its rows, ties going to the latest month. Data:
data.police.uk, Open Government Licence v3.0.

    python -m saferhub.areas.build_reference [--street-dir DIR] [--areas-file TOML]
        [--out FILE] [--from YYYY-MM] [--to YYYY-MM]

With no options it rebuilds the shipped Wirral file
``data/wirral/reference_points.csv.gz`` from the shared Merseyside files.
"""

from __future__ import annotations

import argparse
import gzip
import io
from collections.abc import Collection, Sequence
from pathlib import Path

import polars as pl

from saferhub.areas.boundaries import load_areas
from saferhub.areas.projection import to_bng
from saferhub.areas.reference import COLUMNS

HERE = Path(__file__).resolve().parent
DEFAULT_AREAS_FILE = HERE / "data" / "wirral" / "areas.toml"
DEFAULT_OUT = HERE / "data" / "wirral" / "reference_points.csv.gz"
DEFAULT_STREET_DIR = HERE.parents[2].parent / "shared" / "data" / "police_uk" / "merseyside" / "street"


def street_files(street_dir: Path, first: str | None = None, last: str | None = None) -> list[Path]:
    """The ``YYYY-MM-*-street.csv[.gz]`` files in ``street_dir`` between two months (inclusive)."""
    files = sorted(street_dir.glob("*-street.csv*"))
    return [
        f for f in files if (first is None or f.name[:7] >= first) and (last is None or f.name[:7] <= last)
    ]


def read_rows(files: Sequence[Path], lsoa_codes: Collection[str] | None = None) -> pl.DataFrame:
    """Month, Longitude, Latitude and LSOA code of every located row (of the given LSOAs)."""
    frames = [
        pl.read_csv(
            f,
            columns=["Month", "Longitude", "Latitude", "LSOA code"],
            schema_overrides={
                "Month": pl.String,
                "Longitude": pl.Float64,
                "Latitude": pl.Float64,
                "LSOA code": pl.String,
            },
        )
        for f in files
    ]
    if not frames:
        raise FileNotFoundError("no police.uk street files to read")
    rows = pl.concat(frames).drop_nulls(["Longitude", "Latitude", "LSOA code"])
    if lsoa_codes is not None:
        rows = rows.filter(pl.col("LSOA code").is_in(sorted(lsoa_codes)))
    return rows


def reference_table(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct map point: Longitude, Latitude, easting, northing, lsoa11cd, rows."""
    votes = (
        rows.group_by(["Longitude", "Latitude", "LSOA code"])
        .agg(pl.len().alias("n"), pl.col("Month").max().alias("latest"))
        .sort(
            ["Longitude", "Latitude", "n", "latest", "LSOA code"],
            descending=[False, False, True, True, False],
        )
    )
    table = votes.group_by(["Longitude", "Latitude"], maintain_order=True).agg(
        pl.col("LSOA code").first().alias("lsoa11cd"), pl.col("n").sum().alias("rows")
    )
    e, n = to_bng(table["Longitude"].to_numpy(), table["Latitude"].to_numpy())
    return table.with_columns(pl.Series("easting", e).round(1), pl.Series("northing", n).round(1)).select(
        "Longitude", "Latitude", "easting", "northing", "lsoa11cd", "rows"
    )


def build_reference(
    street_dir: Path = DEFAULT_STREET_DIR,
    areas_file: Path = DEFAULT_AREAS_FILE,
    first: str | None = None,
    last: str | None = None,
) -> pl.DataFrame:
    """The reference table for the area's LSOAs from the street files between two months."""
    codes = load_areas(Path(areas_file)).lsoa.codes.tolist()
    return reference_table(read_rows(street_files(Path(street_dir), first, last), codes))


def write_reference(table: pl.DataFrame, path: Path) -> None:
    """Write easting, northing, lsoa11cd as a byte-reproducible gzipped CSV."""
    out = table.select(COLUMNS).sort(["lsoa11cd", "easting", "northing"])
    text = io.StringIO()
    out.write_csv(text, float_precision=1)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as fh,
    ):
        fh.write(text.getvalue().encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--street-dir", type=Path, default=DEFAULT_STREET_DIR)
    parser.add_argument("--areas-file", type=Path, default=DEFAULT_AREAS_FILE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--from", dest="first", metavar="YYYY-MM")
    parser.add_argument("--to", dest="last", metavar="YYYY-MM")
    args = parser.parse_args(argv)
    table = build_reference(args.street_dir, args.areas_file, args.first, args.last)
    write_reference(table, args.out)
    print(f"{args.out}: {table.height} reference points from {int(table['rows'].sum())} rows")


if __name__ == "__main__":
    main()
