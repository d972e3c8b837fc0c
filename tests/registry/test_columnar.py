"""The roster's column-wise fast lane (importer/columnar/): it admits only rows that break no
rule, and an import through it stores and reports exactly what the row-by-row path does."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import person_row, unit_row

from bianzhi.core import bulk
from bianzhi.core.validators import id_check_character
from bianzhi.registry.importer import columnar
from bianzhi.registry.importer.columnar import frames
from bianzhi.registry.importer.columnar import people as people_lane
from bianzhi.registry.importer.reader import read_sources
from bianzhi.registry.importer.validate import StoredUnit, UnitIndex
from bianzhi.registry.models import PersonVersion
from bianzhi.registry.services import workbook_import

pytestmark = pytest.mark.django_db

ROWS, COLUMNAR = 10**9, 1  # IMPORT_COLUMNAR_MIN_ROWS for each lane
_ID_WITH_X = next(
    n
    for seq in range(1, 999, 2)
    if (n := f"33060219850505{seq:03d}" + id_check_character(f"33060219850505{seq:03d}")).endswith("X")
)


def _index() -> UnitIndex:
    kinds = {"A": "政府工作部门", "A-01": "内设机构", "B": "政府工作部门", "B-01": "内设机构", "X": None}
    parents = {"A-01": "A", "B-01": "B"}
    index = UnitIndex(known=set(kinds), kind={k: v for k, v in kinds.items() if v}, parent={})
    index.parent.update(parents)
    return index


def _admit(workbook, rows: list[dict], headers=None) -> columnar.Admission:
    sheets = read_sources(workbook({"人员": rows}, headers={"人员": headers} if headers else None))
    return columnar.admit(sheets["人员"], _index())


def _slow_rows(admission: columnar.Admission) -> list[int]:
    return [number for number, _ in admission.slow.rows]


def test_clean_new_rows_are_admitted_and_every_doubtful_row_is_not(workbook):
    rows = [
        person_row("A", 内设机构代码="A-01"),  # 2: clean
        person_row("A", 姓名="  李四 "),  # 3: clean once trimmed
        {**person_row("A"), "身份证号": "330602198505050012"},  # 4: wrong check character
        person_row("A", 性别="女"),  # 5: gender disagrees with the number
        person_row("A", 出生日期=dt.date(1985, 5, 6)),  # 6: birth date disagrees
        person_row("NOPE"),  # 7: unknown unit
        person_row("A-01"),  # 8: an internal division occupies no staffing
        person_row("A", 内设机构代码="B-01"),  # 9: division of another unit
        person_row("X"),  # 10: a unit of unknown kind: the row path decides
        person_row("A", 姓名="张\x07三"),  # 11: a control character
        person_row("A", 人员状态="辞职", 进编日期="2010-01-01", 离编日期="2009-12-31"),  # 12: left before entry
        person_row("A", 进编日期="2010-02-30"),  # 13: no such day
        person_row("A", 原退休年龄="050"),  # 14: 50, but not in the plain form the lane admits
        person_row("A", 编制类型="机关编制"),  # 15: not a staffing type
        person_row("A", 姓名="名" * 65),  # 16: longer than its column
        {**person_row("A"), "身份证号": _ID_WITH_X.lower()},  # 17: a trailing x reads as X
    ]
    admission = _admit(workbook, rows)
    assert _slow_rows(admission) == list(range(4, 17))
    assert admission.fast.get_column("row").to_list() == [2, 3, 17]
    assert admission.fast.get_column("name").to_list()[1] == "李四"
    assert admission.fast.get_column("id_number").to_list()[2] == _ID_WITH_X


def test_a_repeated_number_sends_the_whole_sheet_down_the_row_path(workbook):
    twin = person_row("A")
    admission = _admit(workbook, [twin, person_row("A"), dict(twin)])
    assert admission.fast.height == 0
    assert _slow_rows(admission) == [2, 3, 4]


def test_stored_people_are_unchanged_or_go_down_the_row_path(workbook, load):
    same, changed = person_row("A"), person_row("A")
    load({"机构": [unit_row("A")], "人员": [same, changed]})
    admission = _admit(workbook, [person_row("A"), same, {**changed, "姓名": "改名"}])
    assert admission.fast.get_column("row").to_list() == [2]
    assert admission.unchanged == 1
    assert _slow_rows(admission) == [4]


def test_a_column_left_out_keeps_the_stored_value_when_comparing(workbook, load):
    person = person_row("A", 民族="汉族", 原退休年龄=55)
    load({"机构": [unit_row("A")], "人员": [person]})
    without = {k: v for k, v in person.items() if k not in ("民族", "原退休年龄")}
    admission = _admit(workbook, [without])
    assert (admission.unchanged, admission.fast.height, _slow_rows(admission)) == (1, 0, [])
    admission = _admit(workbook, [{**person, "原退休年龄": 60}])
    assert (admission.unchanged, admission.fast.height, _slow_rows(admission)) == (0, 0, [2])


def test_a_missing_required_header_admits_nothing(workbook):
    rows = [{k: v for k, v in person_row("A").items() if k != "性别"} for _ in range(2)]
    admission = _admit(workbook, rows)
    assert admission.fast.height == 0
    assert _slow_rows(admission) == [2, 3]


def test_code_table_warnings_of_admitted_rows(workbook):
    admission = _admit(workbook, [person_row("A", 民族="汉族"), person_row("A", 民族="汉")])
    assert admission.fast.height == 2
    assert [(w["row"], w["column"]) for w in admission.warnings] == [(3, "民族")]


def test_quoted_cells_and_blank_lines_keep_the_spreadsheet_row_numbers(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    good = person_row("A")
    header = "身份证号,姓名,性别,出生日期,人员类别,机构代码,编制类型,人员状态"

    def line(row: dict, name: str = "张三") -> str:
        return f"{row['身份证号']},{name},{row['性别']},{row['出生日期']},公务员,{row['机构代码']},行政编制,在编"

    bad = person_row("A", 性别="女")
    for quoted in (False, True):
        name = '"张,三"' if quoted else "张三"
        text = "\n".join([header, line(good, name), "", ",,,,,,,", line(bad)]) + "\n"
        (folder / "人员.csv").write_text(text, encoding="utf-8-sig")
        admission = columnar.admit(read_sources(folder)["人员"], _index())
        assert admission.fast.get_column("row").to_list() == [2]
        assert _slow_rows(admission) == [5]
        assert admission.fast.get_column("name").to_list() == ["张,三" if quoted else "张三"]


def test_polars_reads_a_csv_only_when_its_lines_are_its_rows(tmp_path):
    from bianzhi.registry.importer.schema import PEOPLE

    header = "身份证号,姓名"
    layout = frames._layout(PEOPLE, header.split(","))
    cases = {
        "plain": (f"{header}\r\n1,张三\r\n\r\n2,李四\r\n", [2, 4]),  # the blank line keeps its number
        "quoted": (f'{header}\n1,"张,三"\n', None),  # a quoted cell may hold a line break
        "separator": (f"{header}\n1,张三\n\x1c,\x1c\n", None),  # blank for Python's strip() only
        "lone CR": (f"{header}\r1,张三\r", None),
        "too many cells": (f"{header}\n1,张三,多余\n", None),
    }
    for name, (text, rows) in cases.items():
        frame = frames._read_polars(text.encode(), header.split(","), layout, set())
        assert (None if frame is None else frame.get_column("row").to_list()) == rows, name


def test_only_cells_beyond_plain_text_are_normalised_and_checked_for_control_characters():
    from bianzhi.registry.importer.schema import PEOPLE

    header = "身份证号,姓名,民族"
    layout = frames._layout(PEOPLE, header.split(","))
    unplain: set[str] = set()
    text = f"{header}\n１２３ ,张三,汉族\n456,李\t四,汉族\n789,阿依·古丽,维吾尔族\n"
    frame = frames._read_polars(text.encode(), header.split(","), layout, unplain)
    assert frame.get_column("id_number").to_list() == ["123", "456", "789"]  # full-width digits, trimmed
    assert frame.get_column("name").to_list() == ["张三", "李\t四", "阿依·古丽"]
    assert unplain == {"id_number", "name"}  # 民族 is plain text throughout
    read = frames.Frame([col for _, col in layout], frame, unplain=unplain)
    odd = frame.select(*[read.odd_cell(f).alias(f) for f in ("id_number", "name", "ethnicity")])
    assert odd.rows() == [(False, False, False), (False, True, False), (False, False, False)]


def test_a_row_of_separators_is_blank_in_both_lanes(settings, workbook, tmp_path):
    from django.db import transaction

    folder = workbook(_book())
    path = folder / "人员.csv"
    width = len(path.read_text(encoding="utf-8").splitlines()[0].split(","))
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(",".join(["\x1c"] * width) + "\r\n")
    results = []
    for lane in (ROWS, COLUMNAR):
        settings.IMPORT_COLUMNAR_MIN_ROWS = lane
        with transaction.atomic():
            results.append(workbook_import(path=folder).as_json())
            transaction.set_rollback(True)
    assert results[0] == results[1]
    assert results[0]["ok"] and results[0]["created"]["人员"] == 5


def _book() -> dict[str, list[dict]]:
    units = [unit_row("A", 核定内设机构数=1), unit_row("A-01", "内设机构", 上级机构代码="A"), unit_row("S", "事业单位")]
    people = [
        person_row("A", 内设机构代码="A-01", 民族="汉族", 学历="大学本科毕业", 职数类别="正职", 进编日期="2001-02-03"),
        person_row("S", staffing="事业编制", category="事业专业技术人员", gender="女", birth=dt.date(1966, 3, 1)),
        person_row("A", status="辞职", 进编日期="2001-01-01", 离编日期="2026-03-02", 民族="汉"),
        person_row("A", status="在编", 离编日期="2026-03-02", 原退休年龄="55", 职务="科员"),
        person_row("A", birth=dt.date(1964, 12, 31), 核销日期="2026-04-01", status="退休", 离编日期="2025-01-01"),
    ]
    return {"机构": units, "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 3}], "人员": people}


def _stored() -> list[tuple]:
    return sorted(
        PersonVersion.objects.values_list(
            "person__id_number",
            "status",
            "entry_date",
            "left_date",
            "left_on",
            "written_off_date",
            "write_off_deadline",
            "valid_from",
            "valid_to",
            "name",
            "gender",
            "birth_date",
            "ethnicity",
            "education",
            "category",
            "unit__code",
            "internal_division__code",
            "staffing_type",
            "post",
            "position_category",
            "original_age",
            "retirement_month",
            "change_set__reason",
        )
    )


def _import_twice(settings, workbook, sheets, lane, fmt):
    settings.IMPORT_COLUMNAR_MIN_ROWS = lane
    path = workbook(sheets, fmt=fmt)
    first = workbook_import(path=path, reason="装载")
    second = workbook_import(path=path, reason="装载")
    return first.as_json(), second.as_json(), _stored()


TYPED = [  # xlsx cells the lane reads as text, and ones it leaves to the row path
    person_row("A", 原退休年龄=55, 进编日期=dt.datetime(2003, 4, 5, 0, 0)),
    {**person_row("A"), "身份证号": 330602198505050011},  # a number cell: Excel has rounded it
    person_row("A", 原退休年龄=55.5),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "change",
    [
        {},
        {"extra": [person_row("A", 性别="女"), person_row("NOPE")]},
        {"drop": "内设机构代码"},
        {"typed": True},
    ],
    ids=["clean", "with-errors", "column-left-out", "typed-cells"],
)
def test_both_lanes_store_and_report_the_same(settings, workbook, change, fmt):
    from django.db import transaction

    sheets = _book()
    sheets["人员"] = sheets["人员"] + change.get("extra", [])
    if "drop" in change:
        sheets["人员"] = [{k: v for k, v in r.items() if k != change["drop"]} for r in sheets["人员"]]
    if "typed" in change:
        sheets["人员"] = sheets["人员"] + TYPED
        sheets["编制"] = sheets["编制"] + [
            {"机构代码": "S", "编制类型": "事业编制", "核定数": 12},
            {"机构代码": "S", "编制类型": "工勤编制", "核定数": -1},
        ]
    results = {}
    for lane in (ROWS, COLUMNAR):
        with transaction.atomic():  # each lane starts from an empty register
            results[lane] = _import_twice(settings, workbook, sheets, lane, fmt)
            transaction.set_rollback(True)
    assert results[ROWS] == results[COLUMNAR]
    first, second, stored = results[COLUMNAR]
    if "extra" in change:
        assert not first["ok"] and [e["row"] for e in first["errors"]] == [7, 8]
        assert stored == []
    elif "typed" in change:
        errors = [(e["sheet"], e["row"], e["column"]) for e in first["errors"]]
        if fmt == "xlsx":
            assert errors == [("编制", 4, "核定数"), ("人员", 8, "身份证号"), ("人员", 9, "原退休年龄")]
        else:  # in a CSV everything is text
            assert ("人员", 9, "原退休年龄") in errors and ("编制", 4, "核定数") in errors
    else:
        assert first["created"]["人员"] == 5 and second["unchanged"]["人员"] == 5
        assert len(stored) == 5


_LOADED = (
    "registry_unit",
    "registry_unitversion",
    "registry_staffingquota",
    "registry_person",
    "registry_personversion",
    # a created row's "create" record: a first load at least doubles the change log's records too
    "core_changerecord",
)


def _schema(tables=_LOADED) -> dict[str, tuple[list, list]]:
    """Each table's index definitions and (name, definition, validated) constraints."""
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
            indexes = sorted(r[0] for r in cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE conrelid = %s::regclass",
                [table],
            )
            result[table] = (indexes, sorted(cursor.fetchall()))
    return result


