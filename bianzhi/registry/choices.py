"""Enumerations of the standard workbook (interchange.md §1). Values are the Chinese terms themselves."""

from __future__ import annotations

from django.db import models


class UnitKind(models.TextChoices):
    PARTY_ORGAN = "党委工作机关", "党委工作机关"
    DISCIPLINE = "纪检监察机关", "纪检监察机关"
    GOVERNMENT_DEPARTMENT = "政府工作部门", "政府工作部门"
    DEPARTMENT_AGENCY = "部门管理机构", "部门管理机构"
    DISPATCHED = "派出机构", "派出机构"
    TOWNSHIP = "乡镇街道", "乡镇街道"
    CONGRESS = "人大机关", "人大机关"
    CPPCC = "政协机关", "政协机关"
    COURT = "审判机关", "审判机关"
    PROCURATORATE = "检察机关", "检察机关"
    MASS_ORGANISATION = "群团机关", "群团机关"
    DEMOCRATIC_PARTY = "民主党派机关", "民主党派机关"
    COORDINATION = "议事协调机构", "议事协调机构"
    PUBLIC_INSTITUTION = "事业单位", "事业单位"
    INTERNAL_DIVISION = "内设机构", "内设机构"


class Sequence(models.TextChoices):
    PARTY = "党委", "党委"
    CONGRESS = "人大", "人大"
    GOVERNMENT = "政府", "政府"
    CPPCC = "政协", "政协"
    COURT = "法院", "法院"
    PROCURATORATE = "检察院", "检察院"
    MASS = "群团", "群团"
    DEMOCRATIC_PARTIES = "民主党派", "民主党派"
    TOWNSHIP = "乡镇街道", "乡镇街道"


class Rank(models.TextChoices):
    BUREAU = "正厅级", "正厅级"
    DEPUTY_BUREAU = "副厅级", "副厅级"
    DIVISION = "正处级", "正处级"
    DEPUTY_DIVISION = "副处级", "副处级"
    SECTION = "正科级", "正科级"
    DEPUTY_SECTION = "副科级", "副科级"
    STOCK = "股级", "股级"
    UNGRADED = "不定级", "不定级"


class InstitutionClass(models.TextChoices):
    PUBLIC_WELFARE_1 = "公益一类", "公益一类"
    PUBLIC_WELFARE_2 = "公益二类", "公益二类"
    COMMERCIAL = "生产经营类", "生产经营类"
    UNCLASSIFIED = "暂未分类", "暂未分类"


class Funding(models.TextChoices):
    FULL = "财政全额", "财政全额"
    PARTIAL = "财政差额", "财政差额"
    SELF = "自收自支", "自收自支"


class PriorityTag(models.TextChoices):
    CENTRAL = "中心工作", "中心工作"
    LIVELIHOOD = "民生保障", "民生保障"
    TALENT = "高层次人才", "高层次人才"


class StaffingType(models.TextChoices):
    ADMINISTRATIVE = "行政编制", "行政编制"
    POLITICAL_LEGAL = "政法专项编制", "政法专项编制"
    INSTITUTIONAL = "事业编制", "事业编制"
    WORKER = "工勤编制", "工勤编制"


class PositionCategory(models.TextChoices):
    HEAD = "正职", "正职"
    DEPUTY = "副职", "副职"
    DIVISION_HEAD = "内设机构正职", "内设机构正职"
    DIVISION_DEPUTY = "内设机构副职", "内设机构副职"


class LoanStatus(models.TextChoices):
    IN_USE = "使用中", "使用中"
    RETURNED = "已回收", "已回收"


class LimitCategory(models.TextChoices):
    PARTY_GOVERNMENT = "党政机构", "党政机构"
    PUBLIC_INSTITUTION = "事业单位", "事业单位"


#: Unit kinds counted by each limit category (domain.md §4 over_limit).
LIMIT_KINDS: dict[str, tuple[str, ...]] = {
    LimitCategory.PARTY_GOVERNMENT: (UnitKind.PARTY_ORGAN, UnitKind.GOVERNMENT_DEPARTMENT),
    LimitCategory.PUBLIC_INSTITUTION: (UnitKind.PUBLIC_INSTITUTION,),
}


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class PersonCategory(models.TextChoices):
    CIVIL_SERVANT = "公务员", "公务员"
    REFERENCE_MANAGED = "参公人员", "参公人员"
    INSTITUTION_MANAGER = "事业管理人员", "事业管理人员"
    INSTITUTION_PROFESSIONAL = "事业专业技术人员", "事业专业技术人员"
    INSTITUTION_WORKER = "事业工勤人员", "事业工勤人员"
    ORGAN_WORKER = "机关工勤人员", "机关工勤人员"


class PersonStatus(models.TextChoices):
    ON_STAFF = "在编", "在编"
    RETIRED = "退休", "退休"
    TRANSFERRED_OUT = "调出", "调出"
    RESIGNED = "辞职", "辞职"
    DISMISSED = "辞退", "辞退"
    EXPELLED = "开除", "开除"
    DECEASED = "死亡", "死亡"


ORIGINAL_RETIREMENT_AGES = (50, 55, 60)
