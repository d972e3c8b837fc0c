"""Reading a sheet into a normalised column frame, with the spreadsheet's row numbers; and the
columns that every first version written from a frame carries."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import polars as pl

from bianzhi.core.dates import BEGINNING, END
from bianzhi.registry.importer.reader import RawSheet
from bianzhi.registry.importer.schema import PEOPLE, Column, SheetSpec

#: rows read into one frame chunk before it is normalised
READ_CHUNK = 100_000
#: control characters (trimming them differs between engines), and the bidirectional controls and
#: zero-width characters that the row path refuses (interchange.md §1 "Characters and size")
ODD = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_SEPARATORS = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")  # four scans for bytes beat one regex tenfold
#: a character other than printable ASCII, the middle dot of names and CJK ideographs (basic and
#: extension A): text made only of those is already NFKC-normal (none decomposes, none composes)
#: and holds no control character
_NOT_PLAIN = r"[^\x20-\x7e\u00b7\u3400-\u4dbf\u4e00-\u9fff]"


def _layout(spec: SheetSpec, headers: list[str]) -> list[tuple[int, Column]]:
    """The sheet's columns in file order; the first of repeated headers counts (as in validate.py)."""
    by_header = spec.by_header
    seen: set[str] = set()
    layout = []
    for position, header in enumerate(headers):
        col = by_header.get(header)
        if col is not None and header not in seen:
            seen.add(header)
            layout.append((position, col))
    return layout


def _normalised(frame: pl.DataFrame, fields: list[str], unplain: set[str]) -> pl.DataFrame:
    """interchange.md §1: every text cell NFKC-normalised and trimmed; an empty cell is "not given".

    In place and one column at a time, so that memory holds one extra column at most. Only the
    cells holding a character outside plain text (``_NOT_PLAIN``) are normalised — the others
    already are; the fields that have such cells are added to ``unplain`` (only they can hold a
    control character)."""
    for f in fields:
        column = frame.get_column(f)
        rows = column.str.contains(_NOT_PLAIN).arg_true()
        if rows.len():
            unplain.add(f)
            column = column.scatter(rows, column.gather(rows).str.normalize("NFKC"))
            column = column.str.strip_chars()
        else:
            # Plain text has no whitespace but the space: only cells that begin or end with one change.
            spaced = (column.str.starts_with(" ") | column.str.ends_with(" ")).arg_true()
            if spaced.len():
                column = column.scatter(spaced, column.gather(spaced).str.strip_chars())
        empty = (column.str.len_bytes() == 0).arg_true()
        if empty.len():
            column = column.scatter(empty, None)
        frame.replace_column(frame.get_column_index(f), column)
        del column
    return frame