def _postgres_only(reason: str = "indexes are dropped and rebuilt on PostgreSQL only"):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(reason)


def test_bulk_load_rebuilds_every_index_and_constraint(settings, monkeypatch, load):
    _postgres_only()
    before = _schema()
    during = []
    insert = people_lane.insert_frame

    def watched(model, frame):
        during.append(_schema())
        return insert(model, frame)

    monkeypatch.setattr(people_lane, "insert_frame", watched)
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)
    settings.IMPORT_COLUMNAR_MIN_ROWS = COLUMNAR
    result = load(_book())
    assert result.created["人员"] == 5
    # While the rows went in, the empty tables had neither index nor key, only check constraints,
    # except that registry_unit and registry_person, which tables outside the load refer to (e.g.
    # 暂缓审批, the onboardings of approval slips), kept their primary keys ...
    for table, (indexes, constraints) in during[0].items():
        kinds = {c[1].split(" ")[0] for c in constraints}
        if table in ("registry_unit", "registry_person"):
            assert indexes == [_pkey(table)] and kinds <= {"PRIMARY", "CHECK"}, table
        else:
            assert indexes == [] and kinds <= {"CHECK"}, table
    # ... and afterwards every index and constraint is back, validated.
    assert _schema() == before
    assert PersonVersion.objects.filter(unit__code="A").count() == 4


