"""The roster's fast lane (issue 5): column-wise admission and bulk creation of new people.

A province's first load brings a million new people, and checking them one row at a time costs
tens of microseconds a row. Here the 人员 sheet of a CSV source is read into a polars frame and
every rule of interchange.md §1 that a roster row can break is checked on whole columns. The
checks only *admit* rows: a row enters this lane when it provably breaks no rule and names no
stored person. Every other row — one with an error, a stored person to compare with, a unit of
unknown kind, a control character — goes down the row-by-row path (validate.py, plan.py), which
stays the one authority on error messages and on updates. Both paths therefore give the same
result by construction, and the tests run the import suite through both
(``BIANZHI_COLUMNAR_MIN_ROWS=1``).

Admitted rows are planned here as plan.py would plan a new person (absent columns take the
defaults, 离编日期 is ignored for 在编, the retirement month and write-off deadline derived) and
written with one bulk load per table.
"""

from __future__ import annotations

import datetime as dt
import heapq
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# polars allocates with jemalloc: give freed pages back to the system at once, so the import's peak
# memory is what it holds, not what it once held (set before polars loads; an explicit value wins).
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

import polars as pl
from django.db import connection

from bianzhi.core.bulk import bulk_load, insert_frame, reserve_id_block
from bianzhi.core.codetables import code_table_warning
from bianzhi.core.dates import BEGINNING, END, today
from bianzhi.core.validators import ID_EARLIEST_BIRTH_DATE
from bianzhi.core.workdays import write_off_deadline
from bianzhi.registry.choices import PersonStatus, UnitKind
from bianzhi.registry.importer.plan import NULLABLE, PERSON_DEFAULTS, SimpleTable
from bianzhi.registry.importer.reader import RawSheet
from bianzhi.registry.importer.schema import PEOPLE, Column, SheetSpec
from bianzhi.registry.importer.validate import UnitIndex
from bianzhi.registry.models import Person, PersonVersion
from bianzhi.registry.retirement import retirement_month

#: rows read into one frame chunk before it is normalised
READ_CHUNK = 100_000
#: rows compared with the stored people at a time
COMPARE_CHUNK = 100_000
_ODD = r"[\x00-\x1f\x7f-\x9f]"  # control characters: trimming them differs between engines
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ID = r"^[0-9]{17}[0-9Xx]$"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CODE_TABLE_FIELDS = ("ethnicity", "political_status", "education", "degree")
_DATE_FIELDS = ("birth_date", "entry_date", "left_date", "written_off_date")
_DTYPES = {f: pl.Date for f in (*_DATE_FIELDS, "retirement_month", "write_off_deadline")} | {"original_age": pl.Int16}
#: what a person's stored state is compared on (plan.py: PERSON_VERSIONED and PERSON_IDENTITY)
_COMPARED = (
    *(col.field for col in PEOPLE.columns),
    "retirement_month",
    "write_off_deadline",
)


@dataclass
class Admission:
    """The roster split into its two lanes."""

    #: the columns the sheet has (fields), as the row-by-row path sees them
    present: set[str]
    #: admitted rows: normalised values, parsed dates, ``row`` = spreadsheet row
    fast: pl.DataFrame
    #: every other row, for the row-by-row path
    slow: RawSheet
    #: warnings of the admitted rows (the slow lane reports its own)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: stored people whose rows change nothing (counted, not written)
    unchanged: int = 0


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


