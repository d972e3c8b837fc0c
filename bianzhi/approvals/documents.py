"""The procedures' official documents (公文): the 核准使用编制通知单 an approval issues and the 入编通知单
of one onboarding, as ``OfficialDocument``s the pages serve as Word or PDF (bianzhi/core/documents.py)."""

from __future__ import annotations

from django.conf import settings

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.approvals.models import Onboarding, Slip, SlipKind
from bianzhi.core.dates import END
from bianzhi.core.documents import OfficialDocument
from bianzhi.registry.models import PersonVersion, UnitVersion

#: the office that issues the slips (``BIANZHI_OFFICE_NAME`` overrides it, as for the other notices)
DEFAULT_ISSUER = "机构编制委员会办公室"


def issuer() -> str:
    return str(getattr(settings, "BIANZHI_OFFICE_NAME", "") or DEFAULT_ISSUER)


def _unit_name(unit_id: int) -> str:
    return UnitVersion.objects.filter(unit_id=unit_id, valid_to=END).values_list("name", flat=True).first() or ""


def _what(slip: Slip) -> str:
    if slip.kind == SlipKind.POSITION:
        return f"{slip.position_category}领导职数 {slip.count} 名（占用{slip.staffing_type}）"
    return f"{slip.staffing_type} {slip.count} 名"


def slip_document(slip: Slip) -> OfficialDocument:
    """核准使用编制通知单 (or 核准使用职数通知单): the unit, what is approved, the slip number, the validity."""
    name = _unit_name(slip.unit_id) or slip.unit.code
    request = slip.request
    how = f"（{request.reason_kind}）" if request.reason_kind else ""
    title = "核准使用职数通知单" if slip.kind == SlipKind.POSITION else "核准使用编制通知单"
    return OfficialDocument(
        title=title,
        number=slip.document_number,
        subtitle=f"编号：{slip.number}",
        recipient=name,
        paragraphs=[
            f"你单位关于使用编制的申请收悉。经审核，同意你单位使用{_what(slip)}{how}。申请理由：{request.reason}",
            f"本通知单编号 {slip.number}，自 {slip.approved_on:%Y年%m月%d日} 起至 {slip.expires_on:%Y年%m月%d日} 有效，"
            "逾期未使用的名额自动释放，不再保留。",
            "请在有效期内持本通知单办理人员上编（入编）手续，人员进编日期应在上述有效期内；"
            "上编人员应符合所占编制类型的使用范围。",
        ],
        table=(
            ["机构代码", "机构名称", "编制类型", "职数类别", "核准数", "剩余名额", "有效期至"],
            [
                [
                    slip.unit.code,
                    name,
                    slip.staffing_type,
                    slip.position_category or "—",
                    str(slip.count),
                    str(slip.remaining),
                    slip.expires_on.isoformat(),
                ]
            ],
        ),
        issuer=issuer(),
        date=slip.approved_on,
    )


def onboarding_document(onboarding: Onboarding, *, whole: bool = True) -> OfficialDocument:
    """入编通知单 of one person put on staff against a slip; ``whole=False`` masks the ID number (a role
    that sees numbers masked, domain.md §11)."""
    slip = onboarding.slip
    name = _unit_name(slip.unit_id) or slip.unit.code
    version = (
        PersonVersion.objects.filter(person_id=onboarding.person_id, valid_from__lte=onboarding.entry_date)
        .order_by("-valid_from")
        .first()
        or PersonVersion.objects.filter(person_id=onboarding.person_id).order_by("valid_from").first()
    )
    number = onboarding.person.id_number
    shown = number if whole else mask_id_number(number)
    person_name = version.name if version else ""
    return OfficialDocument(
        title="入编通知单",
        number=slip.document_number,
        subtitle=f"依据：{slip.number}",
        recipient=name,
        paragraphs=[
            f"根据核准使用编制通知单 {slip.number}，同意 {person_name} 同志自 {onboarding.entry_date:%Y年%m月%d日} 起"
            f"进入你单位{slip.staffing_type}。",
            "请据此办理工资、社会保险等相关手续，并做好实名制信息维护。",
        ],
        table=(
            ["姓名", "身份证号", "机构", "编制类型", "职数类别", "进编日期"],
            [
                [
                    person_name,
                    shown,
                    name,
                    slip.staffing_type,
                    slip.position_category or "—",
                    onboarding.entry_date.isoformat(),
                ]
            ],
        ),
        issuer=issuer(),
        date=onboarding.created_at.date() if onboarding.created_at else onboarding.entry_date,
    )
