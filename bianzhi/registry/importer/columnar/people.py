"""The roster's lane: admission, comparison with stored people, and bulk creation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection

from bianzhi.core.bulk import insert_frame, reserve_id_block
from bianzhi.core.codetables import code_table_warning
from bianzhi.core.dates import END, today
from bianzhi.core.validators import ID_CHECK_CHARACTERS, ID_EARLIEST_BIRTH_DATE, ID_WEIGHTS
from bianzhi.core.workdays import load_calendar, write_off_deadline
from bianzhi.registry.choices import PersonStatus, UnitKind
from bianzhi.registry.importer.columnar.changes import record_created
from bianzhi.registry.importer.columnar.frames import (
    Frame,
    date_column,
    first_version_columns,
    read_frame,
    rows_of,
)
from bianzhi.registry.importer.plan import NULLABLE, PERSON_DEFAULTS, PERSON_FIELDS
from bianzhi.registry.importer.reader import RawSheet
from bianzhi.registry.importer.schema import PEOPLE, Column
from bianzhi.registry.importer.validate import UnitIndex
from bianzhi.registry.importer.write import created_headers
from bianzhi.registry.models import Person, PersonVersion
from bianzhi.registry.retirement import retirement_month

#: rows compared with the stored people at a time
COMPARE_CHUNK = 50_000
_ID = r"^[0-9]{17}[0-9Xx]$"
_CODE_TABLE_FIELDS = ("ethnicity", "political_status", "education", "degree")
_DATE_FIELDS = ("birth_date", "entry_date", "left_date", "written_off_date")
_DTYPES = {
    f: pl.Date
    for f in (*_DATE_FIELDS, "left_on", "approved_retirement_month", "retirement_month", "write_off_deadline")
} | {"original_age": pl.Int16}
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
#: what a person's stored state is compared on: what plan.py compares (SheetPlan "changed")
_COMPARED = PERSON_FIELDS
#: what the change log records of a person created
_CREATED_FIELDS = ("id_number", *PERSON_FIELDS)


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


def _row_problems(read: Frame, today: dt.date) -> list[pl.Expr]:
    """Each true for a row that may break a rule it can break on its own (or that is odd enough that
    only the row path should say): everything but its unit references."""
    c = pl.col
    columns = read.columns
    present = {col.field for col in columns}
    problems: list[pl.Expr] = []
    for col in PEOPLE.columns:
        if col.required:
            problems.append(c(col.field).is_null() if col.field in present else pl.lit(True))
    for col in columns:
        value = c(col.field)
        problems.append(read.odd_cell(col.field))
        if col.max_length:
            problems.append(value.str.len_chars() > col.max_length)
        if col.kind == "enum":
            problems.append(value.is_not_null() & ~value.is_in(list(col.choices)))
        if col.field in _DATE_FIELDS:
            problems.append(value.is_not_null() & c(f"_{col.field}").is_null())

    number = c("id_number")
    id_birth = number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    weighted = pl.sum_horizontal(
        number.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(ID_WEIGHTS)
    )
    check = pl.lit(ID_CHECK_CHARACTERS).str.slice(weighted % 11, 1)
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
    if "original_age" in present:
        problems.append(c("original_age").is_not_null() & ~c("original_age").is_in(["50", "55", "60"]))
    if "approved_retirement_month" in present:
        # Its range depends on the person's values after the import (and, without a 原退休年龄
        # column, on the stored age): the row path judges every 批准退休年月 given.
        problems.append(c("approved_retirement_month").is_not_null())
    leaving = c("status") != PersonStatus.ON_STAFF
    if "left_date" in present and "entry_date" in present:
        problems.append(leaving & (c("_left_date") < c("_entry_date")))
    if "left_date" in present and "written_off_date" in present:
        problems.append(leaving & (c("_written_off_date") < c("_left_date")))
    return [p.fill_null(False) for p in problems]


def _unit_problems(read: Frame, units: UnitIndex) -> pl.Expr:
    """True for a row whose unit or internal division may be wrong (the row path words why)."""
    c = pl.col
    present = {col.field for col in read.columns}
    problems = [~c("unit").is_in(units.staffing_units())]
    if "internal_division" in present:
        parents = {
            code: owner
            for code in units.known
            if units.kind.get(code) == UnitKind.INTERNAL_DIVISION and (owner := units.parent.get(code))
        }
        division = c("internal_division")
        owner_of = division.replace_strict(list(parents), list(parents.values()), default=None, return_dtype=pl.String)
        problems.append(division.is_not_null() & (owner_of.is_null() | (owner_of != c("unit"))))
    return pl.any_horizontal(p.fill_null(False) for p in problems)


def _row_checks(frame: pl.DataFrame, read: Frame) -> pl.DataFrame:
    """The roster's checks that need no unit: its dates parsed (``_<field>``), its numbers
    uppercased (``_number``) and ``_row_bad``."""
    frame = frame.with_columns(
        date_column(col.field).alias(f"_{col.field}") for col in read.columns if col.field in _DATE_FIELDS
    )
    # Each check a column of its own: polars computes those in parallel, one expression's parts not.
    problems = [p.alias(f"_problem{i}") for i, p in enumerate(_row_problems(read, min(dt.date.today(), today())))]
    checked = frame.select(problems)
    return frame.with_columns(
        # cells.id_number reads a trailing x as X; a valid number has no other letter.
        _number=pl.col("id_number").str.to_uppercase(),
        _row_bad=checked.select(pl.any_horizontal(pl.all())).to_series(),
    )


def admit(sheet: RawSheet, units: UnitIndex, ahead: Future[Frame | None] | None = None) -> Admission:
    """Read the roster (begun by ``frames.read_ahead`` if given) and split it into admitted rows
    and rows for the row-by-row path."""
    read = read_frame(sheet, ahead=ahead)
    columns, frame, odd = read.columns, read.frame, read.odd
    load_calendar()  # the deadlines computed while the stored people stream in need no query then
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
            slow=RawSheet(name=PEOPLE.name, headers=headers, rows=rows_of(frame, odd)),
        )
    frame = _row_checks(frame, read)
    frame = frame.with_columns(_bad=pl.col("_row_bad") | _unit_problems(read, units)).drop("_row_bad")
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
        # values would change goes down the row path, which plans and logs the update. The stored
        # values come a batch at a time, so that memory holds one batch of them.
        is_stored = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
        same_rows_parts = []
        numbers = frame.select(pl.when(~pl.col("_bad")).then(pl.col("_number"))).to_series()
        for stored in stored_people(numbers):
            positions = stored.get_column("position")
            is_stored = is_stored.scatter(positions, True)
            same_rows_parts.append(_unchanged_rows(frame[positions], stored))
            del stored, positions
        same = pl.concat(same_rows_parts) if same_rows_parts else pl.Series([], dtype=pl.Int64)
        is_same = frame.get_column("row").is_in(same.implode())
        del numbers, same
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
        slow=RawSheet(name=PEOPLE.name, headers=headers, rows=rows_of(slow, odd)),
        warnings=sorted(_warnings(fast, columns) + warnings, key=lambda w: w["row"]),
        unchanged=unchanged,
    )


_STORED_COLUMNS = {"unit": "u.code", "internal_division": "d.code"}
#: the compared dates, selected as their text (``+`` makes them expressions: SQLite's driver then
#: leaves them to polars instead of parsing each one in Python)
_DATES_AS_TEXT = ", ".join(
    ("+" if _DTYPES.get(f) == pl.Date else "") + _STORED_COLUMNS.get(f, f"v.{f}") for f in _COMPARED
)
_STORED_SQL = """
SELECT i.position, p.id_number, {columns}
FROM {ids} i
{join} registry_person p ON p.id_number = i.id_number
{join} registry_personversion v ON v.person_id = p.id AND {valid_to} = {end}
{join} registry_unit u ON u.id = v.unit_id
LEFT JOIN registry_unit d ON d.id = v.internal_division_id
"""
_STORED_SCHEMA = {
    "position": pl.Int64,
    "id_number": pl.String,
    **{f: _DTYPES.get(f, pl.String) for f in _COMPARED},
}


def _stored_frame(csv: bytes) -> pl.DataFrame:
    """Rows of ``_STORED_SQL`` as PostgreSQL's COPY writes them (CSV, ``\\N`` for null)."""
    return (
        pl.read_csv(
            csv,
            has_header=False,
            new_columns=list(_STORED_SCHEMA),
            schema_overrides={name: pl.String for name in _STORED_SCHEMA},
            null_values="\\N",
        )
        .with_columns(pl.col(f).str.to_date("%Y-%m-%d") for f, t in _STORED_SCHEMA.items() if t == pl.Date)
        .with_columns(pl.col("position").cast(pl.Int64), pl.col("original_age").cast(pl.Int16))
    )