def _chunk_frame(numbers: list[int], rows: list[list[Any]], columns: list[Column]) -> pl.DataFrame:
    """Rows of cells in the columns' order as a normalised frame."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data: dict[str, pl.Series] = {"row": pl.Series("row", numbers, dtype=pl.Int64)}
    for position, col in enumerate(columns):
        data[col.field] = pl.Series(col.field, values[position], dtype=pl.String)
    return _normalised(pl.DataFrame(data), [col.field for col in columns])


def _normalised(frame: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """interchange.md §1: every text cell NFKC-normalised and trimmed; an empty cell is "not given".

    In place and one column at a time, so that memory holds one extra column at most; a column of
    ASCII text (codes, numbers, dates) is already NFKC-normal and only trimmed."""
    for f in fields:
        column = frame.get_column(f)
        ascii_only = column.str.len_bytes().sum() == column.str.len_chars().sum()
        text = column if ascii_only else column.str.normalize("NFKC")
        del column
        frame.replace_column(frame.get_column_index(f), text.str.strip_chars().replace("", None))
        del text
    return frame


def _read_polars(source: Path | bytes, headers: list[str], layout: list[tuple[int, Column]]) -> pl.DataFrame | None:
    """The sheet read by polars' CSV reader, when it provably numbers rows as csv.reader does: no
    quote characters (so one line is one record), no NUL or lone CR, no line longer than the header.
    None otherwise (the caller reads row by row)."""
    lines = crs = crlfs = 0
    last = b""
    for block in _blocks(source):
        if b'"' in block or b"\x00" in block:
            return None
        lines += block.count(b"\n")
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
    frame = _normalised(frame, fields)
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


def _as_text(cell: Any, kind: str) -> str | None:
    """A typed xlsx cell as the text that validate.py reads the same way; None if there is none."""
    if isinstance(cell, dt.date) and kind == "date":
        return (cell.date() if isinstance(cell, dt.datetime) else cell).isoformat()
    if type(cell) is int and kind == "int" and 0 <= cell <= 999_999_999:
        return str(cell)
    if type(cell) is float and kind == "int" and cell.is_integer() and 0 <= cell <= 999_999_999:
        return str(int(cell))
    return None


def read_frame(sheet: RawSheet, spec: SheetSpec = PEOPLE) -> Frame:
    """The sheet's known columns as a normalised frame: read by polars where it numbers rows as the
    row reader does, else from the row reader in chunks (bounding memory)."""
    layout = _layout(spec, sheet.headers)
    columns = [c for _, c in layout]
    if sheet.source is not None:
        frame = _read_polars(sheet.source(), sheet.headers, layout)
        if frame is not None:
            return Frame(columns, frame)
    positions = [p for p, _ in layout]
    kinds = [col.kind for _, col in layout]
    frames: list[pl.DataFrame] = []
    odd: list[tuple[int, list[Any]]] = []
    numbers: list[int] = []
    rows: list[list[Any]] = []
    for number, raw_cells in sheet.rows:
        width = len(raw_cells)
        cells = [raw_cells[p] if p < width else None for p in positions]
        if not sheet.text_only:
            for i, cell in enumerate(cells):
                if cell is not None and cell.__class__ is not str:
                    text = _as_text(cell, kinds[i])
                    if text is None:
                        odd.append((number, cells))
                        break
                    cells[i] = text
            else:
                numbers.append(number)
                rows.append(cells)
        else:
            numbers.append(number)
            rows.append(cells)
        if len(rows) >= READ_CHUNK:
            frames.append(_chunk_frame(numbers, rows, columns))
            numbers, rows = [], []
    if rows or not frames:
        frames.append(_chunk_frame(numbers, rows, columns))
    return Frame(columns, pl.concat(frames), odd)


def _date(name: str) -> pl.Expr:
    """A date column parsed; null where the cell is empty or not a valid YYYY-MM-DD."""
    text = pl.col(name)
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    return pl.when(text.str.contains(_ISO_DATE) & ~text.str.starts_with("0000")).then(parsed)


def _bad_rows(columns: list[Column], units: UnitIndex, today: dt.date) -> pl.Expr:
    """True for a row that may break a rule (or be odd enough that only the row path should say)."""
    c = pl.col
    present = {col.field for col in columns}
    problems: list[pl.Expr] = []
    for col in PEOPLE.columns:
        if col.required:
            problems.append(c(col.field).is_null() if col.field in present else pl.lit(True))
    for col in columns:
        value = c(col.field)
        problems.append(value.str.contains(_ODD) | (value == r"\N"))
        if col.max_length:
            problems.append(value.str.len_chars() > col.max_length)
        if col.kind == "enum":
            problems.append(value.is_not_null() & ~value.is_in(list(col.choices)))
        if col.field in _DATE_FIELDS:
            problems.append(value.is_not_null() & c(f"_{col.field}").is_null())

    number = c("id_number")
    id_birth = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    weighted = pl.sum_horizontal(
        number.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)
    )
    check = pl.lit("10X98765432").str.slice(weighted % 11, 1)
    problems += [
        ~number.str.contains(_ID),
        id_birth.is_null(),
        id_birth < ID_EARLIEST_BIRTH_DATE,
        id_birth > today,
        number.str.slice(17, 1).str.to_uppercase() != check,
        c("gender")
        != pl.when(number.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
        .then(pl.lit("男"))
        .otherwise(pl.lit("女")),
        c("_birth_date") != id_birth,
    ]

    ok_units = [code for code in units.known if units.kind.get(code) not in (None, UnitKind.INTERNAL_DIVISION)]
    problems.append(~c("unit").is_in(ok_units))
    if "internal_division" in present:
        parents = {
            code: owner
            for code in units.known
            if units.kind.get(code) == UnitKind.INTERNAL_DIVISION and (owner := units.parent.get(code))
        }
        division = c("internal_division")
        owner_of = division.replace_strict(list(parents), list(parents.values()), default=None, return_dtype=pl.String)
        problems.append(division.is_not_null() & (owner_of.is_null() | (owner_of != c("unit"))))
    if "original_age" in present:
        problems.append(c("original_age").is_not_null() & ~c("original_age").is_in(["50", "55", "60"]))
    leaving = c("status") != PersonStatus.ON_STAFF
    if "left_date" in present and "entry_date" in present:
        problems.append(leaving & (c("_left_date") < c("_entry_date")))
    if "left_date" in present and "written_off_date" in present:
        problems.append(leaving & (c("_written_off_date") < c("_left_date")))
    return pl.any_horizontal(p.fill_null(False) for p in problems)


def admit(sheet: RawSheet, units: UnitIndex) -> Admission:
    """Read the roster and split it into admitted rows and rows for the row-by-row path."""
    read = read_frame(sheet)
    columns, frame, odd = read.columns, read.frame, read.odd
    present = {col.field for col in columns}
    headers = [col.header for col in columns]
    for f in ("unit", "internal_division"):
        if f in present:
            units.prefetch(frame.get_column(f).unique().drop_nulls().to_list())
    if any(col.required and col.field not in present for col in PEOPLE.columns):
        # A required header is missing (reported with row 0): nothing can be admitted.
        return Admission(
            present=present,
            fast=frame.clear(),
            slow=RawSheet(name=PEOPLE.name, headers=headers, rows=_rows(frame, odd)),
        )
    frame = frame.with_columns(_date(col.field).alias(f"_{col.field}") for col in columns if col.field in _DATE_FIELDS)
    frame = frame.with_columns(_bad=_bad_rows(columns, units, min(dt.date.today(), today())))

    # cells.id_number reads a trailing x as X; a valid number has no other letter.
    frame = frame.with_columns(_number=pl.col("id_number").str.to_uppercase())
    unchanged = 0
    same_rows = frame.clear()
    position = [col.field for col in columns].index("id_number")
    odd_numbers = pl.Series([c[position] for _, c in odd if isinstance(c[position], str)], dtype=pl.String)
    numbers = pl.concat(
        [frame.get_column("_number"), odd_numbers.str.normalize("NFKC").str.strip_chars().str.to_uppercase()]
    )
    if numbers.drop_nulls().is_duplicated().any():
        slow_mask = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)  # the row path names each repetition
        admitted = ~slow_mask
    else:
        slow_mask = frame.get_column("_bad")
        # A stored person whose values would not change is counted as unchanged here; one whose
        # values would change goes down the row path, which plans and logs the update. Compared a
        # slice at a time, so that the stored values in memory stay small.
        stored_parts, same_parts = [], []
        for start in range(0, frame.height, COMPARE_CHUNK):
            part = frame.slice(start, COMPARE_CHUNK)
            clean = ~part.get_column("_bad")
            stored = stored_people(part.get_column("_number").filter(clean))
            is_stored = part.get_column("_number").is_in(stored.get_column("id_number").implode())
            same = _unchanged_rows(part.filter(clean & is_stored), stored)
            stored_parts.append(is_stored)
            same_parts.append(part.get_column("row").is_in(same.implode()))
            del part, stored
        none = pl.Series([], dtype=pl.Boolean)
        is_stored = pl.concat(stored_parts) if stored_parts else none
        is_same = pl.concat(same_parts) if same_parts else none
        unchanged = int(is_same.sum())
        if unchanged:
            same_rows = frame.filter(is_same)
        slow_mask = slow_mask | (is_stored & ~is_same)
        admitted = ~slow_mask & ~is_same
    fields = [col.field for col in columns]
    slow = frame.filter(slow_mask).select("row", *fields)
    warnings = _warnings(same_rows, columns)
    del same_rows
    if not admitted.all():
        frame = frame.filter(admitted)
    fast = frame.drop("_bad", "id_number").rename({"_number": "id_number"})
    del frame
    return Admission(
        present=present,
        fast=fast,
        slow=RawSheet(name=PEOPLE.name, headers=headers, rows=_rows(slow, odd)),
        warnings=sorted(_warnings(fast, columns) + warnings, key=lambda w: w["row"]),
        unchanged=unchanged,
    )


_STORED_SQL = """
SELECT p.id_number, v.name, v.gender, v.birth_date, v.ethnicity, v.political_status, v.education, v.degree,
       v.title, v.category, u.code, d.code, v.staffing_type, v.post, v.position_category, p.entry_date, p.status,
       p.left_date, p.written_off_date, v.original_age, v.retirement_month, p.write_off_deadline