def test_a_re_import_keeps_every_index(settings, monkeypatch, load):
    """The same roster again, with one more person: nothing doubles, nothing is taken off."""
    _postgres_only()
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)
    settings.IMPORT_COLUMNAR_MIN_ROWS = COLUMNAR
    book = _book()
    load(book)
    before = _schema()
    during = []
    compare = people_lane.stored_people

    def watched(numbers):
        during.append(_schema())
        return compare(numbers)

    monkeypatch.setattr(people_lane, "stored_people", watched)
    book["人员"].append(person_row("A"))
    result = load(book)
    assert (result.created["人员"], result.unchanged["人员"]) == (1, 5)
    assert during and all(schema == before for schema in during)
    assert _schema() == before


def test_a_bulk_load_strips_only_tables_it_at_least_doubles_and_nests(monkeypatch, load):
    """A table already holding as many rows as come in keeps everything; a table that holds rows,
    or that a table outside the load refers to, keeps its primary key; an inner block leaves alone
    what an outer one has taken off."""
    from bianzhi.registry.models import Person, Unit, UnitVersion

    _postgres_only()
    load({"机构": [unit_row("A"), unit_row("B")]})
    before = _schema(("registry_unit", "registry_unitversion", "registry_person"))
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 1)
    with bulk.bulk_load({Unit: 3, UnitVersion: 1, Person: 1}):
        outer = _schema(("registry_unit", "registry_unitversion", "registry_person"))
        with bulk.bulk_load({Unit: 5, Person: 5}):
            inner = _schema(("registry_unit", "registry_person"))
        assert _schema(("registry_unit", "registry_person")) == inner  # the inner block rebuilt nothing
    assert outer["registry_unitversion"] == before["registry_unitversion"]  # holds 2, gets 1: untouched
    assert inner["registry_unit"] == outer["registry_unit"] == ([_pkey("registry_unit")], outer["registry_unit"][1])
    assert "PRIMARY" in {c[1].split(" ")[0] for c in outer["registry_unit"][1]}  # it holds rows: key kept
    # empty, but registry_personversion (not in this load) refers to it: only the key stays
    assert (
        outer["registry_person"][0] == [_pkey("registry_person")]
        and inner["registry_person"] == outer["registry_person"]
    )
    assert _schema(("registry_unit", "registry_unitversion", "registry_person")) == before