def stored_people(numbers: pl.Series) -> Iterator[pl.DataFrame]:
    """The current stored values of the people among ``numbers`` (nulls skipped), as plan.load_people
    has them, one row each with the ``position`` of its number in ``numbers``, about
    ``COMPARE_CHUNK`` rows at a time, so that memory holds one batch of them. The numbers go to a
    temporary table; on PostgreSQL the values come back from one query, streamed by COPY (one pass
    over the stored people however long the roster), on SQLite from one query a slice of numbers."""
    if numbers.null_count() == numbers.len() or not Person.objects.exists():
        return
    sent = pl.DataFrame({"position": pl.int_range(0, numbers.len(), eager=True), "id_number": numbers}).drop_nulls()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_numbers")
        # No key: the numbers are hashed (PostgreSQL) or walked in order (SQLite), never looked up.
        cursor.execute("CREATE TEMPORARY TABLE import_numbers (position integer, id_number varchar(18))")
        try:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy("COPY import_numbers FROM STDIN") as copy:
                    copy.write(sent.write_csv(separator="\t", include_header=False))
                cursor.execute("ANALYZE import_numbers")  # a few numbers: looked up; many: one scan
                cursor.execute("SET LOCAL work_mem = '256MB'")  # the joins in memory
                sql = _STORED_SQL.format(
                    columns=", ".join(_STORED_COLUMNS.get(f, f"v.{f}") for f in _COMPARED),
                    ids="import_numbers",
                    join="JOIN",
                    valid_to="v.valid_to",
                    end=f"DATE '{END.isoformat()}'",
                )
                batch_bytes = COMPARE_CHUNK * 128  # a stored person is about 100 bytes of CSV
                pending = bytearray()
                with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, NULL '\\N', FORCE_QUOTE *)") as copy:
                    for block in copy:
                        pending += block
                        if len(pending) >= batch_bytes:
                            cut = pending.rindex(b"\n") + 1
                            yield _stored_frame(bytes(pending[:cut]))
                            del pending[:cut]
                cursor.execute("RESET work_mem")
                if pending:
                    yield _stored_frame(bytes(pending))
                return
            # SQLite looks each number up, a slice of numbers at a time. Without statistics its
            # planner would rather walk every current version by the valid_to index, for each slice:
            # CROSS JOIN keeps the join order as written, and the unary + keeps valid_to from
            # choosing the version's index (the person's, personversion_unique_start, finds it).
            sql = _STORED_SQL.format(
                columns=_DATES_AS_TEXT, ids="import_numbers", join="CROSS JOIN", valid_to="+v.valid_to", end="%s"
            )
            for start in range(0, sent.height, COMPARE_CHUNK):
                cursor.execute("DELETE FROM import_numbers")
                cursor.executemany(
                    "INSERT INTO import_numbers VALUES (%s, %s)", sent.slice(start, COMPARE_CHUNK).rows()
                )
                cursor.execute(sql, [END.isoformat()])
                if rows := cursor.fetchall():
                    texts = {name: pl.String if t == pl.Date else t for name, t in _STORED_SCHEMA.items()}
                    yield pl.DataFrame(rows, schema=texts, orient="row").with_columns(
                        pl.col(f).str.to_date("%Y-%m-%d") for f, t in _STORED_SCHEMA.items() if t == pl.Date
                    )
        finally:
            cursor.execute("DROP TABLE IF EXISTS import_numbers")