FROM {ids} i
JOIN registry_person p ON p.id_number = i.id_number
JOIN registry_personversion v ON v.person_id = p.id AND v.valid_to = {end}
JOIN registry_unit u ON u.id = v.unit_id
LEFT JOIN registry_unit d ON d.id = v.internal_division_id
"""
_STORED_SCHEMA = {
    "id_number": pl.String,
    **{f: _DTYPES.get(f, pl.String) for f in _COMPARED if f != "id_number"},
}


def stored_people(numbers: pl.Series) -> pl.DataFrame:
    """The current stored values of the people among ``numbers`` (as plan.load_people has them),
    one row each: the numbers go to a temporary table, the values come back in one COPY (PostgreSQL)
    or one query (SQLite)."""
    empty = pl.DataFrame(schema=_STORED_SCHEMA)
    if numbers.len() == 0 or not Person.objects.exists():
        return empty
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_numbers")
        cursor.execute("CREATE TEMPORARY TABLE import_numbers (id_number varchar(18) PRIMARY KEY)")
        try:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy("COPY import_numbers FROM STDIN") as copy:
                    copy.write("\n".join(numbers.to_list()) + "\n")
                sql = _STORED_SQL.format(ids="import_numbers", end=f"DATE '{END.isoformat()}'")
                buffer = io.BytesIO()
                with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, NULL '\\N', FORCE_QUOTE *)") as copy:
                    for block in copy:
                        buffer.write(block)
                if buffer.tell() == 0:
                    return empty
                return (
                    pl.read_csv(
                        buffer.getvalue(),
                        has_header=False,
                        new_columns=list(_STORED_SCHEMA),
                        schema_overrides={name: pl.String for name in _STORED_SCHEMA},
                        null_values="\\N",
                    )
                    .with_columns(pl.col(f).str.to_date("%Y-%m-%d") for f, t in _STORED_SCHEMA.items() if t == pl.Date)
                    .with_columns(pl.col("original_age").cast(pl.Int16))
                )
            cursor.executemany("INSERT INTO import_numbers VALUES (%s)", [(n,) for n in numbers.to_list()])
            cursor.execute(_STORED_SQL.format(ids="import_numbers", end="%s"), [END.isoformat()])
            # Django's SQLite connection already gives dates as dates.
            return pl.DataFrame(cursor.fetchall(), schema=_STORED_SCHEMA, orient="row")
        finally:
            cursor.execute("DROP TABLE IF EXISTS import_numbers")


def _unchanged_rows(candidates: pl.DataFrame, stored: pl.DataFrame) -> pl.Series:
    """Row numbers of the candidates whose person is stored and would not change."""
    pairs = candidates.join(stored, left_on="_number", right_on="id_number", how="inner", suffix="_stored")
    if pairs.height == 0:
        return pl.Series("row", [], dtype=pl.Int64)
    before = pairs.select(
        pl.col(f"{f}_stored" if f in candidates.columns else f).alias(f) for f in _COMPARED if f != "id_number"
    )
    file_side = pairs.select(
        "row",
        pl.col("_number").alias("id_number"),
        *[c for c in candidates.columns if c.startswith("_") and c[1:] in _DATE_FIELDS],
        *[c for c in candidates.columns if c in _COMPARED and c != "id_number"],
    )
    after = _derived(file_side, base=before)
    same = pl.all_horizontal(after.get_column(f).eq_missing(before.get_column(f)) for f in before.columns)
    return pairs.get_column("row").filter(after.select(same).to_series())


def _rows(frame: pl.DataFrame, odd: list[tuple[int, list[Any]]] | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The frame's rows (and the odd ones, as read) in spreadsheet order, for the row path."""
    framed = ((number, cells) for number, *cells in frame.iter_rows())
    if not odd:
        yield from framed
        return
    yield from heapq.merge(framed, odd, key=lambda row: row[0])


