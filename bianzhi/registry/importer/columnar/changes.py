"""The fast lanes' change records: one "create" record per row created, rendered column-wise.

The row path writes a record per created row whose "after" is the whole row under the workbook's
headers (importer/write.py ``_log_changes``); here the same records are rendered for a whole frame
at once, as the canonical JSON the change log's hash chain reads (core/chain.py: keys sorted, no
spaces, non-ASCII as it is), so that the text stored is the text hashed and no row costs Python:
the records are loaded with one bulk load per slice and their bytes folded into the change set's
running SM3 in one piece.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from bianzhi.core.bulk import insert_frame
from bianzhi.core.changelog import current_change_set, current_records_hash
from bianzhi.core.models import ChangeRecord

#: rows rendered and loaded at a time (a person's record is about 700 bytes)
SLICE = 100_000

_CONTROL = "[\x00-\x1f]"
#: how Python's json.dumps writes a control character
_CONTROL_ESCAPES = {chr(c): json.dumps(chr(c)).strip('"') for c in range(0x20)}


def _string(expr: pl.Expr, *, check_controls: bool) -> pl.Expr:
    """A text column as JSON string literals (null stays null)."""
    escaped = expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    if check_controls:
        for char, escape in _CONTROL_ESCAPES.items():
            escaped = escaped.str.replace_all(char, escape, literal=True)
    return pl.lit('"') + escaped + pl.lit('"')


def _value(frame: pl.DataFrame, name: str) -> pl.Expr:
    """A column's values as JSON (what ``json.dumps`` writes for the row path's Python values)."""
    dtype = frame.schema[name]
    column = pl.col(name)
    if dtype == pl.Date:
        literal = pl.lit('"') + column.dt.strftime("%Y-%m-%d") + pl.lit('"')
    elif dtype == pl.Boolean:
        literal = pl.when(column).then(pl.lit("true")).otherwise(pl.lit("false"))
    elif dtype.is_integer():
        literal = column.cast(pl.String)
    elif dtype == pl.String:
        controls = bool(frame.select(column.str.contains(_CONTROL).any()).item())
        literal = _string(column, check_controls=controls)
    else:
        raise TypeError(f"no JSON rendering for {name}: {dtype}")
    return pl.when(column.is_null()).then(pl.lit("null")).otherwise(literal)


def record_created(frame: pl.DataFrame, *, entity: str, key_fields: Sequence[str], headers: dict[str, str]) -> int:
    """Write a "create" record for each row of ``frame`` in the open change set: key = its key
    fields joined by "/", after = the columns named in ``headers`` (field → header) under their
    headers. Returns the number of records."""
    if frame.height == 0:
        return 0
    change_set = current_change_set()
    running = current_records_hash()
    ordered = sorted(headers.items(), key=lambda item: item[1])  # json.dumps(sort_keys=True): by header
    prefix = json.dumps([entity], ensure_ascii=False)[:-1] + ","  # '["人员",'
    for start in range(0, frame.height, SLICE):
        part = frame.slice(start, SLICE)
        key = pl.concat_str([pl.col(f).cast(pl.String) for f in key_fields], separator="/")
        pairs = [pl.lit(json.dumps(header, ensure_ascii=False) + ":") + _value(part, f) for f, header in ordered]
        rows = part.select(
            key.alias("key"), (pl.lit("{") + pl.concat_str(pairs, separator=",") + pl.lit("}")).alias("after")
        )
        odd_keys = bool(rows.select(pl.col("key").str.contains(r'["\\\x00-\x1f]').any()).item())
        rendered = rows.select(
            pl.lit(prefix)
            + _string(pl.col("key"), check_controls=odd_keys)
            + pl.lit(',"create",null,')
            + pl.col("after")
            + pl.lit("]")
        ).to_series()
        insert_frame(
            ChangeRecord,
            rows.select(
                pl.lit(change_set.pk, dtype=pl.Int64).alias("change_set_id"),
                pl.lit(entity).alias("entity"),
                "key",
                pl.lit("create").alias("action"),
                pl.lit(None, dtype=pl.String).alias("before"),
                "after",
            ),
        )
        del rows
        running.add_rendered(_joined(rendered), part.height)
    return frame.height


def _joined(texts: pl.Series) -> memoryview:
    """The texts one after another, as UTF-8 bytes (the string column's own buffer, not copied)."""
    import pyarrow as pa

    array = texts.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())  # large_string: int64 offsets
    offsets = pa.Array.from_buffers(pa.int64(), len(array) + 1, [None, array.buffers()[1]], offset=array.offset)
    return memoryview(array.buffers()[2]).cast("B")[offsets[0].as_py() : offsets[-1].as_py()]