def _pkey(table: str) -> str:
    return f"CREATE UNIQUE INDEX {table}_pkey ON public.{table} USING btree (id)"


def test_cli_reports_the_same_through_both_lanes(tmp_path, workbook):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings as django_settings

    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("the CLI contract tests cover PostgreSQL; here one SQLite file per lane is enough")
    sheets = _book()
    sheets["人员"].append(person_row("A", 出生日期=dt.date(1999, 1, 1)))
    path = workbook(sheets)
    outputs = []
    for lane in (ROWS, COLUMNAR):
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / f'lane{lane}.sqlite3'}"}
        env["BIANZHI_COLUMNAR_MIN_ROWS"] = str(lane)
        bianzhi = str(Path(sys.executable).with_name("bianzhi"))
        subprocess.run([bianzhi, "migrate"], env=env, check=True, capture_output=True)
        done = subprocess.run([bianzhi, "import", str(path), "--json"], env=env, capture_output=True, check=False)
        assert done.returncode == 1
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert [(e["row"], e["column"]) for e in outputs[0]["errors"]] == [(7, "出生日期")]


def test_stored_unit_kinds_count(workbook, load):
    """Units only stored (no 机构 sheet in the file) are looked up for the lane too."""
    load({"机构": [unit_row("A"), unit_row("A-01", "内设机构", 上级机构代码="A")]})
    index = UnitIndex(
        known=set(),
        kind={},
        parent={},
        loader=lambda codes: {c: StoredUnit("政府工作部门", None) for c in codes if c == "A"},
    )
    sheets = read_sources(workbook({"人员": [person_row("A"), person_row("Z")]}))
    admission = columnar.admit(sheets["人员"], index)
    assert admission.fast.get_column("row").to_list() == [2]
    assert _slow_rows(admission) == [3]