def _warnings(frame: pl.DataFrame, columns: list[Column]) -> list[dict[str, Any]]:
    """Code-table warnings of the admitted rows, computed once per distinct value."""
    result: list[dict[str, Any]] = []
    for col in columns:
        if col.field not in _CODE_TABLE_FIELDS:
            continue
        values = frame.get_column(col.field).unique().drop_nulls().to_list()
        messages = {v: m for v in values if (m := code_table_warning(col.header, v))}
        if not messages:
            continue
        hits = frame.filter(pl.col(col.field).is_in(list(messages))).select("row", col.field)
        for number, value in hits.iter_rows():
            result.append({"sheet": PEOPLE.name, "row": number, "column": col.header, "message": messages[value]})
    return result


# ---------------------------------------------------------------- planning and writing


def _derived(frame: pl.DataFrame, base: pl.DataFrame | None = None) -> pl.DataFrame:
    """A person's values after the import, as plan.py merges and derives them: the file's cells
    ("" for empty text), for a column the sheet lacks the stored value (``base``, aligned row by
    row) or else the default, then 离编日期 dropped for 在编, the retirement month and the deadline."""
    c = pl.col
    values: list[pl.Expr] = []
    for col in PEOPLE.columns:
        f = col.field
        if f not in frame.columns:
            expr = (
                base.get_column(f) if base is not None else pl.lit(PERSON_DEFAULTS[f], dtype=_DTYPES.get(f, pl.String))
            )
        elif f in _DATE_FIELDS:
            expr = c(f"_{f}")
        elif f == "original_age":
            expr = c(f).cast(pl.Int16)
        else:
            expr = c(f) if f in NULLABLE else c(f).fill_null("")
        values.append(pl.lit(expr).alias(f) if isinstance(expr, pl.Series) else expr.alias(f))
    out = frame.select("row", *values)
    on_staff = c("status") == PersonStatus.ON_STAFF
    out = out.with_columns(left_date=pl.when(on_staff).then(None).otherwise(c("left_date")))

    # The retirement month depends on the month of birth only (domain.md §5): one call per combination.
    keys = out.select(c("birth_date").dt.month_start().alias("birth_month"), "gender", "category", "original_age")
    combos = keys.unique()
    months = [
        retirement_month(birth_date=b, gender=g, person_category=k, original_age=a) for b, g, k, a in combos.iter_rows()
    ]
    combos = combos.with_columns(retirement_month=pl.Series(months, dtype=pl.Date))
    retirement = keys.join(combos, on=keys.columns, how="left", nulls_equal=True, maintain_order="left")
    del keys

    left = out.get_column("left_date").unique().drop_nulls().to_list()
    deadline = c("left_date").replace_strict(
        left, [write_off_deadline(d) for d in left], default=None, return_dtype=pl.Date
    )
    return out.with_columns(retirement.get_column("retirement_month"), deadline.alias("write_off_deadline"))


