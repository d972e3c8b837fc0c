"""National code tables for person attributes, as ordered dicts code → name.

Tables (written from the standards' published code lists):

* 性别 GB/T 2261.1-2003
* 民族 GB 3304-1991 (56 nationalities plus 97 其他 and 98 外国血统中国籍人士)
* 政治面貌 GB/T 4762-1984 (01–13)
* 学历 GB/T 4658-2006 (the specific codes only; the "x0" category headers such as
  10 研究生教育 are not valid values for a person)
* 学位: the names used on personnel forms (GB/T 6864 codes are not reproduced)

Real-name personnel forms require full names ("汉族", not "汉"); :func:`code_table_warning`
flags values that are not in the tables.
"""

from __future__ import annotations

__all__ = [
    "DEGREE_NAMES",
    "EDUCATION",
    "EDUCATION_COARSE_NAMES",
    "EDUCATION_NAMES",
    "ETHNICITY",
    "ETHNICITY_NAMES",
    "GENDER",
    "GENDER_NAMES",
    "POLITICAL_STATUS",
    "POLITICAL_STATUS_NAMES",
    "code_table_warning",
]

#: 性别 GB/T 2261.1-2003.
GENDER: dict[str, str] = {
    "0": "未知的性别",
    "1": "男性",
    "2": "女性",
    "9": "未说明的性别",
}
#: Gender names, including the short forms "男"/"女" used on forms and by the ID-number parser.
GENDER_NAMES: frozenset[str] = frozenset(GENDER.values()) | {"男", "女"}

#: 民族 GB 3304-1991 (two-digit numeric codes).
ETHNICITY: dict[str, str] = {
    "01": "汉族",
    "02": "蒙古族",
    "03": "回族",
    "04": "藏族",
    "05": "维吾尔族",
    "06": "苗族",
    "07": "彝族",
    "08": "壮族",
    "09": "布依族",
    "10": "朝鲜族",
    "11": "满族",
    "12": "侗族",
    "13": "瑶族",
    "14": "白族",
    "15": "土家族",
    "16": "哈尼族",
    "17": "哈萨克族",
    "18": "傣族",
    "19": "黎族",
    "20": "傈僳族",
    "21": "佤族",
    "22": "畲族",
    "23": "高山族",
    "24": "拉祜族",
    "25": "水族",
    "26": "东乡族",
    "27": "纳西族",
    "28": "景颇族",
    "29": "柯尔克孜族",
    "30": "土族",
    "31": "达斡尔族",
    "32": "仫佬族",
    "33": "羌族",
    "34": "布朗族",
    "35": "撒拉族",
    "36": "毛南族",
    "37": "仡佬族",
    "38": "锡伯族",
    "39": "阿昌族",
    "40": "普米族",
    "41": "塔吉克族",
    "42": "怒族",
    "43": "乌孜别克族",
    "44": "俄罗斯族",
    "45": "鄂温克族",
    "46": "德昂族",
    "47": "保安族",
    "48": "裕固族",
    "49": "京族",
    "50": "塔塔尔族",
    "51": "独龙族",
    "52": "鄂伦春族",
    "53": "赫哲族",
    "54": "门巴族",
    "55": "珞巴族",
    "56": "基诺族",
    "97": "其他",
    "98": "外国血统中国籍人士",
}
ETHNICITY_NAMES: frozenset[str] = frozenset(ETHNICITY.values())

#: 政治面貌 GB/T 4762-1984 (two-digit codes 01–13).
POLITICAL_STATUS: dict[str, str] = {
    "01": "中国共产党党员",
    "02": "中国共产党预备党员",
    "03": "中国共产主义青年团团员",
    "04": "中国国民党革命委员会会员",
    "05": "中国民主同盟盟员",
    "06": "中国民主建国会会员",
    "07": "中国民主促进会会员",
    "08": "中国农工民主党党员",
    "09": "中国致公党党员",
    "10": "九三学社社员",
    "11": "台湾民主自治同盟盟员",
    "12": "无党派民主人士",
    "13": "群众",
}
POLITICAL_STATUS_NAMES: frozenset[str] = frozenset(POLITICAL_STATUS.values())

