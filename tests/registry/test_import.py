"""Import of the standard workbook (interchange.md §1): errors, warnings, no cascades, upserts."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from conftest import make_id, person_row, unit_row

from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry import selectors
from bianzhi.registry.models import Person, PersonVersion, StaffingQuota, Unit, UnitVersion
from bianzhi.registry.services import workbook_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["rows", "columnar"])
def lane(request, settings):
    """Every import here runs through the row-by-row path and through the roster's column-wise
    fast lane (importer/columnar/), which must not change a single result."""
    settings.IMPORT_COLUMNAR_MIN_ROWS = 10**9 if request.param == "rows" else 1


def problems(result) -> list[tuple]:
    return [(e["sheet"], e["row"], e["column"]) for e in result.errors]


def only_error(result) -> dict:
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# ------------------------------------------------------------------ unreadable files (row 0)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"this is not a workbook")
    error = only_error(workbook_import(path=path))
    assert (error["sheet"], error["row"], error["column"]) == ("", 0, "")
    assert "工作簿" in error["message"]


def test_missing_path(tmp_path):
    error = only_error(workbook_import(path=tmp_path / "nope.xlsx"))
    assert error["row"] == 0 and "不存在" in error["message"]


def test_no_unit_sheet(workbook):
    """Without a 机构 sheet the units named must be stored (interchange.md §1 "A single sheet")."""
    path = workbook({"编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 1}]})
    error = only_error(workbook_import(path=path))
    assert (error["sheet"], error["row"], error["column"]) == ("编制", 2, "机构代码")


def test_one_error_per_missing_required_header(workbook):
    path = workbook(
        {"机构": [unit_row("A")], "人员": [{"身份证号": make_id(dt.date(1980, 1, 1)), "姓名": "李四"}]},
        headers={"机构": ["机构代码", "机构类型"], "人员": ["身份证号", "姓名"]},
    )
    result = workbook_import(path=path)
    assert problems(result) == [
        ("机构", 0, "机构名称"),
        ("人员", 0, "性别"),
        ("人员", 0, "出生日期"),
        ("人员", 0, "人员类别"),
        ("人员", 0, "机构代码"),
        ("人员", 0, "编制类型"),
        ("人员", 0, "人员状态"),
    ]


# ------------------------------------------------------------------ cell rules, each reported where it belongs


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ({"机构代码": "A B"}, "机构代码", "无效"),
        ({"机构代码": "X" * 33}, "机构代码", "无效"),
        ({"机构名称": ""}, "机构名称", "必填"),
        ({"统一社会信用代码": "91350100M000100Y44"}, "统一社会信用代码", "校验码"),
        ({"机构类型": "政府部门"}, "机构类型", "不是有效的机构类型"),
        ({"序列": "国务院"}, "序列", "不是有效的序列"),
        ({"序列": ""}, "序列", "没有上级机构"),
        ({"区划代码": ""}, "区划代码", "没有上级机构"),
        ({"区划代码": "33060"}, "区划代码", "6位数字"),
        ({"机构规格": "正部级"}, "机构规格", "不是有效"),
        ({"事业单位类别": "公益一类"}, "事业单位类别", "只有事业单位"),
        ({"参公": "对"}, "参公", "是"),
        ({"经费形式": "全额"}, "经费形式", "不是有效"),
        ({"核定内设机构数": "三"}, "核定内设机构数", "整数"),
        ({"核定内设机构数": "-1"}, "核定内设机构数", "整数"),
        ({"重点领域": "中心工作、招商"}, "重点领域", "招商"),
        ({"成立日期": "2020/01/01"}, "成立日期", "YYYY-MM-DD"),
        ({"成立日期": "2020-02-30"}, "成立日期", "不是有效日期"),
        ({"成立日期": "2020-01-01", "撤销日期": "2020-01-01"}, "撤销日期", "晚于成立日期"),
        ({"上级机构代码": "NOPE"}, "上级机构代码", "不存在"),
        ({"上级机构代码": "A"}, "上级机构代码", "本身"),
    ],
)
def test_unit_rules(workbook, row, column, words):
    path = workbook({"机构": [{**unit_row("A"), **row}]})
    error = only_error(workbook_import(path=path))
    assert (error["sheet"], error["row"], error["column"]) == ("机构", 2, column)
    assert words in error["message"]
    assert not Unit.objects.exists()


def test_internal_division_needs_a_parent_and_cannot_be_one(workbook):
    rows = [
        unit_row("A"),
        unit_row("A-1", "内设机构", 上级机构代码="A"),
        unit_row("A-2", "内设机构", 上级机构代码="A-1"),
        unit_row("A-3", "内设机构", 序列="政府", 区划代码="330602"),
    ]
    result = workbook_import(path=workbook({"机构": rows}))
    assert problems(result) == [("机构", 4, "上级机构代码"), ("机构", 5, "上级机构代码")]
    assert "内设机构不能作为上级机构" in result.errors[0]["message"]
    assert "必须填写上级机构代码" in result.errors[1]["message"]


def test_parent_cycle_is_reported_on_each_row_of_the_cycle(workbook):
    rows = [unit_row("A", 上级机构代码="B"), unit_row("B", 上级机构代码="A")]
    result = workbook_import(path=workbook({"机构": rows}))
    assert problems(result) == [("机构", 2, "上级机构代码"), ("机构", 3, "上级机构代码")]
    assert "循环" in result.errors[0]["message"]


def test_repeated_unit_code_names_the_first_row_on_every_repetition(workbook):
    rows = [unit_row("A"), unit_row("B"), unit_row("A"), unit_row("A")]
    result = workbook_import(path=workbook({"机构": rows}))
    assert problems(result) == [("机构", 4, "机构代码"), ("机构", 5, "机构代码")]
    assert all("第 2 行" in e["message"] for e in result.errors)


def test_quota_rules(workbook):
    units = [unit_row("A"), unit_row("A-1", "内设机构", 上级机构代码="A")]
    quotas = [
        {"机构代码": "A", "编制类型": "行政编制", "核定数": 5},
        {"机构代码": "A", "编制类型": "行政编制", "核定数": 6},
        {"机构代码": "A-1", "编制类型": "工勤编制", "核定数": 1},
        {"机构代码": "Z", "编制类型": "工勤编制", "核定数": 1},
        {"机构代码": "A", "编制类型": "公务员编制", "核定数": 1},
        {"机构代码": "A", "编制类型": "事业编制", "核定数": "1.5"},
    ]
    result = workbook_import(path=workbook({"机构": units, "编制": quotas}))
    assert problems(result) == [
        ("编制", 3, "编制类型"),
        ("编制", 4, "机构代码"),
        ("编制", 5, "机构代码"),
        ("编制", 6, "编制类型"),
        ("编制", 7, "核定数"),
    ]
    assert "第 2 行" in result.errors[0]["message"]
    assert "内设机构" in result.errors[1]["message"]


def test_position_rules(workbook):
    positions = [
        {"机构代码": "A", "职数类别": "副职", "核定数": 2},
        {"机构代码": "A", "职数类别": "副职", "核定数": 3},
        {"机构代码": "A", "职数类别": "主任", "核定数": 1},
    ]
    result = workbook_import(path=workbook({"机构": [unit_row("A")], "职数": positions}))
    assert problems(result) == [("职数", 3, "职数类别"), ("职数", 4, "职数类别")]


def test_loan_rules(workbook):
    def loan(**extra):
        base = {
            "机构代码": "A",
            "编制类型": "行政编制",
            "数量": 1,
            "使用日期": "2025-01-01",
            "回收日期": "2026-01-01",
            "状态": "使用中",
        }
        return {**base, **extra}

    loans = [
        loan(),
        loan(数量=3),
        loan(使用日期="2025-02-01", 数量=0),
        loan(使用日期="2025-03-01", 回收日期="2025-03-01"),
        loan(使用日期="2025-04-01", 状态="借用"),
        loan(使用日期="", 回收日期="2025-01-01"),
    ]
    result = workbook_import(path=workbook({"机构": [unit_row("A")], "周转编制": loans}))
    assert problems(result) == [
        ("周转编制", 3, "使用日期"),
        ("周转编制", 4, "数量"),
        ("周转编制", 5, "回收日期"),
        ("周转编制", 6, "状态"),
        ("周转编制", 7, "使用日期"),
    ]


def test_limit_rules(workbook):
    limits = [
        {"区划代码": "330602", "限额类别": "党政机构", "限额数": 29},
        {"区划代码": "330602", "限额类别": "党政机构", "限额数": 30},
        {"区划代码": "3306", "限额类别": "事业单位", "限额数": 1},
        {"区划代码": "330602", "限额类别": "群团", "限额数": 1},
    ]
    result = workbook_import(path=workbook({"机构": [unit_row("A")], "限额": limits}))
    assert problems(result) == [("限额", 3, "限额类别"), ("限额", 4, "区划代码"), ("限额", 5, "限额类别")]


def test_person_rules(workbook):
    born = dt.date(1980, 2, 3)
    good = person_row("A", birth=born)
    bad_check = {**person_row("A"), "身份证号": good["身份证号"][:-1] + ("0" if good["身份证号"][-1] != "0" else "1")}
    rows = [
        good,
        dict(good),  # repeated 身份证号
        bad_check,
        person_row("A", birth=born, 性别="女"),
        {**person_row("A", birth=born), "出生日期": dt.date(1980, 2, 4)},
        person_row("A", category="干部"),
        person_row("NOPE"),
        person_row("A", 内设机构代码="B-1"),
        person_row("A", status="在岗"),
        person_row("A", status="调出", 进编日期=dt.date(2020, 1, 1), 离编日期=dt.date(2019, 1, 1)),
        person_row("A", status="调出", 离编日期=dt.date(2020, 1, 1), 核销日期=dt.date(2019, 12, 31)),
        person_row("A", 原退休年龄=58),
        person_row("A", 进编日期="2020.01.01"),
    ]
    units = [unit_row("A"), unit_row("B"), unit_row("B-1", "内设机构", 上级机构代码="B")]
    result = workbook_import(path=workbook({"机构": units, "人员": rows}))
    assert problems(result) == [
        ("人员", 3, "身份证号"),
        ("人员", 4, "身份证号"),
        ("人员", 5, "性别"),
        ("人员", 6, "出生日期"),
        ("人员", 7, "人员类别"),
        ("人员", 8, "机构代码"),
        ("人员", 9, "内设机构代码"),
        ("人员", 10, "人员状态"),
        ("人员", 11, "离编日期"),
        ("人员", 12, "核销日期"),
        ("人员", 13, "原退休年龄"),
        ("人员", 14, "进编日期"),
    ]
    assert "第 2 行" in result.errors[0]["message"]
    assert "校验码" in result.errors[1]["message"]
    assert not Person.objects.exists()


def test_negative_number_cells_are_refused(workbook):
    sheets = {
        "机构": [unit_row("A", 核定内设机构数=-1)],
        "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": -2}],
        "职数": [{"机构代码": "A", "职数类别": "正职", "核定数": -1}],
        "限额": [{"区划代码": "330602", "限额类别": "党政机构", "限额数": -3}],
    }
    result = workbook_import(path=workbook(sheets, fmt="xlsx"))
    assert problems(result) == [
        ("机构", 2, "核定内设机构数"),
        ("编制", 2, "核定数"),
        ("职数", 2, "核定数"),
        ("限额", 2, "限额数"),
    ]
    assert not Unit.objects.exists()


def test_too_long_text_and_too_large_numbers_are_refused(workbook):
    sheets = {
        "机构": [unit_row("A", 机构名称="局" * 201)],
        "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": "2147483648"}],
        "人员": [person_row("A", 职务="长" * 101)],
    }
    result = workbook_import(path=workbook(sheets))
    assert problems(result) == [("机构", 2, "机构名称"), ("编制", 2, "核定数"), ("人员", 2, "职务")]
    assert "200" in result.errors[0]["message"] and "过大" in result.errors[1]["message"]


def test_id_number_stored_as_a_number_cell_is_an_error(workbook):
    row = person_row("A")
    row["身份证号"] = 330602198001010011  # what Excel keeps of a number typed without the text format
    result = workbook_import(path=workbook({"机构": [unit_row("A")], "人员": [row]}, fmt="xlsx"))
    error = only_error(result)
    assert (error["sheet"], error["row"], error["column"]) == ("人员", 2, "身份证号")
    assert "文本" in error["message"]


def test_lower_case_x_is_read_as_upper_case(workbook, load):
    for _ in range(20):
        row = person_row("A")
        if row["身份证号"].endswith("X"):
            break
    else:
        pytest.skip("no X check character in 20 tries")
    stored = row["身份证号"]
    row["身份证号"] = stored[:-1] + "x"
    load({"机构": [unit_row("A")], "人员": [row]})
    assert Person.objects.get().id_number == stored


# ------------------------------------------------------------------ no cascades


def test_a_unit_row_with_an_error_still_counts_as_known(workbook):
    units = [{**unit_row("A"), "机构类型": "不存在的类型"}]
    quotas = [{"机构代码": "A", "编制类型": "行政编制", "核定数": 3}]
    people = [person_row("A")]
    result = workbook_import(path=workbook({"机构": units, "编制": quotas, "人员": people}))
    assert problems(result) == [("机构", 2, "机构类型")]


def test_a_bad_id_number_is_not_also_a_gender_or_birth_error(workbook):
    row = person_row("A")
    row["身份证号"] = "330602198013450011"
    result = workbook_import(path=workbook({"机构": [unit_row("A")], "人员": [row]}))
    assert problems(result) == [("人员", 2, "身份证号")]


def test_every_problem_is_reported_not_just_the_first(workbook):
    units = [unit_row("A", 机构类型="X"), unit_row("B", 区划代码="1")]
    result = workbook_import(path=workbook({"机构": units, "人员": [person_row("A", status="?")]}))
    assert problems(result) == [("机构", 2, "机构类型"), ("机构", 3, "区划代码"), ("人员", 2, "人员状态")]


# ------------------------------------------------------------------ cell normalisation


def test_full_width_text_is_normalised_and_blank_rows_keep_numbering(workbook, load):
    units = [unit_row("A"), {}, unit_row("Ｂ", 成立日期="２０２０－０１－０１", 核定内设机构数="３")]
    path = workbook({"机构": units})
    result = workbook_import(path=path)
    assert result.ok, result.errors
    unit = Unit.objects.get(code="B")
    assert unit.established == dt.date(2020, 1, 1)
    assert UnitVersion.objects.get(unit=unit).approved_divisions == 3
    bad = workbook({"机构": [unit_row("A"), {}, {**unit_row("C"), "机构类型": "?"}]})
    assert problems(workbook_import(path=bad)) == [("机构", 4, "机构类型")]


def test_xlsx_numbers_and_dates(workbook, load):
    units = [unit_row("A", 区划代码=330602, 核定内设机构数=2.0, 成立日期=dt.date(2001, 5, 1))]
    people = [person_row("A", 进编日期=dt.datetime(2010, 9, 1))]
    load({"机构": units, "人员": people}, fmt="xlsx")
    version = UnitVersion.objects.get()
    assert (version.region, version.approved_divisions) == ("330602", 2)
    assert PersonVersion.objects.get().entry_date == dt.date(2010, 9, 1)


def test_zip_of_csv_files(tmp_path, workbook):
    folder = workbook({"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 4}]})
    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"导出/{f.name}")
    result = workbook_import(path=archive)
    assert result.ok and result.created["编制"] == 1


def test_csv_with_bom_and_unknown_columns(tmp_path):
    folder = tmp_path / "bom"
    folder.mkdir()
    (folder / "机构.csv").write_bytes(
        "\ufeff备注,机构代码,机构名称,机构类型,序列,区划代码\n随便,A,甲局,政府工作部门,政府,330602\n".encode()
    )
    result = workbook_import(path=folder)
    assert result.ok and result.created["机构"] == 1


# ------------------------------------------------------------------ warnings


def test_warnings_never_block(workbook):
    units = [unit_row("A", 区划代码="339999")]
    people = [person_row("A", 民族="汉", 学历="大学本科毕业", 政治面貌="党员")]
    result = workbook_import(path=workbook({"机构": units, "人员": people}))
    assert result.ok
    assert [(w["sheet"], w["row"], w["column"]) for w in result.warnings] == [
        ("机构", 2, "区划代码"),
        ("人员", 2, "民族"),
        ("人员", 2, "政治面貌"),
    ]
    assert "汉族" in result.warnings[1]["message"]


# ------------------------------------------------------------------ all or nothing, dry run, upsert


def test_dry_run_counts_and_stores_nothing(workbook):
    path = workbook({"机构": [unit_row("A"), unit_row("B")], "人员": [person_row("A")]})
    result = workbook_import(path=path, dry_run=True)
    assert result.ok and result.dry_run
    assert result.created == {"机构": 2, "编制": 0, "职数": 0, "周转编制": 0, "限额": 0, "人员": 1}
    assert not Unit.objects.exists() and not ChangeSet.objects.exists()


def test_reimport_is_idempotent(workbook):
    sheets = {
        "机构": [unit_row("A"), unit_row("A-1", "内设机构", 上级机构代码="A")],
        "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 4}],
        "职数": [{"机构代码": "A", "职数类别": "正职", "核定数": 1}],
        "周转编制": [
            {
                "机构代码": "A",
                "编制类型": "行政编制",
                "数量": 1,
                "使用日期": "2025-01-01",
                "回收日期": "2026-01-01",
                "状态": "使用中",
            }
        ],
        "限额": [{"区划代码": "330602", "限额类别": "党政机构", "限额数": 30}],
        "人员": [
            person_row("A", 内设机构代码="A-1", 职数类别="正职"),
            person_row("A", status="退休", 离编日期="2020-01-01"),
        ],
    }
    path = workbook(sheets)
    first = workbook_import(path=path)
    assert first.created == {"机构": 2, "编制": 1, "职数": 1, "周转编制": 1, "限额": 1, "人员": 2}
    counts = (UnitVersion.objects.count(), PersonVersion.objects.count(), ChangeRecord.objects.count())
    second = workbook_import(path=path)
    assert second.unchanged == first.created
    assert second.created == second.updated == dict.fromkeys(first.created, 0)
    assert (UnitVersion.objects.count(), PersonVersion.objects.count(), ChangeRecord.objects.count()) == counts


def test_a_changed_value_is_effective_from_the_given_day(load):
    load({"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 4}]})
    result = load(
        {"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 6}]},
        effective=dt.date(2026, 1, 1),
        reason="区委编委会议定",
        document_number="越编〔2026〕3号",
    )
    assert result.updated["编制"] == 1 and result.unchanged["机构"] == 1
    unit = Unit.objects.get()
    assert selectors.quota_by_unit_type(dt.date(2025, 12, 31)) == {(unit.id, "行政编制"): 4}
    assert selectors.quota_by_unit_type(dt.date(2026, 1, 1)) == {(unit.id, "行政编制"): 6}
    assert selectors.quota_by_unit_type(dt.date(2000, 1, 1)) == {(unit.id, "行政编制"): 4}
    change_set = ChangeSet.objects.get(pk=result.change_set_id)
    assert (change_set.reason, change_set.document_number, change_set.bypasses_approval) == (
        "区委编委会议定",
        "越编〔2026〕3号",
        True,
    )
    record = change_set.records.get()
    assert (record.entity, record.key, record.action) == ("编制", "A/行政编制", "update")
    assert (record.before, record.after) == ({"核定数": 4}, {"核定数": 6})


def test_an_absent_column_keeps_and_an_empty_cell_clears(load):
    load({"机构": [unit_row("A", 机构规格="正科级", 经费形式="财政全额")]})
    load({"机构": [unit_row("A", 经费形式="")]}, effective=dt.date(2026, 2, 1))
    current = UnitVersion.objects.get(unit__code="A", valid_to=dt.date(9999, 12, 31))
    assert (current.rank, current.funding) == ("正科级", "")


def test_civil_servant_managed_defaults_to_no(load):
    load({"机构": [unit_row("A", 参公=""), unit_row("B", "事业单位", 参公="是")]})
    managed = dict(UnitVersion.objects.values_list("unit__code", "civil_servant_managed"))
    assert managed == {"A": False, "B": True}


def test_rows_missing_from_a_later_workbook_are_kept(load):
    load({"机构": [unit_row("A"), unit_row("B")], "人员": [person_row("A"), person_row("B")]})
    result = load({"机构": [unit_row("A")]})
    assert result.unchanged["机构"] == 1
    assert Unit.objects.count() == 2 and Person.objects.count() == 2


def test_a_rejected_import_leaves_stored_data_untouched(load, workbook):
    load({"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 4}]})
    before = list(StaffingQuota.objects.values_list("approved", "valid_from", "valid_to"))
    result = workbook_import(
        path=workbook(
            {
                "机构": [unit_row("A")],
                "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 9}],
                "人员": [person_row("A", status="?")],
            }
        )
    )
    assert not result.ok
    assert list(StaffingQuota.objects.values_list("approved", "valid_from", "valid_to")) == before
    assert ChangeSet.objects.count() == 1


def test_sequence_and_region_are_inherited_from_the_parent(load):
    load(
        {
            "机构": [
                unit_row("A", 序列="党委", 区划代码="330602"),
                {"机构代码": "S", "机构名称": "中心", "机构类型": "事业单位", "上级机构代码": "A"},
            ]
        }
    )
    child = UnitVersion.objects.get(unit__code="S")
    assert (child.sequence, child.region, child.own_sequence, child.own_region) == ("党委", "330602", "", "")
    load({"机构": [unit_row("A", 序列="政府", 区划代码="330602")]}, effective=dt.date(2026, 3, 1))
    assert selectors.unit_versions_as_of(dt.date(2026, 3, 1)).get(unit__code="S").sequence == "政府"
    assert selectors.unit_versions_as_of(dt.date(2026, 2, 28)).get(unit__code="S").sequence == "党委"


def test_person_moves_unit_from_the_effective_day(load):
    p = person_row("A")
    load({"机构": [unit_row("A"), unit_row("B")], "人员": [p]})
    load({"机构": [unit_row("A"), unit_row("B")], "人员": [{**p, "机构代码": "B"}]}, effective=dt.date(2026, 4, 1))
    a, b = Unit.objects.get(code="A").id, Unit.objects.get(code="B").id
    assert selectors.actual_by_unit_type(dt.date(2026, 3, 31)) == {(a, "行政编制"): 1}
    assert selectors.actual_by_unit_type(dt.date(2026, 4, 1)) == {(b, "行政编制"): 1}


def test_backdating_before_the_current_value_is_refused(load, workbook):
    load({"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 4}]})
    load(
        {"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 5}]},
        effective=dt.date(2026, 5, 1),
    )
    result = workbook_import(
        path=workbook({"机构": [unit_row("A")], "编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 6}]}),
        effective=dt.date(2026, 4, 1),
    )
    assert problems(result) == [("编制", 2, "核定数")]  # the first changed column (interchange.md §1)


def test_xlsx_template_like_workbook_with_extra_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("机构")
    sheet.append(["机构代码", "机构名称", "机构类型", "序列", "区划代码"])
    sheet.append(["A", "甲局", "政府工作部门", "政府", "330602"])
    path = tmp_path / "t.xlsx"
    book.save(path)
    assert workbook_import(path=path).created["机构"] == 1