def write_new_people(admission: Admission, unit_ids: dict[str, int], change_set_id: int) -> None:
    """Create the admitted people: identity rows and their first versions, held from the beginning."""
    people = _derived(admission.fast)
    admission.fast = admission.fast.clear()  # only the derived copy is needed from here on
    if people.height == 0:
        return
    block = reserve_id_block(Person, people.height)
    ids = pl.int_range(block.start, block.stop, dtype=pl.Int64, eager=True).alias("id")
    codes = list(unit_ids)
    unit_id = pl.col("unit").replace_strict(codes, list(unit_ids.values()), return_dtype=pl.Int64)
    division_id = pl.col("internal_division").replace_strict(
        codes, list(unit_ids.values()), default=None, return_dtype=pl.Int64
    )
    people = people.with_columns(ids)
    with bulk_load([Person, PersonVersion], incoming=people.height):
        insert_frame(
            Person,
            people.select(
                "id", "id_number", "status", "entry_date", "left_date", "written_off_date", "write_off_deadline"
            ),
        )
        insert_frame(
            PersonVersion,
            people.select(
                pl.lit(BEGINNING).alias("valid_from"),
                pl.lit(END).alias("valid_to"),
                pl.lit(change_set_id, dtype=pl.Int64).alias("change_set_id"),
                pl.col("id").alias("person_id"),
                "name",
                "gender",
                "birth_date",
                "ethnicity",
                "political_status",
                "education",
                "degree",
                "title",
                "category",
                unit_id.alias("unit_id"),
                division_id.alias("internal_division_id"),
                "staffing_type",
                "post",
                "position_category",
                "original_age",
                "retirement_month",
            ),
        )


