"""Tests for bianzhi.core.validators, using the standards' own examples as test vectors."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bianzhi.core.validators import (
    CREDIT_CHARSET,
    CREDIT_WEIGHTS,
    credit_check_character,
    credit_code_error,
    credit_code_warning,
    id_check_character,
    id_number_birth_date,
    id_number_error,
    id_number_gender,
    organisation_check_character,
    organisation_code_error,
    region_code_error,
    region_code_known,
    region_name,
)

STANDARD_ID = "11010519491231002X"  # GB 11643-1999 example

# ---------------------------------------------------------------------------
# GB 11643-1999
# ---------------------------------------------------------------------------


def test_standard_example_id_is_valid() -> None:
    assert id_number_error(STANDARD_ID) is None


def test_standard_example_id_birth_date_and_gender() -> None:
    assert id_number_birth_date(STANDARD_ID) == datetime.date(1949, 12, 31)
    assert id_number_gender(STANDARD_ID) == "女"


def test_gender_follows_parity_of_17th_digit() -> None:
    male_body = "11010519491231001"
    male = male_body + id_check_character(male_body)
    assert id_number_error(male) is None
    assert id_number_gender(male) == "男"
    female_body = "11010519491231008"
    assert id_number_gender(female_body + id_check_character(female_body)) == "女"


def test_check_character_of_standard_example() -> None:
    assert id_check_character(STANDARD_ID[:17]) == "X"


@pytest.mark.parametrize("last", list("0123456789"))
def test_one_character_change_in_check_digit_fails(last: str) -> None:
    assert id_number_error(STANDARD_ID[:17] + last) == "身份证号校验码错误，应为X"


def test_one_character_change_in_body_fails_naming_the_expected_check() -> None:
    # Sequence 002 → 003: the check character becomes 8 (and the holder would be male).
    changed = "11010519491231003X"
    assert id_number_error(changed) == "身份证号校验码错误，应为8"
    assert id_number_error("110105194912310038") is None


def test_lowercase_x_is_a_format_error() -> None:
    # The caller upper-cases; a lower-case x reaching the validator is malformed.
    assert id_number_error(STANDARD_ID.lower()) == "身份证号格式错误：前17位应为数字，第18位应为数字或X"


@pytest.mark.parametrize(
    "value",
    ["", "1101051949123100", "11010519491231002", "11010519491231002X0", "110105491231002"],
)
def test_wrong_length(value: str) -> None:
    assert id_number_error(value) == "身份证号应为18位（17位数字加1位校验码）"


@pytest.mark.parametrize(
    "value",
    [
        "1101051949123100X2",  # X not in last position
        "A1010519491231002X",  # letter in body
        "11010519491231002Y",  # bad check character
        "１１010519491231002X",  # full-width digits are not ASCII digits
        "110105 9491231002X",
    ],
)
def test_bad_characters(value: str) -> None:
    assert len(value) == 18
    assert id_number_error(value) == "身份证号格式错误：前17位应为数字，第18位应为数字或X"


@pytest.mark.parametrize("date_part", ["19490230", "19491301", "19490000", "19000229", "20230229"])
def test_invalid_calendar_date(date_part: str) -> None:
    body = "110105" + date_part + "002"
    value = body + id_check_character(body)  # the check character itself is right
    assert id_number_error(value) == "身份证号中的出生日期无效"


def test_leap_day_is_a_valid_date() -> None:
    body = "11010520000229002"
    assert id_number_error(body + id_check_character(body)) is None


def test_birth_date_before_1900_is_rejected() -> None:
    body = "11010518991231002"
    assert id_number_error(body + id_check_character(body)) == "身份证号中的出生日期无效（早于1900年1月1日）"
    body = "11010519000101002"
    assert id_number_error(body + id_check_character(body)) is None


def test_birth_date_after_today_is_rejected() -> None:
    today = datetime.date(2024, 6, 15)
    tomorrow = "11010520240616002"
    same_day = "11010520240615002"
    assert (
        id_number_error(tomorrow + id_check_character(tomorrow), today=today) == "身份证号中的出生日期无效（晚于今天）"
    )
    assert id_number_error(same_day + id_check_character(same_day), today=today) is None


def test_birth_date_in_the_future_uses_real_today_by_default() -> None:
    body = "11010529990101002"
    assert id_number_error(body + id_check_character(body)) == "身份证号中的出生日期无效（晚于今天）"


@pytest.mark.parametrize("body", ["1101051949123100", "1101051949123100X", "110105194912310021", "A1010519491231002"])
def test_id_check_character_rejects_malformed_body(body: str) -> None:
    with pytest.raises(ValueError):
        id_check_character(body)


@settings(database=None, max_examples=300)
@given(
    address=st.integers(min_value=0, max_value=999_999),
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today()),
    sequence=st.integers(min_value=0, max_value=999),
    replacement=st.sampled_from("0123456789X"),
)
def test_generated_ids_validate_and_any_other_check_character_fails(
    address: int, birth: datetime.date, sequence: int, replacement: str
) -> None:
    body = f"{address:06d}{birth:%Y%m%d}{sequence:03d}"
    check = id_check_character(body)
    assert check in "0123456789X"
    value = body + check
    assert id_number_error(value) is None
    assert id_number_birth_date(value) == birth
    assert id_number_gender(value) == ("男" if sequence % 2 else "女")
    if replacement != check:
        assert id_number_error(body + replacement) == f"身份证号校验码错误，应为{check}"


# ---------------------------------------------------------------------------
# GB 11714-1997
# ---------------------------------------------------------------------------


def test_organisation_code_example() -> None:
    assert organisation_check_character("M000100Y") == "4"
    assert organisation_code_error("M000100Y4") is None


def test_organisation_codes_embedded_in_credit_vectors() -> None:
    assert organisation_code_error("MA1K314J7") is None
    assert organisation_code_error("MA1K314K5") is None


def test_organisation_check_maps_10_to_x_and_11_to_0() -> None:
    # Weighted sums: "00000001" → 2 → c = 9; "00000005" → 10 → c = 1;
    # "10000000" → 3 → c = 8; "00000000" → 0 → c = 11 → "0"; "00000006" → 12 ≡ 1 → c = 10 → "X".
    assert organisation_check_character("00000001") == "9"
    assert organisation_check_character("00000005") == "1"
    assert organisation_check_character("10000000") == "8"
    assert organisation_check_character("00000000") == "0"
    assert organisation_check_character("00000006") == "X"
    assert organisation_code_error("00000006X") is None
    assert organisation_code_error("000000000") is None


def test_organisation_letters_count_from_10() -> None:
    # A = 10 at weight 3 → 30 ≡ 8 → c = 3; Z = 35 at weight 2 → 70 ≡ 4 → c = 7.
    assert organisation_check_character("A0000000") == "3"
    assert organisation_check_character("0000000Z") == "7"


@pytest.mark.parametrize("check", list("012356789X"))
def test_organisation_wrong_check(check: str) -> None:
    assert organisation_code_error("M000100Y" + check) == "组织机构代码校验码错误，应为4"


@pytest.mark.parametrize("value", ["", "M000100Y", "M000100Y43", "M000100-Y4"])
def test_organisation_wrong_length(value: str) -> None:
    assert organisation_code_error(value) == "组织机构代码应为9位（8位本体代码加1位校验码）"


@pytest.mark.parametrize("value", ["m000100Y4", "M000-00Y4", "M000100YA"])
def test_organisation_bad_characters(value: str) -> None:
    assert organisation_code_error(value) == "组织机构代码格式错误：前8位应为数字或大写字母，第9位应为数字或X"


@pytest.mark.parametrize("body", ["M000100", "M000100Y4", "m000100Y"])
def test_organisation_check_character_rejects_malformed_body(body: str) -> None:
    with pytest.raises(ValueError):
        organisation_check_character(body)


# ---------------------------------------------------------------------------
# GB 32100-2015
# ---------------------------------------------------------------------------

CREDIT_VECTORS = ["91350100M000100Y43", "91310230MA1K314J7C", "91310230MA1K314K57"]


def test_credit_weights_are_powers_of_three_mod_31() -> None:
    assert CREDIT_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert CREDIT_CHARSET == "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize("value", CREDIT_VECTORS)
def test_credit_code_vectors_are_valid(value: str) -> None:
    assert credit_code_error(value) is None
    assert credit_check_character(value[:17]) == value[17]


def test_credit_code_wrong_check_character() -> None:
    assert credit_code_error("91350100M000100Y44") == "统一社会信用代码校验码错误，应为3"
    assert credit_code_error("91310230MA1K314J7D") == "统一社会信用代码校验码错误，应为C"


def test_credit_code_weighted_sum_divisible_by_31_gives_check_zero() -> None:
    # Positions 2–17 are fixed (category 2, region 330602, organisation code 000000019); position 1
    # has weight 1, so exactly one of the 31 characters makes the weighted sum ≡ 0 (mod 31).
    tail = "2330602" + "000000019"
    assert organisation_code_error(tail[7:]) is None
    rest = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(tail, CREDIT_WEIGHTS[1:], strict=True))
    body = CREDIT_CHARSET[-rest % 31] + tail
    assert sum(CREDIT_CHARSET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True)) % 31 == 0
    assert credit_check_character(body) == "0"
    assert credit_code_error(body + "0") is None
    assert credit_code_error(body + "1") == "统一社会信用代码校验码错误，应为0"


def test_embedded_organisation_code_check_is_a_warning_not_an_error() -> None:
    # interchange.md §1: the rule is 18 characters and a valid GB 32100 check character; the GB 11714
    # check of the embedded organisation code (positions 9–17) is a stricter check, so a warning.
    # Change position 17 (the GB 11714 check, 7 → 8) and recompute the GB 32100 check so only the
    # embedded organisation code is wrong.
    body = "91310230MA1K314J8"
    value = body + credit_check_character(body)
    assert organisation_code_error(value[8:17]) is not None
    assert credit_code_error(value) is None
    assert credit_code_warning(value) == "统一社会信用代码中的组织机构代码（第9–17位）校验码错误，第17位应为7"


@pytest.mark.parametrize("value", CREDIT_VECTORS)
def test_valid_credit_codes_have_no_warning(value: str) -> None:
    assert credit_code_warning(value) is None


def test_embedded_organisation_check_letter_is_a_warning() -> None:
    # A letter other than X at position 17 can never be a GB 11714 check character.
    body = "91310230MA1K314JA"
    value = body + credit_check_character(body)
    assert credit_code_error(value) is None
    assert credit_code_warning(value) == "统一社会信用代码中的组织机构代码（第9–17位）校验码错误，第17位应为7"


def test_wrong_check_character_is_the_error_and_no_warning() -> None:
    # Both checks failing: the GB 32100 check character is the error; the cell gets no warning besides.
    value = "91310230MA1K314K67"
    assert credit_code_error(value) == "统一社会信用代码校验码错误，应为A"
    assert credit_code_warning(value) is None


@pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100m000100Y43", "9135010AM000100Y4X"])
def test_malformed_credit_codes_have_no_warning(value: str) -> None:
    assert credit_code_error(value) is not None
    assert credit_code_warning(value) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=CREDIT_CHARSET, min_size=8, max_size=8), st.sampled_from(CREDIT_CHARSET))
def test_any_organisation_check_with_a_right_gb32100_check_is_accepted(organisation: str, check: str) -> None:
    body = "91330602" + organisation + check
    value = body + credit_check_character(body)
    assert credit_code_error(value) is None
    if check == organisation_check_character(organisation):
        assert credit_code_warning(value) is None
    else:
        assert credit_code_warning(value) is not None


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_rejected(letter: str) -> None:
    value = "91350100M000100" + letter + "43"
    assert credit_code_error(value) == f"统一社会信用代码含有不允许的字符“{letter}”（不使用I、O、S、V、Z）"
    with pytest.raises(ValueError):
        credit_check_character(value[:17])


@pytest.mark.parametrize("value", ["91350100m000100Y43", "91350100M000100Y4-", "91350100M000100Y4 "])
def test_other_bad_characters_are_rejected(value: str) -> None:
    message = credit_code_error(value)
    assert message is not None
    assert message.startswith("统一社会信用代码含有不允许的字符")
    assert message.endswith("（只能使用数字和大写字母）")


@pytest.mark.parametrize("value", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_credit_code_wrong_length(value: str) -> None:
    assert credit_code_error(value) == "统一社会信用代码应为18位"


def test_credit_code_region_part_must_be_digits() -> None:
    body = "9135010AM000100Y4"
    value = body + credit_check_character(body)  # otherwise valid
    assert credit_code_error(value) == "统一社会信用代码第3–8位（登记管理机关行政区划码）应为6位数字"


@pytest.mark.parametrize("body", ["91350100M000100Y", "91350100M000100Y43", "91350100M000100y4"])
def test_credit_check_character_rejects_malformed_body(body: str) -> None:
    with pytest.raises(ValueError):
        credit_check_character(body)


# ---------------------------------------------------------------------------
# GB/T 2260
# ---------------------------------------------------------------------------


def test_current_region_code_is_known() -> None:
    assert region_code_error("330602") is None
    assert region_code_known("330602")
    assert region_name("330602") == "越城区"
    assert region_name("330600") == "绍兴市"
    assert region_name("330000") == "浙江省"


def test_historical_region_code_is_known() -> None:
    assert region_code_known("330621")
    assert region_name("330621") == "绍兴县"


def test_unknown_region_code() -> None:
    assert region_code_error("999999") is None
    assert not region_code_known("999999")
    assert region_name("999999") is None


@pytest.mark.parametrize("value", ["33060A", "3306021", "33060", "", " 330602", "３３０６０２"])
def test_malformed_region_code(value: str) -> None:
    assert region_code_error(value) == "区划代码应为6位数字"
    assert not region_code_known(value)
    assert region_name(value) is None


def test_renamed_region_uses_newest_name() -> None:
    # 361128 was 波阳县 and was renamed 鄱阳县 in 2003.
    assert region_name("361128") == "鄱阳县"


def test_region_code_only_in_latest_revision_is_known() -> None:
    assert region_name("330603") == "柯桥区"