def _admit_quotas(workbook, rows: list[dict]) -> columnar.TableAdmission:
    from bianzhi.registry.importer.plan import QUOTA_TABLE
    from bianzhi.registry.importer.schema import QUOTAS

    sheets = read_sources(workbook({"编制": rows}))
    return columnar.admit_table(QUOTA_TABLE, QUOTAS, sheets["编制"], _index())


def test_quota_rows_are_admitted_only_when_clean_and_new(workbook, load):
    load(
        {
            "机构": [unit_row("B")],
            "编制": [
                {"机构代码": "B", "编制类型": "行政编制", "核定数": 2},
                {"机构代码": "B", "编制类型": "事业编制", "核定数": 5},
            ],
        }
    )
    rows = [
        {"机构代码": "A", "编制类型": "行政编制", "核定数": "１０"},  # 2: full-width digits read as 10
        {"机构代码": "A", "编制类型": "事业编制", "核定数": "-1"},  # 3: not an integer
        {"机构代码": "A-01", "编制类型": "工勤编制", "核定数": 1},  # 4: an internal division
        {"机构代码": "A", "编制类型": "机关编制", "核定数": 1},  # 5: not a staffing type
        {"机构代码": "B", "编制类型": "行政编制", "核定数": 3},  # 6: stored: an update for the row path
        {"机构代码": "A", "编制类型": "工勤编制", "核定数": "1234567890"},  # 7: beyond the lane's nine digits
        {"机构代码": "X", "编制类型": "工勤编制", "核定数": 1},  # 8: a unit of unknown kind
        {"机构代码": "B", "编制类型": "事业编制", "核定数": "５"},  # 9: stored, the same: unchanged
    ]
    admission = _admit_quotas(workbook, rows)
    assert admission.fast.rows() == [(2, "A", "行政编制", 10)]
    assert _slow_rows(admission) == [3, 4, 5, 6, 7, 8]
    assert admission.unchanged == 1


