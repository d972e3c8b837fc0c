"""The import's fast lanes (issue 5): column-wise admission of large 人员, 编制 and 职数 sheets.

A province's load brings a million people, and checking them one row at a time costs tens of
microseconds a row. Here a large sheet (CSV, zip or xlsx) is read into a polars frame and every
rule of interchange.md §1 that its rows can break is checked on whole columns. The checks only
*admit* rows:

- a new row that provably breaks no rule is planned here as plan.py would plan it (absent columns
  take the defaults, 离编日期 is ignored for 在编, the retirement month and write-off deadline
  derived) and written with one bulk load per table;
- a stored person whose row provably breaks no rule and would change nothing is compared column
  by column with the stored values and counted as unchanged;
- every other row — one with an error, a change to a stored row, a unit of unknown kind, a control
  character, a typed xlsx cell that text cannot stand for — goes down the row-by-row path
  (validate.py, plan.py), which stays the one authority on error messages and on updates.

Both paths therefore give the same result by construction, and the tests run the import suite
through both (``BIANZHI_COLUMNAR_MIN_ROWS=1``).
"""

from __future__ import annotations

import os

# polars allocates with jemalloc: give freed pages back to the system at once, so the import's peak
# memory is what it holds, not what it once held (set before polars loads; an explicit value wins).
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

from bianzhi.registry.importer.columnar.frames import Frame, read_ahead, read_frame
from bianzhi.registry.importer.columnar.people import Admission, admit, stored_people, write_new_people
from bianzhi.registry.importer.columnar.tables import TableAdmission, admit_table, write_new_rows

__all__ = [
    "Admission",
    "Frame",
    "TableAdmission",
    "admit",
    "admit_table",
    "read_ahead",
    "read_frame",
    "stored_people",
    "write_new_people",
    "write_new_rows",
]