def _unchanged_rows(candidates: pl.DataFrame, stored: pl.DataFrame) -> pl.Series:
    """Row numbers of the candidates whose person is stored and would not change. Row i of
    ``candidates`` is the roster's row for row i of ``stored`` (gathered by its ``position``), so
    the two are compared side by side, without a join."""
    if stored.height == 0:
        return pl.Series("row", [], dtype=pl.Int64)
    before = stored.select(_COMPARED)
    file_side = candidates.select(
        "row",
        pl.col("_number").alias("id_number"),
        *[c for c in candidates.columns if c.startswith("_") and c[1:] in _DATE_FIELDS],
        *[c for c in candidates.columns if c in _COMPARED],
    )
    after = _derived(file_side, base=before)
    same = pl.all_horizontal(
        file_side.get_column("id_number") == stored.get_column("id_number"),  # side by side indeed
        *(after.get_column(f).eq_missing(before.get_column(f)) for f in before.columns),
    )
    return file_side.get_column("row").filter(pl.select(same).to_series())


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
        elif f == "approved_retirement_month":
            # Rows with a month go down the row path; parsed anyway, as cells.month reads the text.
            month = c(f)
            expr = pl.when(month.str.contains(_MONTH)).then((month + "-01").str.to_date("%Y-%m-%d", strict=False))
        else:
            expr = c(f) if f in NULLABLE else c(f).fill_null("")
        values.append(pl.lit(expr).alias(f) if isinstance(expr, pl.Series) else expr.alias(f))
    out = frame.select("row", *values)
    on_staff = c("status") == PersonStatus.ON_STAFF
    # As plan.derive_person: 在编 clears 离编日期 and 核销日期; one who left keeps the day they left
    # (an implied day stored before, when the file gives none and the stored person had left too).
    if base is not None:
        kept = pl.lit(base.get_column("left_on")).alias("_kept")
        gone_before = pl.lit(base.get_column("status")) != PersonStatus.ON_STAFF
    else:
        kept, gone_before = pl.lit(None, dtype=pl.Date), pl.lit(False)
    out = out.with_columns(
        left_date=pl.when(on_staff).then(None).otherwise(c("left_date")),
        written_off_date=pl.when(on_staff).then(None).otherwise(c("written_off_date")),
        left_on=pl.when(on_staff)
        .then(None)
        .when(c("left_date").is_not_null())
        .then(c("left_date"))
        .when(gone_before)
        .then(kept)
        .otherwise(None),
    )

    # The retirement month depends on the month of birth only (domain.md §5): one call per combination.
    keys = out.select(c("birth_date").dt.month_start().alias("birth_month"), "gender", "category", "original_age")
    combos = keys.unique()
    months = [
        retirement_month(birth_date=b, gender=g, person_category=k, original_age=a) for b, g, k, a in combos.iter_rows()
    ]
    combos = combos.with_columns(retirement_month=pl.Series(months, dtype=pl.Date))
    retirement = keys.join(combos, on=keys.columns, how="left", nulls_equal=True, maintain_order="left")
    del keys

    left = out.get_column("left_on").unique().drop_nulls().to_list()
    deadline = c("left_on").replace_strict(
        left, [write_off_deadline(d) for d in left], default=None, return_dtype=pl.Date
    )
    return out.with_columns(retirement.get_column("retirement_month"), deadline.alias("write_off_deadline"))


