"""The lane of the unit-keyed sheets 编制 and 职数: admission and bulk creation of new rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from bianzhi.core.bulk import insert_frame
from bianzhi.registry.importer.columnar.changes import record_created
from bianzhi.registry.importer.columnar.frames import first_version_columns, read_frame, rows_of
from bianzhi.registry.importer.plan import SimpleTable
from bianzhi.registry.importer.reader import RawSheet
from bianzhi.registry.importer.schema import SheetSpec
from bianzhi.registry.importer.validate import UnitIndex
from bianzhi.registry.importer.write import created_headers


@dataclass
class TableAdmission:
    """A unit-keyed sheet (编制, 职数) split into its two lanes."""

    #: admitted rows: ``row``, the key fields and the typed values
    fast: pl.DataFrame
    slow: RawSheet
    #: stored rows whose values the sheet repeats (counted, not written)
    unchanged: int = 0


def _integer(name: str) -> pl.Expr:
    """An integer column as validate.py reads text: ASCII digits, at most PostgreSQL's integer."""
    text = pl.col(name)
    return pl.when(text.str.contains(r"^[0-9]{1,9}$")).then(text.cast(pl.Int64, strict=False))


def admit_table(table: SimpleTable, spec: SheetSpec, sheet: RawSheet, units: UnitIndex) -> TableAdmission:
    """Admit the rows of a unit-keyed sheet that break no rule and add a key not yet stored; count
    those that break no rule and repeat a stored row's values as unchanged; leave the rest (errors,
    changes of stored rows) to the row path."""
    read = read_frame(sheet, spec)
    columns, frame, odd = read.columns, read.frame, read.odd
    present = {col.field for col in columns}
    headers = [col.header for col in columns]
    fields = [col.field for col in columns]
    if odd or any(col.required and col.field not in present for col in spec.columns):
        # A required header is missing, or typed cells the lane does not read: all go down the row path.
        return TableAdmission(
            fast=frame.clear(), slow=RawSheet(name=spec.name, headers=headers, rows=rows_of(frame, odd))
        )
    units.prefetch(frame.get_column("unit").unique().drop_nulls().to_list())
    problems = [~pl.col("unit").is_in(units.staffing_units())]
    for col in columns:
        value = pl.col(col.field)
        problems.append(value.is_null() | read.odd_cell(col.field))
        if col.kind == "enum":
            problems.append(~value.is_in(list(col.choices)))
        if col.kind == "int":
            problems.append(_integer(col.field).is_null())
    frame = frame.with_columns(_bad=pl.any_horizontal(p.fill_null(True) for p in problems))
    keys = list(table.key_fields)
    nothing = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    same = nothing  # clean rows that repeat a stored row's values
    if frame.select(pl.struct(keys).is_duplicated().any()).item():
        slow_mask = ~nothing  # the row path names each repetition
    else:
        slow_mask = frame.get_column("_bad")
        stored = table.load()
        if stored:
            values = [f for f in table.values if f in present]  # an absent column keeps the stored value
            known = pl.DataFrame(
                [(*key, *(record[f] for f in values)) for key, record in stored.items()],
                schema={**dict.fromkeys(keys, pl.String), **{f"_stored_{f}": pl.Int64 for f in values}},
                orient="row",
            ).with_columns(_stored=pl.lit(True))
            flags = frame.select(*keys, *[_integer(f) for f in values]).join(
                known, on=keys, how="left", maintain_order="left"
            )
            is_stored = flags.get_column("_stored").fill_null(False)
            equal = [pl.col(f).eq_missing(pl.col(f"_stored_{f}")) for f in values] or [pl.lit(True)]
            same = is_stored & flags.select(pl.all_horizontal(equal)).to_series() & ~slow_mask
            slow_mask = slow_mask | (is_stored & ~same)
    slow = frame.filter(slow_mask).select("row", *fields)
    fast = frame.filter(~slow_mask & ~same).select(
        "row", *[_integer(f).alias(f) if f in table.values else pl.col(f) for f in fields]
    )
    return TableAdmission(
        fast=fast, slow=RawSheet(name=spec.name, headers=headers, rows=rows_of(slow)), unchanged=int(same.sum())
    )


def write_new_rows(
    table: SimpleTable,
    admission: TableAdmission,
    unit_ids: dict[str, int],
    change_set_id: int,
    dated: dt.date | None = None,
) -> None:
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
            *first_version_columns(change_set_id, None if dated is None else pl.lit(dated)),
            *[(unit_id if f == "unit" else pl.col(f)).alias(columns[f]) for f in (*table.key_fields, *table.values)],
        ),
    )
    fields = (*table.key_fields, *table.values)
    record_created(frame, entity=table.sheet, key_fields=table.key_fields, headers=created_headers(table.sheet, fields))