# ---------------------------------------------------------------- 编制 and 职数


@dataclass
class TableAdmission:
    """A unit-keyed sheet (编制, 职数) split into its two lanes."""

    #: admitted rows: ``row``, the key fields and the typed values
    fast: pl.DataFrame
    slow: RawSheet


def _integer(name: str) -> pl.Expr:
    """An integer column as validate.py reads text: ASCII digits, at most PostgreSQL's integer."""
    text = pl.col(name)
    return pl.when(text.str.contains(r"^[0-9]{1,9}$")).then(text.cast(pl.Int64, strict=False))


def admit_table(table: SimpleTable, spec: SheetSpec, sheet: RawSheet, units: UnitIndex) -> TableAdmission:
    """Admit the rows of a unit-keyed sheet that break no rule and add a key not yet stored."""
    read = read_frame(sheet, spec)
    columns, frame, odd = read.columns, read.frame, read.odd
    present = {col.field for col in columns}
    headers = [col.header for col in columns]
    fields = [col.field for col in columns]
    if odd or any(col.required and col.field not in present for col in spec.columns):
        # A required header is missing, or typed cells the lane does not read: all go down the row path.
        return TableAdmission(
            fast=frame.clear(), slow=RawSheet(name=spec.name, headers=headers, rows=_rows(frame, odd))
        )
    units.prefetch(frame.get_column("unit").unique().drop_nulls().to_list())
    ok_units = [code for code in units.known if units.kind.get(code) not in (None, UnitKind.INTERNAL_DIVISION)]
    problems = [~pl.col("unit").is_in(ok_units)]
    for col in columns:
        value = pl.col(col.field)
        problems.append(value.is_null() | value.str.contains(_ODD) | (value == r"\N"))
        if col.kind == "enum":
            problems.append(~value.is_in(list(col.choices)))
        if col.kind == "int":
            problems.append(_integer(col.field).is_null())
    frame = frame.with_columns(_bad=pl.any_horizontal(p.fill_null(True) for p in problems))
    keys = list(table.key_fields)
    if frame.select(pl.struct(keys).is_duplicated().any()).item():
        slow_mask = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)  # the row path names each
    else:
        slow_mask = frame.get_column("_bad")
        stored = list(table.load())
        if stored:
            known = pl.DataFrame(stored, schema=keys, orient="row").with_columns(_stored=pl.lit(True))
            flags = frame.select(keys).join(known, on=keys, how="left", maintain_order="left")
            slow_mask = slow_mask | flags.get_column("_stored").fill_null(False)
    slow = frame.filter(slow_mask).select("row", *fields)
    fast = frame.filter(~slow_mask).select(
        "row", *[_integer(f).alias(f) if f in table.values else pl.col(f) for f in fields]
    )
    return TableAdmission(fast=fast, slow=RawSheet(name=spec.name, headers=headers, rows=_rows(slow)))  # no odd rows


def write_new_rows(table: SimpleTable, admission: TableAdmission, unit_ids: dict[str, int], change_set_id: int) -> None:
    """Insert the admitted rows as first versions, held from the beginning."""
    frame = admission.fast
    if frame.height == 0:
        return
    unit_id = pl.col("unit").replace_strict(list(unit_ids), list(unit_ids.values()), return_dtype=pl.Int64)
    model = table.model
    columns = {f: str(getattr(model._meta.get_field(f), "column", f)) for f in (*table.key_fields, *table.values)}
    insert_frame(
        model,
        frame.select(
            pl.lit(BEGINNING).alias("valid_from"),
            pl.lit(END).alias("valid_to"),
            pl.lit(change_set_id, dtype=pl.Int64).alias("change_set_id"),
            *[(unit_id if f == "unit" else pl.col(f)).alias(columns[f]) for f in (*table.key_fields, *table.values)],
        ),
    )
