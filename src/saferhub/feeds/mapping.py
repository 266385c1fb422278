"""Partner mapping files: a partner's own column names and codes onto the contract.

A mapping is a small TOML file::

    [columns]                  # contract column = the partner's column
    source_id = "Incident No"
    received_at = "Date/Time Received"

    [values.category]          # the partner's value = the contract's value
    "ASB - Nuisance" = "asb"
    "Concern for welfare" = "welfare"

    [defaults]                 # a value for a column the partner does not send
    agency = "police"

    [formats]                  # strptime formats for dates the partner writes its own way
    received_at = "%d/%m/%Y %H:%M"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from saferhub.feeds.errors import FileRefused


def header_key(name: str) -> str:
    """How a header is matched: case-insensitive, trimmed, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)


def _table(data: dict[str, object], key: str, source: str) -> dict[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise FileRefused(source, f"[{key}] must be a table")
    return value


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file; refuse it in one line if it is not usable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileRefused(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FileRefused(path.name, f"is not a valid TOML mapping file ({exc})") from exc
    unknown = set(data) - {"columns", "values", "defaults", "formats"}
    if unknown:
        raise FileRefused(path.name, f"has unknown sections: {', '.join(sorted(unknown))}")
    columns = {header_key(k): str(v) for k, v in _table(data, "columns", path.name).items()}
    values: dict[str, dict[str, str]] = {}
    for column, table in _table(data, "values", path.name).items():
        if not isinstance(table, dict):
            raise FileRefused(path.name, f"[values.{column}] must be a table")
        values[header_key(column)] = {str(k).strip().lower(): str(v) for k, v in table.items()}
    defaults = {header_key(k): str(v) for k, v in _table(data, "defaults", path.name).items()}
    formats = {header_key(k): str(v) for k, v in _table(data, "formats", path.name).items()}
    return Mapping(columns=columns, values=values, defaults=defaults, formats=formats)


def resolve_columns(
    header: list[str], contract: set[str], mapping: Mapping | None, file: str
) -> tuple[dict[int, str], dict[int, str]]:
    """Which file column feeds which contract column, and which are extra (kept as sent).

    Returns ({position: contract name}, {position: original header of an extra column}).
    """
    by_key: dict[str, int] = {}
    for i, name in enumerate(header):
        key = header_key(name)
        if not key:
            continue
        if key in by_key:
            raise FileRefused(file, f"has the column '{name}' twice")
        by_key[key] = i
    used: dict[int, str] = {}
    if mapping:
        for target, source in mapping.columns.items():
            if target not in contract:
                raise FileRefused(file, f"mapping names '{target}', which is not a column of this feed")
            position = by_key.get(header_key(source))
            if position is None:
                raise FileRefused(file, f"has no column '{source}' (named in the mapping for {target})")
            used[position] = target
    mapped_targets = set(used.values())
    for key, position in by_key.items():
        if position in used:
            continue
        if key in contract and key not in mapped_targets:
            used[position] = key
    # A column without a header is extra too (named "column N" downstream): never dropped.
    extra = {i: header[i] for i in range(len(header)) if i not in used}
    return used, extra


def apply_values(frame: pl.DataFrame, mapping: Mapping | None) -> pl.DataFrame:
    """Replace partner codes by contract values, fill defaults and rewrite partner date formats."""
    if not mapping:
        return frame
    exprs: list[pl.Expr] = []
    for column, table in mapping.values.items():
        if column in frame.columns:
            lowered = pl.col(column).str.to_lowercase()
            exprs.append(
                pl.coalesce(
                    lowered.replace_strict(table, default=None, return_dtype=pl.String),
                    pl.col(column),
                ).alias(column)
            )
    for column, fmt in mapping.formats.items():
        if column in frame.columns:
            parsed = pl.col(column).str.strptime(pl.Datetime("us"), fmt, strict=False)
            has_time = any(code in fmt for code in ("%H", "%I", "%M"))
            text = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d")
            # A value that does not fit the format is left as sent, so validation names it.
            exprs.append(pl.coalesce(text, pl.col(column)).alias(column))
    if exprs:
        frame = frame.with_columns(exprs)
    fills = [
        pl.col(c).fill_null(pl.lit(v)).alias(c) if c in frame.columns else pl.lit(v).alias(c)
        for c, v in mapping.defaults.items()
    ]
    return frame.with_columns(fills) if fills else frame
