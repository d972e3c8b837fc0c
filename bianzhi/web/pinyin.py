"""Names in pinyin order (拼音排序), surnames read as surnames.

pypinyin (0.55) has no surname mode: ``lazy_pinyin("单")`` is ``dan`` and ``lazy_pinyin("曾")``
is ``ceng``, where a roster reads 单 Shàn and 曾 Zēng. A name's leading surname — compound ones
first (欧阳, 尉迟, 单于 …) — is therefore read from :data:`SURNAMES`, the surnames whose reading
differs from the character's everyday one, and the rest of the name with ``lazy_pinyin``.

The key of a name is cached: a people page sorts thousands of rows per request, mostly the same
names again.
"""

from __future__ import annotations

import functools

from pypinyin import Style, lazy_pinyin

#: Surnames read otherwise than their character's first reading (the 百家姓 heteronyms).
SURNAMES: dict[str, tuple[str, ...]] = {
    # compound surnames whose reading differs
    "尉迟": ("yu", "chi"),
    "单于": ("chan", "yu"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "乐正": ("yue", "zheng"),
    "令狐": ("ling", "hu"),
    "宰父": ("zai", "fu"),
    "亓官": ("qi", "guan"),
    # single surnames
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "查": ("zha",),
    "区": ("ou",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "覃": ("qin",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "乐": ("yue",),
    "召": ("shao",),
    "繁": ("po",),
    "种": ("chong",),
    "重": ("chong",),
    "秘": ("bi",),
    "员": ("yun",),
    "能": ("nai",),
    "折": ("she",),
    "华": ("hua",),
    "任": ("ren",),
    "沈": ("shen",),
    "冼": ("xian",),
    "柏": ("bai",),
    "贲": ("ben",),
    "宓": ("mi",),
    "莘": ("shen",),
    "隗": ("wei",),
    "牟": ("mou",),
    "句": ("gou",),
    "阚": ("kan",),
    "厍": ("she",),
    "长": ("chang",),
    "薄": ("bo",),
    "卜": ("bu",),
    "都": ("du",),
    "谌": ("chen",),
    "藏": ("zang",),
    "恽": ("yun",),
    "宿": ("su",),
    "燕": ("yan",),
    "纪": ("ji",),
    "葛": ("ge",),
    "尉": ("wei",),
    "蕃": ("pi",),
    "过": ("guo",),
    "殷": ("yin",),
    "车": ("che",),
    "曲": ("qu",),
    "石": ("shi",),
    "万": ("wan",),
    "和": ("he",),
    "塔": ("ta",),
    "眭": ("sui",),
    "颉": ("xie",),
}


@functools.lru_cache(maxsize=65536)
def name_pinyin(name: str) -> tuple[str, ...]:
    """The syllables of a person's name (no tones), its surname read as a surname:
    ``name_pinyin("单田芳") == ("shan", "tian", "fang")``."""
    name = name.strip()
    for length in (2, 1):
        surname = name[:length]
        if len(surname) == length and surname in SURNAMES:
            return SURNAMES[surname] + tuple(lazy_pinyin(name[length:], style=Style.NORMAL))
    return tuple(lazy_pinyin(name, style=Style.NORMAL))


def name_sort_key(name: str) -> tuple[tuple[str, ...], str]:
    """Sort key of a name in pinyin order: syllable by syllable (曾 ``zeng`` before 张 ``zhang``,
    单 ``shan`` after 沙 ``sha``), then the characters themselves, so equal readings keep one order."""
    return name_pinyin(name), name