def _read_polars(
    source: Path | bytes, headers: list[str], layout: list[tuple[int, Column]], unplain: set[str]
) -> pl.DataFrame | None:
    """The sheet read by polars' CSV reader, when it provably numbers rows as csv.reader does: no
    quote characters (so one line is one record), no NUL or lone CR, no line longer than the header,
    and none of the separators U+001C–U+001F, which Python's strip() removes and polars' does not (so
    a row of them would count as blank for one reader only). None otherwise: the caller reads row by row."""
    lines = crs = crlfs = 0
    last = b""
    for block in _blocks(source):
        if b'"' in block or b"\x00" in block or any(s in block for s in _SEPARATORS):
            return None
        lines += block.count(b"\n")
        if b"\r" in block or last.endswith(b"\r"):
            crs += block.count(b"\r")
            crlfs += block.count(b"\r\n") + (last.endswith(b"\r") and block.startswith(b"\n"))
        last = block
    if crs != crlfs:
        return None
    lines += 0 if last.endswith(b"\n") else 1
    try:
        frame = pl.read_csv(source, has_header=True, infer_schema=False, quote_char=None, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None
    if frame.width != len(headers) or frame.height != lines - 1:
        return None
    names = frame.columns
    frame = frame.select(
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("row"),
        *[pl.col(names[position]).alias(col.field) for position, col in layout],
        *[pl.col(names[p]).alias(f"_other{p}") for p in range(len(names)) if p not in {q for q, _ in layout}],
    )
    fields = [col.field for _, col in layout]
    frame = _normalised(frame, fields, unplain)
    # A row whose cells are all empty is skipped (its number stays the spreadsheet's own).
    others = [name for name in frame.columns if name.startswith("_other")]
    blank = pl.all_horizontal(pl.col(f).is_null() for f in fields) if fields else pl.lit(True)
    if others:
        blank = blank & pl.all_horizontal(
            pl.col(o).is_null() | (pl.col(o).str.normalize("NFKC").str.strip_chars() == "") for o in others
        )
    blank_rows = frame.select(blank).to_series()
    if blank_rows.any():
        frame = frame.filter(~blank_rows)
    return frame.drop(others)


def _blocks(source: Path | bytes) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with source.open("rb") as handle:
        while block := handle.read(1 << 22):
            yield block


@dataclass
class Frame:
    """A sheet read column-wise."""

    columns: list[Column]
    #: ``row`` and the known columns, normalised text
    frame: pl.DataFrame
    #: rows with a typed cell that text cannot stand for (an xlsx number in a text column, a
    #: negative or fractional number, a truth value), as the reader gave them, in the frame's
    #: column order: they go down the row path unchanged, so that it words their errors itself
    odd: list[tuple[int, list[Any]]] = field(default_factory=list)
    #: the fields with a cell of more than plain text (``_NOT_PLAIN``); None: any field may have one
    unplain: set[str] | None = None

    def odd_cell(self, name: str) -> pl.Expr:
        """True for a cell that only the row path should judge: a control character (trimming it
        differs between engines) or COPY's null marker."""
        value = pl.col(name)
        if self.unplain is not None and name not in self.unplain:
            return value == r"\N"  # plain text: no control character
        return value.str.contains(ODD) | (value == r"\N")


def _as_text(cell: Any, kind: str) -> str | None:
    """A typed xlsx cell as the text that validate.py reads the same way; None if there is none."""
    if isinstance(cell, dt.date) and kind == "date":
        return (cell.date() if isinstance(cell, dt.datetime) else cell).isoformat()
    if type(cell) is int and kind == "int" and 0 <= cell <= 999_999_999:
        return str(cell)
    if type(cell) is float and kind == "int" and cell.is_integer() and 0 <= cell <= 999_999_999:
        return str(int(cell))
    return None


def read_ahead(sheet: RawSheet, spec: SheetSpec = PEOPLE) -> Future[Frame | None] | None:
    """Start reading the sheet with polars in a thread of its own (polars works without the GIL),
    so that the caller can go on with other sheets meanwhile; None for a sheet only the row reader
    reads (xlsx). The future's result is None where polars would not number rows as csv.reader does."""
    if sheet.source is None:
        return None
    layout = _layout(spec, sheet.headers)
    source = sheet.source()  # here, not in the thread: the reader's files are not shared with it

    def read() -> Frame | None:
        unplain: set[str] = set()
        frame = _read_polars(source, sheet.headers, layout, unplain)
        return None if frame is None else Frame([c for _, c in layout], frame, unplain=unplain)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
    try:
        return pool.submit(read)
    finally:
        pool.shutdown(wait=False)


def read_frame(sheet: RawSheet, spec: SheetSpec = PEOPLE, ahead: Future[Frame | None] | None = None) -> Frame:
    """The sheet's known columns as a normalised frame: read by polars where it numbers rows as the
    row reader does (begun by ``read_ahead`` if given), else from the row reader in chunks (bounding
    memory)."""
    layout = _layout(spec, sheet.headers)
    columns = [c for _, c in layout]
    if ahead is not None:
        read = ahead.result()
        if read is not None:
            return read
    elif sheet.source is not None:
        unplain: set[str] = set()
        frame = _read_polars(sheet.source(), sheet.headers, layout, unplain)
        if frame is not None:
            return Frame(columns, frame, unplain=unplain)
    unplain = set()
    positions = [p for p, _ in layout]
    kinds = [col.kind for _, col in layout]
    pick = itemgetter(*positions) if len(positions) > 1 else lambda cells: tuple(cells[p] for p in positions)
    frames: list[pl.DataFrame] = []
    odd: list[tuple[int, list[Any]]] = []
    numbers: list[int] = []
    rows: list[tuple[Any, ...]] = []
    last = max(positions, default=-1)
    for number, raw_cells in sheet.rows:
        numbers.append(number)
        if len(raw_cells) > last:
            rows.append(pick(raw_cells))
        else:
            width = len(raw_cells)
            rows.append(tuple(raw_cells[p] if p < width else None for p in positions))
        if len(rows) >= READ_CHUNK:
            frames.append(_typed_chunk(numbers, rows, columns, kinds, odd, unplain, sheet.text_only))
            numbers, rows = [], []
    if rows or not frames:
        frames.append(_typed_chunk(numbers, rows, columns, kinds, odd, unplain, sheet.text_only))
    return Frame(columns, pl.concat(frames), odd, unplain)


def _typed_chunk(
    numbers: list[int],
    rows: list[tuple[Any, ...]],
    columns: list[Column],
    kinds: list[str],
    odd: list[tuple[int, list[Any]]],
    unplain: set[str],
    text_only: bool,
) -> pl.DataFrame:
    """A chunk of the row reader's rows as a normalised frame. A typed (xlsx) cell becomes the text
    validate.py reads the same way; a row with a typed cell that text cannot stand for goes to
    ``odd`` as the reader gave it. Typed cells are looked for a column at a time, and converted
    only in the columns that hold them (an xlsx roster's date columns)."""
    values: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    bad: set[int] = set()
    if not text_only:
        for i, column in enumerate(values):
            if set(map(type, column)) <= {str, type(None)}:
                continue
            converted = list(column)
            for j, cell in enumerate(column):
                if cell is not None and cell.__class__ is not str:
                    text = _as_text(cell, kinds[i])
                    if text is None:
                        bad.add(j)
                    converted[j] = text
            values[i] = converted
    if bad:
        odd.extend((numbers[j], list(rows[j])) for j in sorted(bad))
        keep = [j for j in range(len(rows)) if j not in bad]
        numbers = [numbers[j] for j in keep]
        values = [[column[j] for j in keep] for column in values]
    data: dict[str, pl.Series] = {"row": pl.Series("row", numbers, dtype=pl.Int64)}
    for position, col in enumerate(columns):
        data[col.field] = pl.Series(col.field, values[position], dtype=pl.String)
    return _normalised(pl.DataFrame(data), [col.field for col in columns], unplain)


def date_column(name: str) -> pl.Expr:
    """A date column parsed; null where the cell is empty or not a valid YYYY-MM-DD."""
    text = pl.col(name)
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    return pl.when(text.str.contains(ISO_DATE) & ~text.str.starts_with("0000")).then(parsed)


def rows_of(frame: pl.DataFrame, odd: list[tuple[int, list[Any]]] | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The frame's rows (and the odd ones, as read) in spreadsheet order, for the row path."""
    framed = ((number, cells) for number, *cells in frame.iter_rows())
    if not odd:
        yield from framed
        return
    yield from heapq.merge(framed, odd, key=lambda row: row[0])


def first_version_columns(change_set_id: int, start: pl.Expr | None = None) -> list[pl.Expr]:
    """The period and change set of a first version: held from ``start`` (default the beginning:
    an import run without --effective), open-ended."""
    return [
        (pl.lit(BEGINNING) if start is None else start).alias("valid_from"),
        pl.lit(END).alias("valid_to"),
        pl.lit(change_set_id, dtype=pl.Int64).alias("change_set_id"),
    ]
