"""Tests for bianzhi.core.codetables (GB 3304, GB/T 4762, GB/T 4658-2006, 学位, GB/T 2261.1)."""

from __future__ import annotations

import pytest

from bianzhi.core.codetables import (
    DEGREE_NAMES,
    EDUCATION,
    EDUCATION_NAMES,
    ETHNICITY,
    ETHNICITY_NAMES,
    GENDER,
    GENDER_NAMES,
    POLITICAL_STATUS,
    POLITICAL_STATUS_NAMES,
    code_table_warning,
)


def _assert_two_digit_codes_in_order(table: dict[str, str]) -> None:
    codes = list(table)
    assert all(len(code) == 2 and code.isdigit() for code in codes)
    assert codes == sorted(codes)
    assert len(set(table.values())) == len(table), "names must be unique"


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def test_ethnicity_table_has_56_nationalities_plus_97_and_98() -> None:
    _assert_two_digit_codes_in_order(ETHNICITY)
    assert len(ETHNICITY) == 58
    assert list(ETHNICITY)[:56] == [f"{n:02d}" for n in range(1, 57)]
    assert ETHNICITY["01"] == "汉族"
    assert ETHNICITY["22"] == "畲族"
    assert ETHNICITY["56"] == "基诺族"
    assert ETHNICITY["97"] == "其他"
    assert ETHNICITY["98"] == "外国血统中国籍人士"
    assert all(name.endswith("族") for code, name in ETHNICITY.items() if int(code) <= 56)
    assert frozenset(ETHNICITY.values()) == ETHNICITY_NAMES


def test_political_status_table_has_codes_01_to_13() -> None:
    _assert_two_digit_codes_in_order(POLITICAL_STATUS)
    assert list(POLITICAL_STATUS) == [f"{n:02d}" for n in range(1, 14)]
    assert POLITICAL_STATUS["01"] == "中国共产党党员"
    assert POLITICAL_STATUS["02"] == "中国共产党预备党员"
    assert POLITICAL_STATUS["03"] == "中国共产主义青年团团员"
    assert POLITICAL_STATUS["10"] == "九三学社社员"
    assert POLITICAL_STATUS["12"] == "无党派民主人士"
    assert POLITICAL_STATUS["13"] == "群众"
    assert frozenset(POLITICAL_STATUS.values()) == POLITICAL_STATUS_NAMES


def test_education_table_uses_specific_codes_only() -> None:
    _assert_two_digit_codes_in_order(EDUCATION)
    # Category headers ("x0") are not values, except 90 其他 which has no sub-codes.
    assert {"10", "20", "30", "40", "60", "70", "80"}.isdisjoint(EDUCATION)
    assert "研究生教育" not in EDUCATION_NAMES
    assert "大学本科教育" not in EDUCATION_NAMES
    assert EDUCATION["11"] == "博士研究生毕业"
    assert EDUCATION["14"] == "硕士研究生毕业"
    assert EDUCATION["21"] == "大学本科毕业"
    assert EDUCATION["28"] == "大学普通班毕业"
    assert EDUCATION["31"] == "大学专科毕业"
    assert EDUCATION["41"] == "中等专科毕业"
    assert EDUCATION["61"] == "普通高中毕业"
    assert EDUCATION["63"] == "普通高中肄业"
    assert EDUCATION["73"] == "初中肄业"
    assert EDUCATION["83"] == "小学肄业"
    assert EDUCATION["90"] == "其他"
    assert len(EDUCATION) == 33


def test_education_names_accept_specific_and_coarse_names() -> None:
    assert frozenset(EDUCATION.values()) <= EDUCATION_NAMES
    coarse = {
        "博士研究生",
        "硕士研究生",
        "本科",
        "大专",
        "中专",
        "高中",
        "初中",
        "小学",
        "其他",
        "研究生",
        "大学本科",
        "大学专科",
    }
    assert coarse <= EDUCATION_NAMES


def test_degree_names() -> None:
    assert DEGREE_NAMES == {"博士", "硕士", "学士", "无", "博士学位", "硕士学位", "学士学位"}


def test_gender_table() -> None:
    assert GENDER == {"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"}
    assert {"男", "女", "男性", "女性"} <= GENDER_NAMES


# ---------------------------------------------------------------------------
# code_table_warning
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("民族", "汉族"),
        ("民族", "畲族"),
        ("民族", "外国血统中国籍人士"),
        ("政治面貌", "中国共产党党员"),
        ("政治面貌", "群众"),
        ("学历", "大学本科毕业"),
        ("学历", "本科"),
        ("学历", "研究生"),
        ("学历", "大学专科"),
        ("学历", "初中肄业"),
        ("学位", "学士"),
        ("学位", "硕士学位"),
        ("学位", "无"),
        ("民族", " 汉族 "),
    ],
)
def test_known_values_give_no_warning(column: str, value: str) -> None:
    assert code_table_warning(column, value) is None


def test_short_ethnicity_name_warns_with_full_name() -> None:
    assert code_table_warning("民族", "汉") == "民族“汉”不在 GB 3304 代码表中（应填全称，如“汉族”）"
    assert code_table_warning("民族", "蒙古") == "民族“蒙古”不在 GB 3304 代码表中（应填全称，如“蒙古族”）"
    assert code_table_warning("民族", "火星族") == "民族“火星族”不在 GB 3304 代码表中（应填全称，如“汉族”）"


def test_short_political_status_warns_with_full_name() -> None:
    assert (
        code_table_warning("政治面貌", "党员")
        == "政治面貌“党员”不在 GB/T 4762 代码表中（应填全称，如“中国共产党党员”）"
    )
    assert code_table_warning("政治面貌", "团员") == (
        "政治面貌“团员”不在 GB/T 4762 代码表中（应填全称，如“中国共产主义青年团团员”）"
    )
    assert (
        code_table_warning("政治面貌", "其他")
        == "政治面貌“其他”不在 GB/T 4762 代码表中（应填全称，如“中国共产党党员”）"
    )


def test_unknown_education_and_degree_warn() -> None:
    assert (
        code_table_warning("学历", "大学") == "学历“大学”不在 GB/T 4658-2006 代码表中（应填如“大学本科毕业”或“本科”）"
    )
    assert code_table_warning("学历", "研究生教育") is not None  # a category header, not a value
    assert code_table_warning("学位", "学士后") == "学位“学士后”不在学位名称表中（应为博士、硕士、学士或无）"


def test_blank_value_gives_no_warning() -> None:
    assert code_table_warning("民族", "") is None
    assert code_table_warning("学历", "  ") is None


@pytest.mark.parametrize("column", ["姓名", "性别", "职务", ""])
def test_other_columns_give_no_warning(column: str) -> None:
    assert code_table_warning(column, "汉") is None