def write_new_people(
    admission: Admission, unit_ids: dict[str, int], change_set_id: int, dated: dt.date | None = None
) -> None:
    """Create the admitted people: identity rows and their first versions, held from the beginning
    (or, for an import run with --effective, from that day or their 进编日期 when earlier)."""
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
    insert_frame(Person, people.select("id", "id_number"))
    ids_of = {"unit": unit_id, "internal_division": division_id}
    # The versions' ids too come as one block: the identity column's default draws the sequence
    # once a row (a second in a million).
    versions = reserve_id_block(PersonVersion, people.height)
    insert_frame(
        PersonVersion,
        people.select(
            pl.int_range(versions.start, versions.stop, dtype=pl.Int64, eager=True).alias("id"),
            *first_version_columns(
                change_set_id,
                None
                if dated is None
                else pl.min_horizontal(pl.col("entry_date").fill_null(pl.lit(dated)), pl.lit(dated)),
            ),
            pl.col("id").alias("person_id"),
            *[ids_of[f].alias(f"{f}_id") if f in ids_of else pl.col(f) for f in PERSON_FIELDS],
        ),
    )
    # The change log's record of each person created: the whole row as created (write._log_changes).
    record_created(
        people, entity=PEOPLE.name, key_fields=("id_number",), headers=created_headers(PEOPLE.name, _CREATED_FIELDS)
    )