def test_a_repeated_quota_pair_sends_the_sheet_down_the_row_path(workbook):
    row = {"机构代码": "A", "编制类型": "行政编制", "核定数": 1}
    admission = _admit_quotas(workbook, [row, {**row, "编制类型": "工勤编制"}, row])
    assert admission.fast.height == 0
    assert _slow_rows(admission) == [2, 3, 4]


def test_xlsx_cells_the_lane_reads_and_the_ones_it_leaves(workbook):
    rows = [
        person_row("A", 原退休年龄=60, 进编日期=dt.datetime(2003, 4, 5)),  # 2: date and integer cells
        {**person_row("A"), "身份证号": 330602198505050011},  # 3: a number cell
        person_row("A", 原退休年龄=True),  # 4: a truth value
    ]
    sheets = read_sources(workbook({"人员": rows}, fmt="xlsx"))
    admission = columnar.admit(sheets["人员"], _index())
    assert admission.fast.select("row", "original_age", "_entry_date").rows() == [(2, "60", dt.date(2003, 4, 5))]
    slow = list(admission.slow.rows)
    assert [number for number, _ in slow] == [3, 4]
    assert isinstance(slow[0][1][0], float)  # as the reader gave it, for the row path's own message


@pytest.mark.parametrize("all_units_from", [1, 10**9])
def test_unit_ids_by_list_or_by_scan_agree(monkeypatch, load, all_units_from):
    from bianzhi.registry.importer import plan
    from bianzhi.registry.models import Unit

    load({"机构": [unit_row("A"), unit_row("B"), unit_row("C")]})
    monkeypatch.setattr(plan, "ALL_UNITS_FROM", all_units_from)
    expected = {code: Unit.objects.get(code=code).pk for code in ("A", "C")}
    assert plan.unit_ids(["C", "A", "A", "Z"]) == expected


