"""Reading a partner's file (CSV, gzip CSV or Excel) into a table of strings.

Every record keeps the number of the line it starts on, so a rejected row can be
found in the partner's own file. Rows whose field count does not match the header
come back separately, to be quarantined. Values are trimmed; empty means missing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from saferhub.feeds.errors import FileRefused

LINE = "_line"
_BLANK_LINE = re.compile(rb"\n\r?\n")  # a regex finds it by memchr: far faster than ``in``
csv.field_size_limit(16 * 1024 * 1024)
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class RaggedRow:
    line: int
    fields: list[str]


@dataclass
class RawTable:
    """A file's header as sent, its well-formed rows (columns c0..cN plus _line), and bad rows."""

    header: list[str]
    frame: pl.DataFrame
    ragged: list[RaggedRow] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The header as sent, with "column N" for a column that has no name."""
        return [h if h else f"column {i + 1}" for i, h in enumerate(self.header)]

    @property
    def rows_read(self) -> int:
        return self.frame.height + len(self.ragged)


def positional(i: int) -> str:
    return f"c{i}"


def read_table(path: Path, *, sheet: str | None = None) -> RawTable:
    """Read ``path``; raise FileRefused if it is not a readable table."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileRefused(name, f"cannot be read ({exc.strerror or exc})") from exc
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileRefused(name, "is a damaged or truncated gzip file") from exc
    elif name.lower().endswith(".gz"):
        raise FileRefused(name, "is named .gz but is not a gzip file")
    if data[:4] == ZIP_MAGIC:
        return _read_xlsx(name, data, sheet)
    if sheet is not None:
        raise FileRefused(name, "--sheet applies only to Excel (.xlsx) files")
    return _read_csv(name, data)


def _decode(name: str, data: bytes) -> bytes:
    """``data`` without a byte-order mark; FileRefused if empty or binary.

    UTF-8 is checked as the text is parsed (pyarrow checks every string column; the
    careful path decodes), so a file is not decoded twice; ``_not_utf8`` says where.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():
        raise FileRefused(name, "is empty: there is no header row")
    if b"\x00" in data[:65536]:
        raise FileRefused(name, "is not a CSV text file (it contains binary data)")
    return data


def _not_utf8(name: str, data: bytes) -> FileRefused:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return FileRefused(name, f"is not UTF-8 text (first bad byte on line {line}); save it as 'CSV UTF-8'")
    raise AssertionError("_not_utf8 called on UTF-8 text")


def _header(name: str, data: bytes) -> tuple[list[str], int]:
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    header = next(csv.reader([first.decode("utf-8").rstrip("\r")]), [])
    header = [h.strip() for h in header]
    if not any(header):
        raise FileRefused(name, "is empty: the first line holds no column names")
    return header, (len(data) if end < 0 else end + 1)


def _read_csv(name: str, data: bytes) -> RawTable:
    data = _decode(name, data)
    try:
        return _parse_csv(name, data)
    except UnicodeDecodeError as exc:
        raise _not_utf8(name, data) from exc


def _parse_csv(name: str, data: bytes) -> RawTable:
    header, body_start = _header(name, data)
    cols = [positional(i) for i in range(len(header))]
    body = data[body_start:]
    invalid: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row.number or -1)
        return "skip"

    table: pa.Table | None = None
    if body and not body.isspace():
        try:
            table = pacsv.read_csv(
                io.BytesIO(body),
                read_options=pacsv.ReadOptions(column_names=cols, use_threads=True),
                parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in cols},
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    null_values=[""],
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowException):
            table = None
    lines = _line_numbers(body, first_line=2)
    if table is not None and not invalid and table.num_rows == len(lines):
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
        return RawTable(header=header, frame=_tidy(frame, cols), ragged=[])
    return _read_csv_exact(name, header, body)


def _line_numbers(body: bytes, *, first_line: int) -> np.ndarray:
    """Line numbers of the non-blank lines of ``body`` (whose first line is ``first_line``)."""
    if not body:
        return np.empty(0, dtype=np.int64)
    blank_somewhere = (
        _BLANK_LINE.search(body) is not None or body.startswith((b"\n", b"\r\n")) or body.endswith(b"\n\r")
    )
    if body == b"\r":
        return np.empty(0, dtype=np.int64)
    if not blank_somewhere:  # the usual case: every line is a record's first line
        count = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
        return np.arange(first_line, first_line + count, dtype=np.int64)
    buf = np.frombuffer(body, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newlines + 1))
    starts = starts[starts < len(body)]
    ends = np.searchsorted(newlines, starts)
    line_end = np.where(ends < len(newlines), newlines[np.minimum(ends, len(newlines) - 1)], len(body))
    length = line_end - starts
    first_char = buf[np.minimum(starts, len(body) - 1)]
    blank = (length == 0) | ((length == 1) & (first_char == 13))
    numbers = np.arange(first_line, first_line + len(starts), dtype=np.int64)
    return numbers[~blank]


def _read_csv_exact(name: str, header: list[str], body: bytes) -> RawTable:
    """The careful path: quoted values spanning lines, ragged rows; slower but exact."""
    width = len(header)
    text = io.StringIO(body.decode("utf-8"), newline="")
    reader = csv.reader(text)
    good: list[list[str]] = []
    good_lines: list[int] = []
    ragged: list[RaggedRow] = []
    previous = 0
    try:
        for fields in reader:
            start = previous + 2  # header is line 1
            previous = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                ragged.append(RaggedRow(line=start, fields=fields))
                continue
            good.append(fields)
            good_lines.append(start)
    except csv.Error as exc:
        raise FileRefused(name, f"is not valid CSV near line {previous + 2} ({exc})") from exc
    cols = [positional(i) for i in range(width)]
    frame = pl.DataFrame(
        {c: [row[i] for row in good] for i, c in enumerate(cols)},
        schema={c: pl.String for c in cols},
    ).with_columns(pl.Series(LINE, good_lines, dtype=pl.Int64))
    return RawTable(header=header, frame=_tidy(frame, cols), ragged=ragged)


def _tidy(frame: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in cols)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        # Excel stores a date as a datetime at midnight: give it back as the date the partner
        # typed (a date of birth must read as YYYY-MM-DD; a datetime column reads a bare date
        # as midnight, so nothing changes there).
        if value.tzinfo is None and value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep="T", timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_xlsx(name: str, data: bytes, sheet: str | None) -> RawTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad workbook
        raise FileRefused(name, "is a zip file but not a readable Excel (.xlsx) workbook") from exc
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise FileRefused(name, f"has no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        rows = ws.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None or not any(v is not None and str(v).strip() for v in first):
            raise FileRefused(name, "is empty: the first row holds no column names")
        header = [("" if v is None else str(v)).strip() for v in first]
        while header and not header[-1]:
            header.pop()
        width = len(header)
        good: list[list[str | None]] = []
        lines: list[int] = []
        ragged: list[RaggedRow] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell(v) for v in row]
            if not any(c is not None and c.strip() for c in cells):
                continue
            if any(c is not None and c.strip() for c in cells[width:]):
                ragged.append(RaggedRow(line=number, fields=[c or "" for c in cells]))
                continue
            cells = (cells + [None] * width)[:width]
            good.append(cells)
            lines.append(number)
    finally:
        book.close()
    cols = [positional(i) for i in range(width)]
    frame = pl.DataFrame(
        {c: [r[i] for r in good] for i, c in enumerate(cols)},
        schema={c: pl.String for c in cols},
    ).with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    return RawTable(header=header, frame=_tidy(frame, cols), ragged=ragged)
