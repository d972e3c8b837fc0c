"""The register's history holds (issue 12; interchange.md §1 "Dates and periods"): a re-import run
with ``--effective`` changes what holds from that day and leaves every earlier day as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import person_row, unit_row

from bianzhi.core.models import ChangeSet
from bianzhi.registry import selectors
from bianzhi.registry.models import PersonVersion, Unit

pytestmark = pytest.mark.django_db

EFFECTIVE = dt.date(2026, 4, 15)
BEFORE, AFTER = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


def _units() -> list[dict]:
    return [unit_row("A"), unit_row("B")]


def _quotas() -> list[dict]:
    return [
        {"机构代码": "A", "编制类型": "行政编制", "核定数": 10},
        {"机构代码": "B", "编制类型": "行政编制", "核定数": 10},
    ]


def _actual(day: dt.date) -> dict[str, int]:
    codes = dict(Unit.objects.values_list("id", "code"))
    return {codes[u]: n for (u, t), n in selectors.actual_by_unit_type(day).items() if t == "行政编制"}


def _on_staff(day: dt.date) -> set[str]:
    return set(selectors.people_on_staff(day).values_list("person__id_number", flat=True))


def _version(number: str, day: dt.date) -> PersonVersion:
    return PersonVersion.objects.filter(PersonVersion.as_of(day)).get(person__id_number=number)


def test_the_worked_examples_of_a_re_import_with_effective(load):
    """interchange.md §1: first import without --effective, then a re-import --effective 2026-04-15."""
    retiring = person_row("A", birth=dt.date(1966, 1, 1), 进编日期="1990-01-01")
    leaving = person_row("A", birth=dt.date(1980, 1, 1), 进编日期="2005-01-01")
    moving = person_row("A", birth=dt.date(1982, 2, 2), 进编日期="2006-01-01")
    staying = person_row("A", birth=dt.date(1984, 3, 3))
    load({"机构": _units(), "编制": _quotas(), "人员": [retiring, leaving, moving, staying]})
    newcomer = person_row("B", birth=dt.date(1988, 4, 4), 进编日期="2010-09-01")
    result = load(
        {
            "机构": _units(),
            "编制": [*_quotas(), {"机构代码": "A", "编制类型": "工勤编制", "核定数": 1}],
            "人员": [
                {**retiring, "人员状态": "退休"},
                {**leaving, "人员状态": "调出", "离编日期": "2026-01-31"},
                {**moving, "机构代码": "B"},
                staying,
                newcomer,
            ],
        },
        effective=EFFECTIVE,
    )
    # 在编 → 退休 without 离编日期: on staff before, gone from --effective, with a warning.
    assert retiring["身份证号"] in _on_staff(BEFORE)
    assert retiring["身份证号"] not in _on_staff(AFTER)
    assert _version(retiring["身份证号"], AFTER).left_on == EFFECTIVE
    assert _version(retiring["身份证号"], AFTER).left_date is None  # the implied day is not written in
    assert [w for w in result.warnings if w["column"] == "离编日期"] == [
        {
            "sheet": "人员",
            "row": 2,
            "column": "离编日期",
            "message": "人员状态由在编改为退休而未填离编日期，按生效日期 2026-04-15 离编",
        }
    ]
    # 在编 → 调出 with 离编日期 2026-01-31: gone on both days, on staff before January's end.
    assert leaving["身份证号"] not in _on_staff(BEFORE) | _on_staff(AFTER)
    assert leaving["身份证号"] in _on_staff(dt.date(2026, 1, 30))
    # A → B: counted in A before, in B after.
    assert _version(moving["身份证号"], BEFORE).unit.code == "A"
    assert _version(moving["身份证号"], AFTER).unit.code == "B"
    # A new person with 进编日期 2010-09-01: on staff on both days (and from 2010 on).
    assert newcomer["身份证号"] in _on_staff(BEFORE) & _on_staff(AFTER)
    assert newcomer["身份证号"] in _on_staff(dt.date(2010, 9, 1))
    assert newcomer["身份证号"] not in _on_staff(dt.date(2010, 8, 31))
    # The figures: A had retiring, moving, staying (and leaving until 01-31) before.
    assert _actual(BEFORE) == {"A": 3, "B": 1}
    assert _actual(AFTER) == {"A": 1, "B": 2}
    assert _actual(dt.date(2025, 12, 31)) == {"A": 4, "B": 1}
    # A new 工勤编制 quota of 1 for A: 0 before, 1 after.
    codes = dict(Unit.objects.values_list("code", "id"))
    assert selectors.approved_by_unit_type(BEFORE).get((codes["A"], "工勤编制"), 0) == 0
    assert selectors.approved_by_unit_type(AFTER)[(codes["A"], "工勤编制")] == 1


def test_a_later_quota_does_not_count_before_its_effective_day(load):
    """Found: a 工勤编制 quota added by a later import --effective 2026-11-01 counted on 2026-06-30."""
    load({"机构": _units(), "编制": _quotas()})
    load(
        {"机构": _units(), "编制": [{"机构代码": "A", "编制类型": "工勤编制", "核定数": 2}]},
        effective=dt.date(2026, 11, 1),
    )
    a = Unit.objects.get(code="A").pk
    assert (a, "工勤编制") not in selectors.approved_by_unit_type(dt.date(2026, 6, 30))
    assert selectors.approved_by_unit_type(dt.date(2026, 11, 1))[(a, "工勤编制")] == 2


def test_a_unit_created_with_effective_exists_from_that_day_or_its_establishment(load):
    load({"机构": _units()})
    load(
        {"机构": [unit_row("C"), unit_row("D", 成立日期="2020-03-01")]},
        effective=dt.date(2026, 4, 15),
    )
    listed = set(selectors.unit_codes_as_of(dt.date(2026, 4, 1)).values())
    assert listed == {"A", "B", "D"}
    assert set(selectors.unit_codes_as_of(dt.date(2026, 4, 15)).values()) == {"A", "B", "C", "D"}


def test_status_and_dates_shown_as_of_a_past_day(load):
    """Found: the unit page as of 2025-01-01 showed a person who left in 2025-07 as 调出."""
    person = person_row("A", 进编日期="2010-01-01", 人员状态="调出", 离编日期="2025-07-01")
    load({"机构": _units(), "人员": [person]})
    past = _version(person["身份证号"], dt.date(2025, 1, 1))
    assert past.status_on(dt.date(2025, 1, 1)) == "在编"
    assert past.status_on(dt.date(2025, 7, 1)) == "调出"


def test_a_re_entry_keeps_the_earlier_spell(load):
    person = person_row("A", 进编日期="2010-01-01", 人员状态="调出", 离编日期="2020-06-30")
    load({"机构": _units(), "人员": [person]})
    load(
        {"机构": _units(), "人员": [{**person, "人员状态": "在编", "进编日期": "2026-03-01", "离编日期": ""}]},
        effective=EFFECTIVE,
    )
    number = person["身份证号"]
    assert number in _on_staff(dt.date(2015, 1, 1))  # the first spell
    assert number not in _on_staff(dt.date(2023, 1, 1))  # gone between the spells
    assert number in _on_staff(dt.date(2026, 3, 1))  # back from the new 进编日期
    assert _version(number, dt.date(2015, 1, 1)).entry_date == dt.date(2010, 1, 1)
    latest = _version(number, AFTER)
    assert (latest.status, latest.entry_date, latest.left_date, latest.left_on) == (
        "在编",
        dt.date(2026, 3, 1),
        None,
        None,
    )


def test_correcting_a_departure_day_moves_it_for_every_day(load):
    person = person_row("A", 进编日期="2010-01-01")
    load({"机构": _units(), "人员": [person]})
    load({"机构": _units(), "人员": [{**person, "人员状态": "调出", "离编日期": "2026-03-31"}]}, effective=EFFECTIVE)
    number = person["身份证号"]
    assert number in _on_staff(dt.date(2026, 3, 30))
    # A correction of the own date (interchange.md §1: logged, not a new period).
    load({"机构": _units(), "人员": [{**person, "人员状态": "调出", "离编日期": "2026-02-28"}]}, effective=AFTER)
    assert number not in _on_staff(dt.date(2026, 3, 1))
    assert number in _on_staff(dt.date(2026, 2, 27))
    assert {v.left_on for v in PersonVersion.objects.filter(person__id_number=number)} == {dt.date(2026, 2, 28)}


def test_an_unchanged_re_import_with_effective_writes_nothing(load):
    sheets = {"机构": _units(), "编制": _quotas(), "人员": [person_row("A", 进编日期="2010-01-01")]}
    load(sheets)
    before = ChangeSet.objects.count()
    result = load(sheets, effective=EFFECTIVE)
    assert ChangeSet.objects.count() == before
    assert sum(result.updated.values()) == 0 and sum(result.created.values()) == 0


def test_a_person_created_without_entry_date_by_a_dated_import_exists_from_that_day(load):
    load({"机构": _units()})
    person = person_row("A")
    load({"机构": _units(), "人员": [person]}, effective=EFFECTIVE)
    assert person["身份证号"] not in _on_staff(BEFORE)
    assert person["身份证号"] in _on_staff(EFFECTIVE)


def test_the_same_through_the_fast_lane(load, settings):
    """The column-wise lane (large rosters) places a dated creation the same way."""
    settings.IMPORT_COLUMNAR_MIN_ROWS = 1
    load({"机构": _units()})
    dated = person_row("A", 进编日期="2010-09-01")
    undated = person_row("A", birth=dt.date(1990, 1, 1))
    gone = {**person_row("A", birth=dt.date(1970, 1, 1), 进编日期="2000-01-01"), "人员状态": "调出"}
    gone["离编日期"] = "2025-07-01"
    load({"机构": _units(), "人员": [dated, undated, gone]}, effective=EFFECTIVE)
    assert dated["身份证号"] in _on_staff(BEFORE)
    assert undated["身份证号"] not in _on_staff(BEFORE)
    assert undated["身份证号"] in _on_staff(EFFECTIVE)
    assert _version(gone["身份证号"], EFFECTIVE).left_on == dt.date(2025, 7, 1)


def _loan(status: str = "使用中", **extra) -> dict:
    return {
        "机构代码": "A",
        "编制类型": "行政编制",
        "数量": 2,
        "使用日期": "2023-06-01",
        "回收日期": "2026-05-31",
        "状态": status,
        **extra,
    }


def _loaned(day: dt.date) -> int:
    return sum(selectors.loans_in_use_by_unit_type(day).values())


def test_a_loan_returned_on_its_actual_return_day(load):
    """interchange.md §1: 使用中 → 已回收 with 实际回收日期 2026-03-31: in use on neither day."""
    load({"机构": _units(), "周转编制": [_loan()]})
    load({"机构": _units(), "周转编制": [_loan("已回收", 实际回收日期="2026-03-31")]}, effective=EFFECTIVE)
    assert (_loaned(BEFORE), _loaned(AFTER)) == (0, 0)
    assert _loaned(dt.date(2026, 3, 30)) == 2
    assert _loaned(dt.date(2025, 1, 1)) == 2  # found: it counted 0 as of 2025-01-01


def test_a_loan_returned_without_a_day_goes_back_on_effective(load):
    load({"机构": _units(), "周转编制": [_loan()]})
    load({"机构": _units(), "周转编制": [_loan("已回收")]}, effective=EFFECTIVE)
    assert (_loaned(BEFORE), _loaned(AFTER)) == (2, 0)


def test_a_loan_first_imported_as_returned_went_back_on_its_due_date(load):
    load({"机构": _units(), "周转编制": [_loan("已回收")]})
    assert _loaned(dt.date(2026, 5, 30)) == 2
    assert _loaned(dt.date(2026, 5, 31)) == 0
    assert _loaned(dt.date(2023, 5, 31)) == 0  # not lent yet


def test_a_loan_set_back_to_in_use_clears_its_return(load):
    load({"机构": _units(), "周转编制": [_loan("已回收", 实际回收日期="2026-03-31")]})
    load({"机构": _units(), "周转编制": [_loan()]}, effective=EFFECTIVE)
    from bianzhi.registry.models import TurnoverLoan

    assert set(TurnoverLoan.objects.values_list("returned_date", "returned_on")) == {(None, None)}
    assert _loaned(AFTER) == 2


@pytest.mark.parametrize(
    ("status", "returned", "message"),
    [
        ("使用中", "2026-03-31", "状态为使用中的周转编制不应填写实际回收日期"),
        ("已回收", "2023-05-31", "实际回收日期 2023-05-31 不应早于使用日期 2023-06-01"),
        ("已回收", "2199-01-01", "实际回收日期 2199-01-01 不应晚于今天"),
    ],
)
def test_the_actual_return_day_is_checked(load, status, returned, message):
    result = load({"机构": _units(), "周转编制": [_loan(status, 实际回收日期=returned)]}, expect_ok=False)
    assert result.errors == [{"sheet": "周转编制", "row": 2, "column": "实际回收日期", "message": message}]


def test_the_unit_page_lists_the_loans_of_that_day(load, django_user_model):
    """Found: a loan starting 2024-05 was listed as of 2024-01-01; a returned loan showed 已回收 before."""
    from bianzhi.web import selectors as web

    load({"机构": _units(), "周转编制": [_loan(), _loan(使用日期="2024-05-01", 回收日期="2027-05-01")]})
    load({"机构": _units(), "周转编制": [_loan("已回收", 实际回收日期="2026-03-31")]}, effective=EFFECTIVE)
    unit = Unit.objects.get(code="A")
    admin = django_user_model.objects.create_superuser("root", password="x")

    def listed(day: dt.date) -> list[tuple]:
        loans = web.loan_list(user=admin, unit=unit, day=day)
        return sorted((loan.start_date.isoformat(), loan.status_on(day)) for loan in loans)

    assert listed(dt.date(2024, 1, 1)) == [("2023-06-01", "使用中")]
    assert listed(dt.date(2025, 1, 1)) == [("2023-06-01", "使用中"), ("2024-05-01", "使用中")]
    assert listed(AFTER) == [("2023-06-01", "已回收"), ("2024-05-01", "使用中")]


def test_an_effective_day_before_the_latest_change_is_refused_on_the_first_changed_column(load):
    person = person_row("A", 进编日期="2010-01-01")
    load({"机构": _units(), "编制": _quotas(), "人员": [person]})
    load({"机构": _units(), "编制": [{**_quotas()[0], "核定数": 12}]}, effective=EFFECTIVE)
    load({"机构": _units(), "人员": [{**person, "职务": "科员"}]}, effective=EFFECTIVE)
    result = load(
        {
            "机构": _units(),
            "编制": [{**_quotas()[0], "核定数": 11}],
            "人员": [{**person, "职务": "科长", "编制类型": "工勤编制"}],
        },
        effective=dt.date(2026, 4, 1),
        expect_ok=False,
    )
    message = "生效日期早于该记录最近一次变更（2026-04-15），不能倒签"
    assert result.errors == [
        {"sheet": "编制", "row": 2, "column": "核定数", "message": message},
    ]
    # The people are checked once the other sheets pass: the same error, on the first changed column.
    result = load(
        {"机构": _units(), "人员": [{**person, "职务": "科长", "编制类型": "工勤编制"}]},
        effective=dt.date(2026, 4, 1),
        expect_ok=False,
    )
    assert result.errors == [{"sheet": "人员", "row": 2, "column": "编制类型", "message": message}]
    # Equal to it, the latest period is amended in place.
    load({"机构": _units(), "人员": [{**person, "职务": "科长"}]}, effective=EFFECTIVE)
    assert [v.post for v in PersonVersion.objects.order_by("valid_from")] == ["", "科长"]


def test_a_stored_parent_cannot_become_an_internal_division(load):
    """Found: a unit that is a stored parent could be turned into a 内设机构 by a re-import that leaves
    its children out of the file."""
    load({"机构": [unit_row("A"), unit_row("AS", "事业单位", 上级机构代码="A")]})
    for dry_run in (True, False):
        result = load(
            {"机构": [unit_row("A", "内设机构", 上级机构代码="B"), unit_row("B")]}, expect_ok=False, dry_run=dry_run
        )
        assert result.errors == [
            {
                "sheet": "机构",
                "row": 2,
                "column": "机构类型",
                "message": "机构“A”是AS等 1 个机构的上级机构，不能改为内设机构",
            }
        ]
    assert Unit.objects.get(code="A").versions.get().kind == "政府工作部门"


@pytest.mark.parametrize(
    ("sheet", "row", "held"),
    [
        ("编制", {"机构代码": "A", "编制类型": "行政编制", "核定数": 3}, "核定编制"),
        ("职数", {"机构代码": "A", "职数类别": "正职", "核定数": 1}, "核定职数"),
        ("人员", person_row("A"), "人员 1 名"),
    ],
)
def test_a_unit_holding_staffing_or_people_cannot_become_an_internal_division(load, sheet, row, held):
    load({"机构": [unit_row("A"), unit_row("B")], sheet: [row]})
    result = load({"机构": [unit_row("A", "内设机构", 上级机构代码="B")]}, expect_ok=False)
    assert result.errors == [
        {
            "sheet": "机构",
            "row": 2,
            "column": "机构类型",
            "message": f"机构“A”仍有{held}，不能改为内设机构（内设机构不占编制）",
        }
    ]


def test_a_class_cannot_stay_on_a_unit_that_is_no_longer_a_public_institution(load):
    load({"机构": [unit_row("A"), unit_row("S", "事业单位", 上级机构代码="A", 事业单位类别="公益一类")]})
    # The class column left out keeps the stored class: reported on 事业单位类别 even so.
    result = load({"机构": [unit_row("S", "政府工作部门", 序列="政府", 区划代码="330602")]}, expect_ok=False)
    assert result.errors == [
        {
            "sheet": "机构",
            "row": 2,
            "column": "事业单位类别",
            "message": "机构“S”将为政府工作部门，不是事业单位，不能保留事业单位类别“公益一类”（请清除该类别）",
        }
    ]
    # Cleared in the same file, the change is fine.
    load({"机构": [unit_row("S", "政府工作部门", 序列="政府", 区划代码="330602", 事业单位类别="")]})


def test_the_report_lists_every_value_a_stale_workbook_would_change(load):
    """Found: confirming an import said “将更新 1” and nothing more, so a stale workbook silently
    reverted a committee's quota change. The report lists each value with since when and by which
    change set (文号) the stored value holds — on a dry run too."""
    person = person_row("A", 进编日期="2010-01-01", 职务="")
    stale = {"机构": _units(), "编制": _quotas(), "人员": [person]}
    load(stale)
    decided = load(
        {"机构": _units(), "编制": [{**_quotas()[0], "核定数": 12}], "人员": [{**person, "职务": "科长"}]},
        effective=EFFECTIVE,
        document_number="越编〔2026〕5号",
    )
    for dry_run in (True, False):
        result = load(stale, dry_run=dry_run, effective=AFTER)
        assert result.as_json()["changes"] == [
            {
                "sheet": "编制",
                "row": 2,
                "key": "A/行政编制",
                "column": "核定数",
                "stored": 12,
                "new": 10,
                "stored_since": "2026-04-15",
                "change_set": decided.change_set_id,
                "document_number": "越编〔2026〕5号",
            },
            {
                "sheet": "人员",
                "row": 2,
                "key": person["身份证号"],
                "column": "职务",
                "stored": "科长",
                "new": None,
                "stored_since": "2026-04-15",
                "change_set": decided.change_set_id,
                "document_number": "越编〔2026〕5号",
            },
        ]
        assert result.as_json()["changes_omitted"] == 0


def test_changes_are_capped_per_sheet_and_column(load, monkeypatch):
    from bianzhi.registry.importer import changes

    monkeypatch.setattr(changes, "CAP", 1)
    load({"机构": _units(), "编制": _quotas()})
    result = load({"机构": _units(), "编制": [{**q, "核定数": 3} for q in _quotas()]}, dry_run=True)
    assert [(c["key"], c["column"]) for c in result.changes] == [("A/行政编制", "核定数")]
    assert result.changes_omitted == 1


def test_a_single_sheet_imports_when_its_units_are_stored(load, tmp_path):
    """interchange.md §1 "A single sheet": `bianzhi import 编制.csv`, a folder or zip without 机构, and an
    .xlsx without it import when every unit they name is stored."""
    import zipfile

    from conftest import write_csv_folder, write_xlsx

    from bianzhi.registry.services import workbook_import

    load({"机构": _units()})
    folder = write_csv_folder(tmp_path / "only", {"编制": [{"机构代码": "A", "编制类型": "行政编制", "核定数": 4}]})
    result = workbook_import(path=folder / "编制.csv", effective=EFFECTIVE)
    assert result.ok and result.created["编制"] == 1, result.errors
    result = workbook_import(path=folder, effective=EFFECTIVE, dry_run=True)
    assert result.ok and result.unchanged["编制"] == 1
    archive = tmp_path / "only.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(folder / "编制.csv", "编制.csv")
    assert workbook_import(path=archive, dry_run=True).ok
    book = write_xlsx(tmp_path / "only.xlsx", {"编制": [{"机构代码": "B", "编制类型": "行政编制", "核定数": 2}]})
    assert workbook_import(path=book, effective=EFFECTIVE).created["编制"] == 1
    # A unit that is not stored is the usual four-key error; a file with no sheet of the contract, row 0.
    unknown = write_xlsx(tmp_path / "unknown.xlsx", {"编制": [{"机构代码": "Z", "编制类型": "行政编制", "核定数": 1}]})
    assert [(e["sheet"], e["row"], e["column"]) for e in workbook_import(path=unknown).errors] == [
        ("编制", 2, "机构代码")
    ]
    import openpyxl

    other_book = openpyxl.Workbook()
    other_book.active.title = "说明"
    other_book.active.append(["填表说明"])
    other = tmp_path / "other.xlsx"
    other_book.save(other)
    assert [(e["row"], e["message"][:10]) for e in workbook_import(path=other).errors] == [(0, "文件中没有标准工作表")]


def test_a_status_filter_looks_at_the_status_of_that_day(load, django_user_model):
    """The people lists filter by 人员状态 as of the day viewed, as they show it."""
    from bianzhi.api import selectors as api

    gone = person_row("A", 进编日期="2010-01-01", 人员状态="调出", 离编日期="2025-07-01")
    load({"机构": _units(), "人员": [gone]})
    admin = django_user_model.objects.create_superuser("root2", password="x")

    def listed(day: dt.date, status: str) -> list[str]:
        people = api.person_version_list(user=admin, day=day, status=status)
        return [v.person.id_number for v in people]

    assert listed(dt.date(2025, 1, 1), "在编") == [gone["身份证号"]]
    assert listed(dt.date(2025, 1, 1), "调出") == []
    assert listed(dt.date(2025, 7, 1), "调出") == [gone["身份证号"]]
    assert listed(dt.date(2025, 7, 1), "在编") == []


def test_the_pages_and_the_api_show_the_status_of_that_day(load, django_user_model):
    """Found: the unit page as of 2025-01-01 showed a person who left in 2025-07 with status 调出."""
    from bianzhi.api.routes.people import person_out
    from bianzhi.web import selectors as web

    gone = person_row("A", 进编日期="2010-01-01", 人员状态="调出", 离编日期="2025-07-01")
    load({"机构": _units(), "人员": [gone]})
    admin = django_user_model.objects.create_superuser("root3", password="x")
    version = _version(gone["身份证号"], dt.date(2025, 1, 1))
    for day, status, left in ((dt.date(2025, 1, 1), "在编", None), (dt.date(2025, 7, 1), "调出", dt.date(2025, 7, 1))):
        row = web.person_row(user=admin, version=version, day=day, unit_names={})
        assert (row["status"], row["left_date"]) == (status, left)
        shown = person_out(version, day, admin, {})
        assert (shown["status"], shown["on_staff"], shown["left_date"]) == (status, status == "在编", left)