@pytest.mark.parametrize("compare_chunk", [2, 100_000])
def test_stored_people_are_compared_a_batch_at_a_time(settings, monkeypatch, load, compare_chunk):
    """Comparing the roster with the stored people a batch of them at a time (memory holds one
    batch of stored values, each matched with its rows by position) comes to what comparing them
    all at once does."""
    monkeypatch.setattr(people_lane, "COMPARE_CHUNK", compare_chunk)
    batches = []
    stored_people = people_lane.stored_people

    def counted(numbers):
        for batch in stored_people(numbers):
            batches.append(batch.height)
            yield batch

    monkeypatch.setattr(people_lane, "stored_people", counted)
    settings.IMPORT_COLUMNAR_MIN_ROWS = COLUMNAR
    book = _book()
    load(book)
    book["人员"][1] = {**book["人员"][1], "姓名": "改了名"}  # row 3: an update for the row path
    book["人员"].append(person_row("S", staffing="事业编制", category="事业专业技术人员"))  # row 7: new
    admitted = []
    admit = columnar.admit

    def watched(*args, **kwargs):
        admission = admit(*args, **kwargs)
        admitted.append((admission.unchanged, admission.fast.get_column("row").to_list()))
        return admission

    monkeypatch.setattr(columnar, "admit", watched)
    result = load(book)
    assert (result.created["人员"], result.updated["人员"], result.unchanged["人员"]) == (1, 1, 4)
    assert admitted == [(4, [7])]  # the lane itself found the four unchanged (not the row path after it)
    assert PersonVersion.objects.filter(name="改了名", valid_to=dt.date(9999, 12, 31)).count() == 1
    assert sum(batches) == 5 and (len(batches) > 1) == (compare_chunk == 2)  # the five stored people


def test_id_numbers_compare_bytewise_on_postgresql():
    """Migration 0005: 身份证号 in COLLATE "C" (same order for ASCII; cheaper sorts and look-ups)."""
    from django.db import connection

    _postgres_only("SQLite compares text bytewise anyway")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns"
            " WHERE table_name = 'registry_person' AND column_name = 'id_number'"
        )
        assert cursor.fetchone() == ("C",)


def test_a_large_csv_roster_is_read_once_in_a_thread_of_its_own(settings, monkeypatch, load):
    import threading

    settings.IMPORT_COLUMNAR_MIN_ROWS = COLUMNAR
    read = frames._read_polars
    readers = []

    def watched(*args, **kwargs):
        readers.append(threading.current_thread().name)
        return read(*args, **kwargs)

    monkeypatch.setattr(frames, "_read_polars", watched)
    result = load({"机构": [unit_row("A")], "人员": [person_row("A"), person_row("A")]})
    assert result.created["人员"] == 2
    # polars read the roster once, in the thread begun before the 机构 sheet was checked
    assert len(readers) == 1 and readers[0].startswith("read-ahead")


def test_stored_people_are_looked_up_not_scanned_for_each_number(load):
    """The comparison query reaches each stored person through an index, whatever the engine's
    plan: no full scan of the people for every number sent (which at a million is hours)."""
    import polars as pl
    from django.db import connection

    load({"机构": [unit_row("A")], "人员": [person_row("A"), person_row("A")]})
    numbers = list(PersonVersion.objects.values_list("person__id_number", flat=True))
    statements: list[str] = []
    plans: list[str] = []

    def spy(execute, sql, params, many, context):
        statements.append(sql)
        if sql.lstrip().startswith("SELECT i.position"):
            with connection.cursor() as cursor:
                explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                cursor.execute(explain + sql, params)
                plans.extend(" ".join(str(c) for c in row) for row in cursor.fetchall())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        batches = list(people_lane.stored_people(pl.Series([numbers[0], None, numbers[1]])))
    assert sorted(p for b in batches for p in b.get_column("position").to_list()) == [0, 2]
    if connection.vendor == "sqlite":
        # The numbers sent are the outer loop; every stored table is searched by a key or an index
        # on what the loop brings, never by the valid_to of every current version.
        assert plans and all(p.endswith("SCAN i") or " SEARCH " in f" {p}" for p in plans), plans
        assert not any("valid_to" in p for p in plans), plans
