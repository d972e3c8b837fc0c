"""The demo district generator (bianzhi.demo.generator): deterministic, valid, and exactly the planted violations."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bianzhi.core.codetables import code_table_warning
from bianzhi.core.validators import credit_code_error, id_number_birth_date, id_number_error, id_number_gender
from bianzhi.core.workdays import write_off_deadline
from bianzhi.demo.generator import AS_OF, MIN_PEOPLE, PLANTED, DemoWorkbook, build_demo_workbook
from bianzhi.registry.importer import cells
from bianzhi.registry.importer.reader import read_sources
from bianzhi.registry.importer.schema import SHEET_BY_NAME, SHEETS
from bianzhi.registry.retirement import retirement_month

PARTY_GOVERNMENT = ("党委工作机关", "政府工作部门")


@pytest.fixture(scope="module")
def demo() -> DemoWorkbook:
    return build_demo_workbook()


def _digest(workbook: DemoWorkbook) -> str:
    text = json.dumps(workbook.sheets, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- determinism and size ------------------------------------------------------------------------


def test_two_builds_are_equal(demo: DemoWorkbook) -> None:
    assert build_demo_workbook() == demo


def test_another_seed_gives_other_data(demo: DemoWorkbook) -> None:
    other = build_demo_workbook(seed=1)
    assert other != demo
    assert len(other.sheets["人员"]) == 6000


def test_independent_of_the_hash_seed() -> None:
    script = (
        "from bianzhi.demo.generator import build_demo_workbook\n"
        "import hashlib, json\n"
        "w = build_demo_workbook(people=1500)\n"
        "print(hashlib.sha256(json.dumps(w.sheets, ensure_ascii=False, sort_keys=True, default=str).encode())"
        ".hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert digests == {_digest(build_demo_workbook(people=1500))}


def test_build_is_fast() -> None:
    start = time.perf_counter()
    build_demo_workbook()
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("people", [MIN_PEOPLE, 2500, 6000, 9000])
def test_people_count_is_exact(people: int) -> None:
    workbook = build_demo_workbook(people=people)
    assert len(workbook.sheets["人员"]) == people
    assert _evaluate(workbook.sheets, AS_OF) == PLANTED


@pytest.mark.parametrize("people", [MIN_PEOPLE - 1, 0, -5, 2.5, True])
def test_too_few_people_is_refused(people) -> None:
    with pytest.raises(ValueError):
        build_demo_workbook(people=people)


def test_sizes(demo: DemoWorkbook) -> None:
    units = demo.sheets["机构"]
    kinds = Counter(u["机构类型"] for u in units)
    assert kinds["事业单位"] >= 150
    assert 18 <= kinds["党委工作机关"] <= 22
    assert 20 <= kinds["政府工作部门"] <= 24
    assert kinds["乡镇街道"] >= 10
    assert kinds["内设机构"] >= 100
    for kind in (
        "纪检监察机关",
        "人大机关",
        "政协机关",
        "审判机关",
        "检察机关",
        "群团机关",
        "部门管理机构",
        "议事协调机构",
    ):
        assert kinds[kind] >= 1, kind
    assert sum(1 for u in units if u["撤销日期"] is not None) == 2
    on_staff = sum(1 for p in demo.sheets["人员"] if p["人员状态"] == "在编")
    approved = sum(q["核定数"] for q in demo.sheets["编制"])
    assert 0.9 * 6000 <= on_staff < 6000
    assert 6000 < approved < 7000
    assert 10 <= len(demo.sheets["周转编制"]) <= 14


# --- the workbook follows interchange.md §1 --------------------------------------------------------


def test_headers_match_the_schema(demo: DemoWorkbook) -> None:
    assert list(demo.sheets) == [spec.name for spec in SHEETS]
    for spec in SHEETS:
        headers = [c.header for c in spec.columns]
        for row in demo.sheets[spec.name]:
            assert list(row) == headers


def test_cell_types(demo: DemoWorkbook) -> None:
    for spec in SHEETS:
        for row in demo.sheets[spec.name]:
            for col in spec.columns:
                value = row[col.header]
                if col.required:
                    assert value is not None, (spec.name, col.header, row)
                if value is None:
                    continue
                if col.kind == "date":
                    assert type(value) is dt.date
                elif col.kind == "int":
                    assert type(value) is int and value >= 0
                else:
                    assert isinstance(value, str) and value == unicodedata.normalize("NFKC", value).strip()
                    if col.kind == "enum" or col.kind == "bool":
                        assert value in col.choices, (spec.name, col.header, value)


def test_every_id_number_is_valid_and_agrees_with_gender_and_birth(demo: DemoWorkbook) -> None:
    people = demo.sheets["人员"]
    numbers = [p["身份证号"] for p in people]
    assert len(set(numbers)) == len(numbers)
    for person in people:
        number = person["身份证号"]
        assert id_number_error(number, today=AS_OF) is None, number
        assert id_number_gender(number) == person["性别"]
        assert id_number_birth_date(number) == person["出生日期"]
        assert number[:2] in ("33", "34", "36", "42", "41", "32", "51")


def test_every_credit_code_is_valid(demo: DemoWorkbook) -> None:
    units = demo.sheets["机构"]
    codes = [u["统一社会信用代码"] for u in units if u["统一社会信用代码"]]
    assert len(set(codes)) == len(codes)
    organs = [u for u in units if u["机构类型"] != "内设机构"]
    assert 0.7 * len(organs) <= len(codes) <= 0.9 * len(organs)
    for unit in units:
        code = unit["统一社会信用代码"]
        if code is None:
            continue
        assert credit_code_error(code) is None, code
        assert code[2:8] == "330602"
        expected = {"事业单位": "12", "群团机关": "13"}.get(unit["机构类型"], "11")
        assert code[:2] == expected
        assert unit["机构类型"] != "内设机构"


def test_person_attributes_are_in_the_code_tables(demo: DemoWorkbook) -> None:
    for person in demo.sheets["人员"]:
        for header in ("民族", "政治面貌", "学历", "学位"):
            assert code_table_warning(header, person[header] or "") is None, (header, person[header])
    names = [p["姓名"] for p in demo.sheets["人员"]]
    assert all(2 <= len(n) <= 4 for n in names)
    assert len(set(names)) > 1500


def test_units_form_a_valid_tree(demo: DemoWorkbook) -> None:
    units = {u["机构代码"]: u for u in demo.sheets["机构"]}
    assert len(units) == len(demo.sheets["机构"])
    for code, unit in units.items():
        assert cells.text(code) == code and len(code) <= 32
        assert all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code)
        parent = unit["上级机构代码"]
        if parent is None:
            assert unit["序列"] and unit["区划代码"] == "330602"
        else:
            assert units[parent]["机构类型"] != "内设机构"
            # inherited sequence, when stated, is the parent's
            if unit["序列"] is not None:
                assert unit["序列"] == _sequence(units, parent)
        if unit["机构类型"] == "内设机构":
            assert parent is not None
        if unit["事业单位类别"] is not None:
            assert unit["机构类型"] == "事业单位"
        if unit["成立日期"] and unit["撤销日期"]:
            assert unit["撤销日期"] > unit["成立日期"]
        if unit["撤销日期"]:
            assert unit["撤销日期"] <= AS_OF
        if unit["成立日期"]:
            assert unit["成立日期"] <= AS_OF


def test_internal_divisions_are_never_the_unit_of_staffing(demo: DemoWorkbook) -> None:
    units = {u["机构代码"]: u for u in demo.sheets["机构"]}
    for sheet in ("编制", "职数", "周转编制", "人员"):
        for row in demo.sheets[sheet]:
            assert units[row["机构代码"]]["机构类型"] != "内设机构", (sheet, row)
    with_division = 0
    for person in demo.sheets["人员"]:
        division = person["内设机构代码"]
        if division is not None:
            with_division += 1
            assert units[division]["机构类型"] == "内设机构"
            assert units[division]["上级机构代码"] == person["机构代码"]
            assert units[division]["撤销日期"] is None
    assert with_division > 300


def test_keys_are_unique(demo: DemoWorkbook) -> None:
    for sheet, key in (
        ("编制", ("机构代码", "编制类型")),
        ("职数", ("机构代码", "职数类别")),
        ("周转编制", ("机构代码", "编制类型", "使用日期")),
        ("限额", ("区划代码", "限额类别")),
    ):
        keys = [tuple(row[k] for k in key) for row in demo.sheets[sheet]]
        assert len(set(keys)) == len(keys), sheet


def test_people_are_consistent(demo: DemoWorkbook) -> None:
    units = {u["机构代码"]: u for u in demo.sheets["机构"]}
    for person in demo.sheets["人员"]:
        unit = units[person["机构代码"]]
        entry, left, written_off = person["进编日期"], person["离编日期"], person["核销日期"]
        assert entry is not None and dt.date(1985, 1, 1) <= entry <= AS_OF
        assert entry >= person["出生日期"].replace(year=person["出生日期"].year + 16)
        if person["人员状态"] == "在编":
            assert left is None and written_off is None
        else:
            assert left is not None and entry <= left <= AS_OF
            assert written_off is None or left <= written_off <= AS_OF
        category, staffing = person["人员类别"], person["编制类型"]
        if staffing == "工勤编制":
            assert category == "机关工勤人员"
        elif unit["机构类型"] == "事业单位" and staffing == "事业编制":
            if unit["参公"] == "是":
                assert category in ("参公人员", "事业工勤人员")
            else:
                assert category in ("事业管理人员", "事业专业技术人员", "事业工勤人员")
        if person["职数类别"] is not None:
            assert person["职务"] and person["人员状态"] == "在编"
        if person["职数类别"] in ("内设机构正职", "内设机构副职"):
            assert person["内设机构代码"] is not None
    statuses = Counter(p["人员状态"] for p in demo.sheets["人员"])
    assert 0.03 * 6000 <= sum(n for s, n in statuses.items() if s != "在编") <= 0.07 * 6000
    assert {"退休", "调出", "辞职"} <= set(statuses)


def test_the_import_validation_finds_no_error_and_no_warning(demo: DemoWorkbook, tmp_path: Path) -> None:
    from bianzhi.registry.importer.validate import (
        Issues,
        check_structure,
        parse_sheet,
        validate_limits,
        validate_loans,
        validate_people,
        validate_positions,
        validate_quotas,
        validate_units,
    )

    raw = read_sources(demo.write_csv_folder(tmp_path / "demo"))
    issues = Issues()
    check_structure(raw, issues)
    parsed = {spec.name: parse_sheet(spec, raw[spec.name], issues) for spec in SHEETS}
    index = validate_units(parsed["机构"], {}, issues)
    validate_quotas(parsed["编制"], index, issues)
    validate_positions(parsed["职数"], index, issues)
    validate_loans(parsed["周转编制"], index, issues)
    validate_limits(parsed["限额"], issues)
    validate_people(parsed["人员"], index, issues)
    assert issues.errors == []
    assert issues.warnings == []


# --- writers ----------------------------------------------------------------------------------------


def _normalise(sheet: str, header: str, value):
    col = SHEET_BY_NAME[sheet].by_header[header]
    if col.kind == "date":
        return cells.date(value)
    if col.kind == "int":
        return cells.integer(value)
    if col.kind == "id":
        return cells.id_number(value)
    return cells.text(value)


def _assert_round_trip(demo: DemoWorkbook, path: Path) -> None:
    raw = read_sources(path)
    assert list(raw) == [spec.name for spec in SHEETS] or set(raw) == {spec.name for spec in SHEETS}
    for spec in SHEETS:
        sheet = raw[spec.name]
        headers = [c.header for c in spec.columns]
        assert sheet.headers == headers
        rows = demo.sheets[spec.name]
        rows_read = list(sheet.rows)  # rows stream from the file: read them once
        assert [number for number, _ in rows_read] == list(range(2, len(rows) + 2))
        for (_, values), row in zip(rows_read, rows, strict=True):
            read = {h: _normalise(spec.name, h, v) for h, v in zip(headers, values, strict=False)}
            expected = {h: _normalise(spec.name, h, row[h]) for h in headers}
            assert read == expected


def test_csv_folder_round_trip(demo: DemoWorkbook, tmp_path: Path) -> None:
    folder = demo.write_csv_folder(tmp_path / "csv")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s.name}.csv" for s in SHEETS)
    assert (folder / "人员.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    _assert_round_trip(demo, folder)


def test_xlsx_round_trip(demo: DemoWorkbook, tmp_path: Path) -> None:
    path = demo.write_xlsx(tmp_path / "demo.xlsx")
    _assert_round_trip(demo, path)
    raw = read_sources(path)
    id_column = raw["人员"].headers.index("身份证号")
    birth_column = raw["人员"].headers.index("出生日期")
    for _, values in raw["人员"].rows:
        assert isinstance(values[id_column], str)  # text cells, never numbers rounded by Excel
        assert isinstance(values[birth_column], dt.date)  # real date cells


# --- exactly the planted violations -------------------------------------------------------------


def test_planted_alerts_as_of_the_reference_day(demo: DemoWorkbook) -> None:
    assert _evaluate(demo.sheets, AS_OF) == PLANTED


def test_planted_alerts_do_not_depend_on_the_seed() -> None:
    assert _evaluate(build_demo_workbook(seed=7).sheets, AS_OF) == PLANTED


def test_planted_details(demo: DemoWorkbook) -> None:
    alerts = _alerts(demo.sheets, AS_OF)
    names = {u["机构代码"]: u["机构名称"] for u in demo.sheets["机构"]}
    over = {(names[a[1]], a[2]): a[3] for a in alerts["over_staffing"]}
    assert over[("绍兴市越城区住房和城乡建设局", "行政编制")] == 1
    assert over[("绍兴市越城区财政局", "行政编制")] == 2
    assert {names[a[1]] for a in alerts["over_positions"]} == {"绍兴市越城区农业农村局", "绍兴市越城区重大项目服务中心"}
    assert [names[a[1]] for a in alerts["over_limit"]] == ["绍兴市越城区综合行政执法局"]
    # 区财政局 is over-staffed only because its loan was returned.
    finance = next(u["机构代码"] for u in demo.sheets["机构"] if u["机构名称"] == "绍兴市越城区财政局")
    loan = next(loan for loan in demo.sheets["周转编制"] if loan["机构代码"] == finance)
    assert loan["状态"] == "已回收" and loan["数量"] == 2
    # The 党政机构 limit holds with no room to spare but one.
    limits = {row["限额类别"]: row["限额数"] for row in demo.sheets["限额"]}
    active = [u for u in demo.sheets["机构"] if u["撤销日期"] is None]
    assert limits["党政机构"] == sum(1 for u in active if u["机构类型"] in PARTY_GOVERNMENT) + 1
    assert limits["事业单位"] > sum(1 for u in active if u["机构类型"] == "事业单位")


def test_retirements_are_forecast_in_the_next_year(demo: DemoWorkbook) -> None:
    """Some people on staff reach retirement in the twelve months after AS_OF (the forecast is not empty)."""
    months = Counter()
    for person in demo.sheets["人员"]:
        if person["人员状态"] != "在编":
            continue
        month = retirement_month(
            birth_date=person["出生日期"],
            gender=person["性别"],
            person_category=person["人员类别"],
            original_age=person["原退休年龄"],
        )
        if dt.date(2026, 7, 1) <= month <= dt.date(2027, 6, 1):
            months[month] += 1
    assert sum(months.values()) >= 30
    assert len(months) >= 8


# --- a reference evaluation of domain.md §3–4 on the rows ----------------------------------------


def _sequence(units: dict, code: str) -> str:
    unit = units[code]
    while unit["序列"] is None:
        unit = units[unit["上级机构代码"]]
    return unit["序列"]


def _region(units: dict, code: str) -> str:
    unit = units[code]
    while unit["区划代码"] is None:
        unit = units[unit["上级机构代码"]]
    return unit["区划代码"]


def _active(unit: dict, day: dt.date) -> bool:
    return (unit["成立日期"] is None or unit["成立日期"] <= day) and (
        unit["撤销日期"] is None or unit["撤销日期"] > day
    )


def _alerts(sheets: dict, day: dt.date) -> dict[str, list[tuple]]:
    """Every alert of the eight rules of domain.md §4 as of ``day``, computed independently of the generator."""
    units = {u["机构代码"]: u for u in sheets["机构"]}
    active = {code for code, u in units.items() if _active(u, day)}
    alerts: dict[str, list[tuple]] = defaultdict(list)

    approved: Counter = Counter()
    for row in sheets["编制"]:
        approved[row["机构代码"], row["编制类型"]] += row["核定数"]
    for loan in sheets["周转编制"]:
        if loan["状态"] == "使用中" and loan["使用日期"] <= day:
            approved[loan["机构代码"], loan["编制类型"]] += loan["数量"]
        if loan["状态"] == "使用中" and loan["回收日期"] < day and loan["机构代码"] in active:
            alerts["overdue_turnover"].append(("loan", loan["机构代码"], loan["编制类型"], loan["回收日期"]))

    def on_staff(person: dict) -> bool:
        entry, left = person["进编日期"], person["离编日期"]
        if entry is not None and entry > day:
            return False
        return person["人员状态"] == "在编" or (left is not None and left > day)

    actual: Counter = Counter()
    leaders: Counter = Counter()
    recent: set = set()
    window_start = day.replace(year=day.year - 1)
    for person in sheets["人员"]:
        unit, staffing = person["机构代码"], person["编制类型"]
        if person["进编日期"] is not None and window_start < person["进编日期"] <= day:
            recent.add((unit, staffing))
        if unit not in active:
            continue
        if on_staff(person):
            actual[unit, staffing] += 1
            if person["职数类别"]:
                leaders[unit, person["职数类别"]] += 1
            institution = units[unit]["机构类型"] == "事业单位"
            if (institution and staffing != "事业编制") or (not institution and staffing == "事业编制"):
                alerts["mixed_staffing"].append(("person", unit, person["身份证号"]))
            month = retirement_month(
                birth_date=person["出生日期"],
                gender=person["性别"],
                person_category=person["人员类别"],
                original_age=person["原退休年龄"],
            )
            if month < day.replace(day=1):
                alerts["over_retirement_age"].append(("person", unit, person["身份证号"]))
        elif person["人员状态"] != "在编" and person["离编日期"] is not None:
            deadline = write_off_deadline(person["离编日期"])
            if day > deadline and (person["核销日期"] is None or person["核销日期"] > day):
                alerts["late_write_off"].append(("person", unit, person["身份证号"]))

    for key in sorted(set(approved) | set(actual)):
        if key[0] not in active:
            continue
        a, n = approved[key], actual[key]
        if n > a:
            alerts["over_staffing"].append(("staffing", *key, n - a))
        vacancy = max(0, a - n)
        if a > 0 and vacancy / a >= 0.2 and key not in recent:
            alerts["vacancy_idle"].append(("staffing", *key, vacancy))

    positions: Counter = Counter()
    for row in sheets["职数"]:
        positions[row["机构代码"], row["职数类别"]] += row["核定数"]
    for key in sorted(set(positions) | set(leaders)):
        if key[0] in active and leaders[key] > positions[key]:
            alerts["over_positions"].append(("positions", *key, leaders[key] - positions[key]))

    kinds = {"党政机构": PARTY_GOVERNMENT, "事业单位": ("事业单位",)}
    for row in sheets["限额"]:
        count = sum(
            1
            for code in active
            if units[code]["机构类型"] in kinds[row["限额类别"]] and _region(units, code) == row["区划代码"]
        )
        if count > row["限额数"]:
            alerts["over_limit"].append(("region", row["区划代码"], row["限额类别"], count))
    divisions: Counter = Counter()
    for code in active:
        if units[code]["机构类型"] == "内设机构":
            divisions[units[code]["上级机构代码"]] += 1
    for code in sorted(active):
        limit = units[code]["核定内设机构数"]
        if limit is not None and divisions[code] > limit:
            alerts["over_limit"].append(("unit", code, "内设机构", divisions[code]))
    return alerts


def _evaluate(sheets: dict, day: dt.date) -> dict[str, int]:
    alerts = _alerts(sheets, day)
    return {rule: len(alerts.get(rule, [])) for rule in PLANTED}