#: 学历 GB/T 4658-2006, specific codes (category headers 10, 20, 30, 40, 60, 70, 80 omitted;
#: 90 其他 has no sub-codes and is itself a value).
EDUCATION: dict[str, str] = {
    "11": "博士研究生毕业",
    "12": "博士研究生结业",
    "13": "博士研究生肄业",
    "14": "硕士研究生毕业",
    "15": "硕士研究生结业",
    "16": "硕士研究生肄业",
    "17": "研究生班毕业",
    "18": "研究生班结业",
    "19": "研究生班肄业",
    "21": "大学本科毕业",
    "22": "大学本科结业",
    "23": "大学本科肄业",
    "28": "大学普通班毕业",
    "31": "大学专科毕业",
    "32": "大学专科结业",
    "33": "大学专科肄业",
    "41": "中等专科毕业",
    "42": "中等专科结业",
    "43": "中等专科肄业",
    "44": "职业高中毕业",
    "45": "职业高中结业",
    "46": "职业高中肄业",
    "47": "技工学校毕业",
    "48": "技工学校结业",
    "49": "技工学校肄业",
    "61": "普通高中毕业",
    "62": "普通高中结业",
    "63": "普通高中肄业",
    "71": "初中毕业",
    "73": "初中肄业",
    "81": "小学毕业",
    "83": "小学肄业",
    "90": "其他",
}
#: Coarse education levels used on real-name personnel forms, accepted alongside the GB codes.
EDUCATION_COARSE_NAMES: frozenset[str] = frozenset(
    {
        "博士研究生",
        "硕士研究生",
        "研究生",
        "大学本科",
        "本科",
        "大学专科",
        "大专",
        "中专",
        "高中",
        "初中",
        "小学",
        "其他",
    }
)
EDUCATION_NAMES: frozenset[str] = frozenset(EDUCATION.values()) | EDUCATION_COARSE_NAMES

#: 学位 names used on personnel forms ("无" = no degree), with the long forms "博士学位" etc.
DEGREE_NAMES: frozenset[str] = frozenset({"博士", "硕士", "学士", "无", "博士学位", "硕士学位", "学士学位"})

# Common short forms of 政治面貌 seen in ledgers, mapped to the full GB/T 4762 name for the hint.
_POLITICAL_STATUS_SHORT_FORMS: dict[str, str] = {
    "党员": "中国共产党党员",
    "中共党员": "中国共产党党员",
    "预备党员": "中国共产党预备党员",
    "中共预备党员": "中国共产党预备党员",
    "团员": "中国共产主义青年团团员",
    "共青团员": "中国共产主义青年团团员",
    "民革": "中国国民党革命委员会会员",
    "民革会员": "中国国民党革命委员会会员",
    "民盟": "中国民主同盟盟员",
    "民盟盟员": "中国民主同盟盟员",
    "民建": "中国民主建国会会员",
    "民建会员": "中国民主建国会会员",
    "民进": "中国民主促进会会员",
    "民进会员": "中国民主促进会会员",
    "农工党": "中国农工民主党党员",
    "农工党党员": "中国农工民主党党员",
    "致公党": "中国致公党党员",
    "致公党党员": "中国致公党党员",
    "九三学社": "九三学社社员",
    "台盟": "台湾民主自治同盟盟员",
    "台盟盟员": "台湾民主自治同盟盟员",
    "无党派": "无党派民主人士",
    "无党派人士": "无党派民主人士",
}


def _ethnicity_hint(value: str) -> str:
    full = f"{value}族"
    if full in ETHNICITY_NAMES:
        return f"应填全称，如“{full}”"
    return "应填全称，如“汉族”"


def _political_status_hint(value: str) -> str:
    full = _POLITICAL_STATUS_SHORT_FORMS.get(value)
    if full is not None:
        return f"应填全称，如“{full}”"
    return "应填全称，如“中国共产党党员”"


def code_table_warning(column: str, value: str) -> str | None:
    """Return a Chinese warning when ``value`` is not a known name in the code table for ``column``.

    Columns checked: "民族" (GB 3304), "政治面貌" (GB/T 4762), "学历" (GB/T 4658-2006 or a coarse
    level such as "本科") and "学位". Any other column returns ``None``. Surrounding whitespace
    is ignored, and a blank value returns ``None`` (whether the field is required is a separate
    rule).
    """
    text = value.strip()
    if not text:
        return None
    if column == "民族":
        if text in ETHNICITY_NAMES:
            return None
        return f"民族“{text}”不在 GB 3304 代码表中（{_ethnicity_hint(text)}）"
    if column == "政治面貌":
        if text in POLITICAL_STATUS_NAMES:
            return None
        return f"政治面貌“{text}”不在 GB/T 4762 代码表中（{_political_status_hint(text)}）"
    if column == "学历":
        if text in EDUCATION_NAMES:
            return None
        return f"学历“{text}”不在 GB/T 4658-2006 代码表中（应填如“大学本科毕业”或“本科”）"
    if column == "学位":
        if text in DEGREE_NAMES:
            return None
        return f"学位“{text}”不在学位名称表中（应为博士、硕士、学士或无）"
    return None
