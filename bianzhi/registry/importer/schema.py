"""The columns of each sheet of the standard workbook (interchange.md §1), declared once.

The import, the blank template and the exports all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

from bianzhi.registry.choices import (
    Funding,
    Gender,
    InstitutionClass,
    LimitCategory,
    LoanStatus,
    PersonCategory,
    PersonStatus,
    PositionCategory,
    Rank,
    Sequence,
    StaffingType,
    UnitKind,
)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # text | date | month | int | enum | id | bool | tags
    required: bool = False  # the header must be present and every cell filled
    choices: tuple[str, ...] = ()
    note: str = ""
    max_length: int | None = None  # text columns: the stored field's length


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column:
        for col in self.columns:
            if col.field == field:
                return col
        raise KeyError(field)

    @property
    def by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}


def _values(choices) -> tuple[str, ...]:
    return tuple(choices.values)


UNITS = SheetSpec(
    "机构",
    (
        Column("机构代码", "code", "text", True, note="必填，1–32 位字母、数字或“-”，文件内唯一"),
        Column("机构名称", "name", "text", True, note="必填，全称", max_length=200),
        Column("统一社会信用代码", "credit_code", "text", note="18 位，符合 GB 32100-2015"),
        Column("上级机构代码", "parent", "text", note="内设机构必填；须为文件中或已有的机构"),
        Column("机构类型", "kind", "enum", True, _values(UnitKind)),
        Column("序列", "own_sequence", "enum", choices=_values(Sequence), note="无上级机构时必填，否则继承上级"),
        Column("机构规格", "rank", "enum", choices=_values(Rank)),
        Column("事业单位类别", "institution_class", "enum", choices=_values(InstitutionClass), note="仅事业单位填写"),
        Column("参公", "civil_servant_managed", "bool", choices=("是", "否"), note="是 / 否，默认否"),
        Column("经费形式", "funding", "enum", choices=_values(Funding)),
        Column("区划代码", "own_region", "text", note="6 位数字（GB/T 2260）；无上级机构时必填，否则继承上级"),
        Column("核定内设机构数", "approved_divisions", "int", note="整数 ≥ 0"),
        Column("重点领域", "priority_tags", "tags", choices=("中心工作", "民生保障", "高层次人才"), note="以、;,分隔"),
        Column("成立日期", "established", "date", note="日期"),
        Column("撤销日期", "abolished", "date", note="日期，晚于成立日期"),
    ),
)

QUOTAS = SheetSpec(
    "编制",
    (
        Column("机构代码", "unit", "text", True, note="已有或文件中的机构，不能是内设机构"),
        Column("编制类型", "staffing_type", "enum", True, _values(StaffingType)),
        Column("核定数", "approved", "int", True, note="整数 ≥ 0"),
    ),
)

POSITIONS = SheetSpec(
    "职数",
    (
        Column("机构代码", "unit", "text", True, note="已有或文件中的机构，不能是内设机构"),
        Column("职数类别", "category", "enum", True, _values(PositionCategory)),
        Column("核定数", "approved", "int", True, note="整数 ≥ 0"),
    ),
)

LOANS = SheetSpec(
    "周转编制",
    (
        Column("机构代码", "unit", "text", True, note="已有或文件中的机构，不能是内设机构"),
        Column("编制类型", "staffing_type", "enum", True, _values(StaffingType)),
        Column("数量", "quantity", "int", True, note="整数 > 0"),
        Column("使用日期", "start_date", "date", True),
        Column("回收日期", "due_date", "date", True, note="晚于使用日期"),
        Column("状态", "status", "enum", True, _values(LoanStatus)),
        Column(
            "实际回收日期", "returned_date", "date", note="已回收的周转编制实际收回的日期；不早于使用日期、不晚于今天"
        ),
    ),
)

LIMITS = SheetSpec(
    "限额",
    (
        Column("区划代码", "region", "text", True, note="6 位数字"),
        Column("限额类别", "category", "enum", True, _values(LimitCategory)),
        Column("限额数", "limit", "int", True, note="整数 ≥ 0"),
    ),
)

PEOPLE = SheetSpec(
    "人员",
    (
        Column("身份证号", "id_number", "id", True, note="文本格式，18 位，校验码正确"),
        Column("姓名", "name", "text", True, max_length=64),
        Column("性别", "gender", "enum", True, _values(Gender), note="须与身份证号第17位一致"),
        Column("出生日期", "birth_date", "date", True, note="须与身份证号中的出生日期一致"),
        Column("民族", "ethnicity", "text", note="GB 3304 全称，如 汉族", max_length=32),
        Column("政治面貌", "political_status", "text", note="GB/T 4762 名称", max_length=32),
        Column("学历", "education", "text", note="GB/T 4658 名称", max_length=32),
        Column("学位", "degree", "text", max_length=32),
        Column("职称", "title", "text", max_length=64),
        Column("人员类别", "category", "enum", True, _values(PersonCategory)),
        Column("机构代码", "unit", "text", True, note="占用其编制的机构，不能是内设机构"),
        Column("内设机构代码", "internal_division", "text", note="上级为该机构的内设机构"),
        Column("编制类型", "staffing_type", "enum", True, _values(StaffingType)),
        Column("职务", "post", "text", max_length=100),
        Column("职数类别", "position_category", "enum", choices=_values(PositionCategory)),
        Column("进编日期", "entry_date", "date"),
        Column("人员状态", "status", "enum", True, _values(PersonStatus)),
        Column("离编日期", "left_date", "date", note="不早于进编日期；在编人员忽略"),
        Column("核销日期", "written_off_date", "date", note="不早于离编日期"),
        Column("原退休年龄", "original_age", "int", choices=("50", "55", "60"), note="50、55 或 60"),
        Column(
            "批准退休年月",
            "approved_retirement_month",
            "month",
            note="弹性退休批准的退休年月（提前或延迟）；在 [max(法定退休年月 − 36 个月, 原退休年龄到达之月), "
            "法定退休年月 + 36 个月] 之内",
        ),
    ),
)

SHEETS: tuple[SheetSpec, ...] = (UNITS, QUOTAS, POSITIONS, LOANS, LIMITS, PEOPLE)
SHEET_BY_NAME = {s.name: s for s in SHEETS}
