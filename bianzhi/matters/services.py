"""机构编制事项: the writes (architecture.md "Where code goes" 1 and 5).

One service per transition; each checks the role and the current state, writes a ``MatterStep``
(who, when, from → to, opinion) and records the change in the change log. Execution writes the
change to the register through ``registry.services.rows_import`` — the import's validation,
effective dating (no backdating before the latest period, interchange.md §1) and change log — with
the matter's 文号, and keeps the values it replaced so a correction (撤销更正) can restore them.

Roles (domain.md §11): 编办管理员 and 编办业务人员 draft, submit, review, countersign, return and
execute; 领导 (and the administrator) decide; everyone else reads.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import Action, can, roles_of
from bianzhi.core.changelog import change_context, display_name, record_change
from bianzhi.core.dates import END, today
from bianzhi.matters.models import STATE_ORDER, Countersign, Matter, MatterKind, MatterState, MatterStep
from bianzhi.registry.choices import PositionCategory, Rank, StaffingType, UnitKind
from bianzhi.registry.models import (
    PersonVersion,
    PositionQuota,
    StaffingQuota,
    TurnoverLoan,
    Unit,
    UnitVersion,
)
from bianzhi.registry.selectors import suspension_in_force
from bianzhi.registry.services import rows_import

logger = logging.getLogger(__name__)

#: kinds whose execution adds staffing or positions to a unit: refused while it is suspended (domain.md §9)
ADDING_KINDS = {MatterKind.ADD_STAFFING, MatterKind.TRANSFER, MatterKind.MERGE, MatterKind.POSITIONS}
#: a placeholder for the day a correction takes effect, inside a stored inverse
EFFECTIVE = "__effective__"


class MatterRefused(Exception):
    """A refused step: ``status`` and ``code`` as the API answers them, a Chinese ``message``, and the
    register's ``problems`` when the import refused the change."""

    def __init__(self, status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        super().__init__(message)


# ---------------------------------------------------------------- who may do what


def may_drive(user: Any) -> bool:
    """编办管理员 and 编办业务人员 drive matters (district-wide ``Action.CHANGE``)."""
    return can(user, Action.CHANGE)


def may_decide(user: Any) -> bool:
    """领导 decide matters (domain.md §11), and the administrator, who may do everything."""
    return any(role in (Role.LEADER, Role.ADMIN) for role, _ in roles_of(user))


def _require_drive(user: Any) -> None:
    if not may_drive(user):
        raise MatterRefused(403, "forbidden", "无权办理机构编制事项：需要编办管理员或编办业务人员角色")


def _require_state(matter: Matter, *states: str, doing: str) -> None:
    if matter.state not in states:
        allowed = "、".join(str(MatterState(s).label) for s in states)
        raise MatterRefused(
            409,
            "invalid_state",
            f"事项 #{matter.pk} 当前为“{matter.get_state_display()}”，不能{doing}（仅在{allowed}状态下可以）",
        )


# ---------------------------------------------------------------- the change, by kind


def _code(change: dict[str, Any], key: str, label: str, *, day: dt.date, division: bool | None = False) -> Unit:
    """The stored unit named by ``change[key]``; ``division`` True: must be a 内设机构, False: must not."""
    code = str(change.get(key) or "").strip()
    if not code:
        raise MatterRefused(422, "invalid_change", f"变更内容缺少{label}（{key}）")
    unit = Unit.objects.filter(code=code).first()
    version = _version(unit) if unit else None
    if unit is None or version is None:
        raise MatterRefused(422, "invalid_change", f"{label} {code} 不存在")
    if division is True and version.kind != UnitKind.INTERNAL_DIVISION:
        raise MatterRefused(422, "invalid_change", f"{label} {code} 不是内设机构")
    if division is False and version.kind == UnitKind.INTERNAL_DIVISION:
        raise MatterRefused(422, "invalid_change", f"{label} {code} 是内设机构，不能作为此类事项的对象")
    return unit


def _count(change: dict[str, Any], key: str, label: str, *, positive: bool = True) -> int:
    value = change.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0) or value > 999_999:
        raise MatterRefused(422, "invalid_change", f"{label}（{key}）应为{'正' if positive else '非负'}整数")
    return value


def _choice(change: dict[str, Any], key: str, label: str, values: Iterable[str]) -> str:
    value = str(change.get(key) or "")
    values = list(values)
    if value not in values:
        raise MatterRefused(422, "invalid_change", f"{label}（{key}）应为以下之一：{'、'.join(values)}")
    return value


def _new_unit_row(change: dict[str, Any], *, kind_required: bool = True) -> dict[str, Any]:
    row = change.get("unit")
    if not isinstance(row, dict):
        raise MatterRefused(
            422, "invalid_change", "变更内容缺少新机构的机构信息（unit：机构代码、机构名称、机构类型…）"
        )
    row = {str(k): v for k, v in row.items() if v not in (None, "")}
    for header in ("机构代码", "机构名称") + (("机构类型",) if kind_required else ()):
        if not row.get(header):
            raise MatterRefused(422, "invalid_change", f"新机构缺少“{header}”")
    if Unit.objects.filter(code=row["机构代码"]).exists():
        raise MatterRefused(422, "invalid_change", f"机构代码 {row['机构代码']} 已存在，不能重复设立")
    return row


def _quota_list(change: dict[str, Any], key: str, column: str, values: Iterable[str]) -> list[dict[str, Any]]:
    items = change.get(key) or []
    if not isinstance(items, list):
        raise MatterRefused(422, "invalid_change", f"{key} 应为列表")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise MatterRefused(422, "invalid_change", f"{key} 的每一项应为对象")
        out.append(
            {column: _choice(item, column, column, values), "核定数": _count(item, "核定数", "核定数", positive=False)}
        )
    return out


def validate_change(kind: str, change: dict[str, Any], *, amends: Matter | None = None) -> list[Unit]:
    """Check the shape of ``change`` for ``kind`` and return the stored units it involves.

    Shapes (codes are 机构代码; new units are rows of the 机构 sheet keyed by its headers):
    设立 ``{"unit": {…}, "staffing": [{"编制类型", "核定数"}], "positions": [{"职数类别", "核定数"}]}``;
    撤销 ``{"unit"}``; 合并 ``{"target", "merged": [codes]}``; 分设 ``{"source", "unit": {…},
    "staffing": [...], "positions": [...], "people": [身份证号]}`` (moved from the source); 更名
    ``{"unit", "name"}``; 调整规格 ``{"unit", "rank"}``; 职责调整 ``{"unit", "functions"}``; 增编 / 减编
    ``{"unit", "staffing_type", "delta"}``; 划转编制 ``{"from", "to", "staffing_type", "count"}``;
    调整职数 ``{"unit", "category", "count"}``; 增设内设机构 ``{"unit", "division": {"机构代码", "机构名称"}}``;
    撤销内设机构 ``{"division"}``; 撤销更正 ``{"replacement": null or the amended change of the original's kind}``.
    """
    if not isinstance(change, dict):
        raise MatterRefused(422, "invalid_change", "变更内容应为 JSON 对象")
    day = today()
    staffing_types, categories = StaffingType.values, PositionCategory.values
    if kind == MatterKind.ESTABLISH:
        row = _new_unit_row(change)
        _choice(row, "机构类型", "机构类型", UnitKind.values)
        _quota_list(change, "staffing", "编制类型", staffing_types)
        _quota_list(change, "positions", "职数类别", categories)
        parent = row.get("上级机构代码")
        return [_code({"p": parent}, "p", "上级机构", day=day)] if parent else []
    if kind == MatterKind.ABOLISH:
        return [_code(change, "unit", "撤销的机构", day=day)]
    if kind == MatterKind.MERGE:
        target = _code(change, "target", "合并后的机构", day=day)
        merged = change.get("merged")
        if not isinstance(merged, list) or not merged:
            raise MatterRefused(422, "invalid_change", "合并事项须列出被合并的机构（merged）")
        units = [_code({"m": code}, "m", "被合并的机构", day=day) for code in merged]
        if target in units or len(set(units)) != len(units):
            raise MatterRefused(422, "invalid_change", "被合并的机构不能重复，也不能包括合并后的机构")
        return [target, *units]
    if kind == MatterKind.SPLIT:
        source = _code(change, "source", "分设出的原机构", day=day)
        row = _new_unit_row(change)
        _choice(row, "机构类型", "机构类型", [k for k in UnitKind.values if k != UnitKind.INTERNAL_DIVISION])
        _quota_list(change, "staffing", "编制类型", staffing_types)
        _quota_list(change, "positions", "职数类别", categories)
        people = change.get("people") or []
        if not isinstance(people, list):
            raise MatterRefused(422, "invalid_change", "people 应为身份证号列表")
        return [source]
    if kind == MatterKind.RENAME:
        unit = _code(change, "unit", "更名的机构", day=day, division=None)
        if not str(change.get("name") or "").strip() or len(str(change["name"])) > 200:
            raise MatterRefused(422, "invalid_change", "更名事项须给出新名称（name，最多 200 字）")
        return [unit]
    if kind == MatterKind.RERANK:
        unit = _code(change, "unit", "调整规格的机构", day=day)
        _choice(change, "rank", "机构规格", Rank.values)
        return [unit]
    if kind == MatterKind.FUNCTIONS:
        unit = _code(change, "unit", "调整职责的机构", day=day)
        if not str(change.get("functions") or "").strip():
            raise MatterRefused(422, "invalid_change", "职责调整事项须写明调整的职责（functions）")
        return [unit]
    if kind in (MatterKind.ADD_STAFFING, MatterKind.REDUCE_STAFFING):
        unit = _code(change, "unit", "机构", day=day)
        _choice(change, "staffing_type", "编制类型", staffing_types)
        _count(change, "delta", "增减数")
        return [unit]
    if kind == MatterKind.TRANSFER:
        source = _code(change, "from", "划出编制的机构", day=day)
        target = _code(change, "to", "划入编制的机构", day=day)
        if source == target:
            raise MatterRefused(422, "invalid_change", "划出与划入的机构不能相同")
        _choice(change, "staffing_type", "编制类型", staffing_types)
        _count(change, "count", "划转数")
        return [source, target]
    if kind == MatterKind.POSITIONS:
        unit = _code(change, "unit", "机构", day=day)
        _choice(change, "category", "职数类别", categories)
        _count(change, "count", "核定职数", positive=False)
        return [unit]
    if kind == MatterKind.ADD_DIVISION:
        unit = _code(change, "unit", "内设机构所属的机构", day=day)
        division = change.get("division")
        if not isinstance(division, dict) or not division.get("机构代码") or not division.get("机构名称"):
            raise MatterRefused(422, "invalid_change", "增设内设机构须给出 division：机构代码、机构名称")
        if Unit.objects.filter(code=division["机构代码"]).exists():
            raise MatterRefused(422, "invalid_change", f"机构代码 {division['机构代码']} 已存在")
        return [unit]
    if kind == MatterKind.REMOVE_DIVISION:
        return [_code(change, "division", "撤销的内设机构", day=day, division=True)]
    if kind == MatterKind.CORRECTION:
        if amends is None:
            raise MatterRefused(422, "invalid_change", "撤销更正须指明所更正的事项")
        replacement = change.get("replacement")
        units = list(amends.units.all())
        if replacement:
            units += validate_change(amends.kind, replacement)
        return list(dict.fromkeys(units))
    raise MatterRefused(422, "invalid_change", f"未知的事项类型：{kind}")


# ---------------------------------------------------------------- workflow


def _step(matter: Matter, user: Any, action: str, before: str, opinion: str = "") -> MatterStep:
    """Store the transition and log it (who, when, before → after, opinion)."""
    step = MatterStep.objects.create(
        matter=matter,
        action=action,
        from_state=before,
        to_state=matter.state,
        user=user if getattr(user, "pk", None) else None,
        actor=display_name(user) if user is not None else "",
        opinion=opinion,
    )
    record_change(
        entity="机构编制事项",
        key=str(matter.pk),
        before={"状态": MatterState(before).label} if before else None,
        after={"状态": matter.get_state_display(), "操作": action, "意见": opinion},
    )
    return step


def _locked(matter: Matter) -> Matter:
    return Matter.objects.select_for_update().get(pk=matter.pk)


def _notify(**kwargs: Any) -> None:
    """notify() of bianzhi.core.notifications, when it is installed (another helper adds it)."""
    try:
        from bianzhi.core.notifications import notify  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return
    try:
        notify(**kwargs)
    except Exception:  # a notice must never undo the step that caused it
        logger.exception("通知发送失败")


def _url(matter: Matter) -> str:
    return f"/matters/{matter.pk}/"


def _countersigns(matter: Matter, offices: Iterable[str]) -> None:
    wanted = list(dict.fromkeys(o.strip()[:100] for o in offices if o and o.strip()))
    matter.countersigns.exclude(office__in=wanted).filter(signed=False).delete()
    for office in wanted:
        Countersign.objects.get_or_create(matter=matter, office=office)


@transaction.atomic
def matter_create(
    *,
    user: Any,
    kind: str,
    title: str,
    change: dict[str, Any],
    effective: dt.date | None = None,
    document_number: str = "",
    major: bool = False,
    basis: str = "",
    countersign_offices: Iterable[str] = (),
) -> Matter:
    """A new matter in 草稿 (draft), by an officer or the administrator."""
    _require_drive(user)
    if kind == MatterKind.CORRECTION:
        raise MatterRefused(422, "invalid_change", "撤销更正事项只能从已执行的事项发起（amend）")
    if kind not in MatterKind.values:
        raise MatterRefused(422, "invalid_change", f"未知的事项类型：{kind}")
    units = validate_change(kind, change)
    with change_context(source="service", user=user, reason=f"拟稿：{title}", document_number=document_number):
        matter = Matter.objects.create(
            kind=kind,
            title=title.strip(),
            change=change,
            effective=effective,
            document_number=document_number.strip(),
            major=major,
            basis=basis,
            created_by=user if getattr(user, "pk", None) else None,
        )
        matter.units.set(units)
        _countersigns(matter, countersign_offices)
        _step(matter, user, "拟稿", "")
    return matter


@transaction.atomic
def matter_update(
    *,
    matter: Matter,
    user: Any,
    title: str,
    change: dict[str, Any],
    effective: dt.date | None = None,
    document_number: str = "",
    major: bool = False,
    basis: str = "",
    countersign_offices: Iterable[str] = (),
    reason: str | None = None,
) -> Matter:
    """Edit a draft (only in 草稿: a submitted matter is returned first)."""
    _require_drive(user)
    matter = _locked(matter)
    _require_state(matter, MatterState.DRAFT, doing="修改")
    units = validate_change(matter.kind, change, amends=matter.amends)
    with change_context(source="service", user=user, reason=f"修改草稿：{title}", document_number=document_number):
        before = {"标题": matter.title, "变更内容": matter.change, "文号": matter.document_number}
        matter.title, matter.change, matter.effective = title.strip(), change, effective
        matter.document_number, matter.major, matter.basis = document_number.strip(), major, basis
        if reason is not None and matter.kind == MatterKind.CORRECTION:
            if not reason.strip():
                raise MatterRefused(422, "reason_required", "撤销更正须写明理由")
            matter.reason = reason.strip()
        matter.save()
        matter.units.set(units)
        _countersigns(matter, countersign_offices)
        record_change(
            entity="机构编制事项",
            key=str(matter.pk),
            before=before,
            after={"标题": matter.title, "变更内容": matter.change, "文号": matter.document_number},
        )
    return matter


def _transition(
    matter: Matter, user: Any, *, to: str, action: str, opinion: str = "", document_number: str = ""
) -> Matter:
    before = matter.state
    with change_context(
        source="service",
        user=user,
        reason=opinion or f"{action}：{matter.title}",
        document_number=document_number or matter.document_number,
    ):
        matter.state = to
        matter.save(update_fields=["state", "updated_at", "decided_by_body"])
        _step(matter, user, action, before, opinion)
    return matter


@transaction.atomic
def matter_submit(*, matter: Matter, user: Any, opinion: str = "") -> Matter:
    """草稿 → 已提交, by an officer; the office's officers are notified."""
    _require_drive(user)
    matter = _locked(matter)
    _require_state(matter, MatterState.DRAFT, doing="提交")
    validate_change(matter.kind, matter.change, amends=matter.amends)
    _transition(matter, user, to=MatterState.SUBMITTED, action="提交", opinion=opinion)
    _notify(
        roles=[Role.OFFICER], title=f"机构编制事项待审核：{matter.title}", url=_url(matter), kind="matter", exclude=user
    )
    return matter


@transaction.atomic
def matter_review(*, matter: Matter, user: Any, opinion: str) -> Matter:
    """已提交 → 已审核 (编办 review, with its opinion), ready for the decision."""
    _require_drive(user)
    matter = _locked(matter)
    _require_state(matter, MatterState.SUBMITTED, doing="审核")
    return _transition(matter, user, to=MatterState.REVIEWED, action="审核", opinion=opinion)


@transaction.atomic
def matter_countersign(
    *, matter: Matter, user: Any, office: str, opinion: str = "", agreed: bool = True
) -> Countersign:
    """会签: record one office's countersignature (while submitted or reviewed)."""
    _require_drive(user)
    matter = _locked(matter)
    _require_state(matter, MatterState.SUBMITTED, MatterState.REVIEWED, doing="会签")
    row = matter.countersigns.select_for_update().filter(office=office.strip()).first()
    if row is None:
        offices = "、".join(matter.countersigns.values_list("office", flat=True)) or "无"
        raise MatterRefused(404, "not_found", f"事项 #{matter.pk} 没有“{office}”的会签（须会签的单位：{offices}）")
    if row.signed:
        raise MatterRefused(
            409, "already_signed", f"“{row.office}”已于 {timezone.localtime(row.signed_at):%Y-%m-%d %H:%M} 会签"
        )
    with change_context(source="service", user=user, reason=f"会签：{row.office}"):
        row.signed, row.agreed, row.opinion = True, agreed, opinion
        row.signed_by = user if getattr(user, "pk", None) else None
        row.actor = display_name(user)
        row.signed_at = timezone.now()
        row.save()
        record_change(
            entity="机构编制事项会签",
            key=f"{matter.pk}/{row.office}",
            before={"已会签": False},
            after={"已会签": True, "同意": agreed, "意见": opinion},
        )
    return row


@transaction.atomic
def matter_decide(*, matter: Matter, user: Any, approve: bool, opinion: str = "") -> Matter:
    """已审核 → 已决定 (approved) or 未通过 (not approved), by a leader for the 编委 (党委 when major).
    Every countersignature must be in first."""
    if not may_decide(user):
        raise MatterRefused(403, "forbidden", "无权作出决定：需要领导或编办管理员角色")
    matter = _locked(matter)
    _require_state(matter, MatterState.REVIEWED, doing="作出决定")
    pending = list(matter.countersigns.filter(signed=False).values_list("office", flat=True))
    if pending:
        raise MatterRefused(409, "countersign_pending", f"尚有单位未会签：{'、'.join(pending)}，不能作出决定")
    matter.decided_by_body = matter.decision_body
    to = MatterState.DECIDED if approve else MatterState.REJECTED
    _transition(
        matter, user, to=to, action=f"{matter.decision_body}决定{'通过' if approve else '不通过'}", opinion=opinion
    )
    if matter.created_by is not None:
        _notify(
            recipients=[matter.created_by],
            title=f"机构编制事项{'已决定通过' if approve else '未通过'}：{matter.title}",
            body=opinion,
            url=_url(matter),
            kind="matter",
        )
    return matter


@transaction.atomic
def matter_return(*, matter: Matter, user: Any, to_state: str, opinion: str) -> Matter:
    """Send a matter back to any earlier step, with a mandatory opinion. Officers return from any
    step before execution; a leader returns a matter awaiting its decision."""
    matter = _locked(matter)
    leader_only = may_decide(user) and not may_drive(user)
    if not (may_drive(user) or may_decide(user)):
        raise MatterRefused(403, "forbidden", "无权退回事项：需要编办管理员、编办业务人员或领导角色")
    _require_state(matter, MatterState.SUBMITTED, MatterState.REVIEWED, MatterState.DECIDED, doing="退回")
    if leader_only and matter.state != MatterState.REVIEWED:
        raise MatterRefused(403, "forbidden", "领导只能退回待决定（已审核）的事项")
    if not opinion.strip():
        raise MatterRefused(422, "opinion_required", "退回须写明意见")
    earlier = STATE_ORDER[: STATE_ORDER.index(MatterState(matter.state))]
    if to_state not in earlier:
        allowed = "、".join(str(s.label) for s in earlier)
        raise MatterRefused(422, "invalid_target", f"只能退回到此前的步骤：{allowed}")
    _transition(matter, user, to=to_state, action=f"退回至{MatterState(to_state).label}", opinion=opinion)
    if matter.created_by is not None:
        _notify(
            recipients=[matter.created_by],
            title=f"机构编制事项被退回：{matter.title}",
            body=opinion,
            url=_url(matter),
            kind="matter",
        )
    return matter


@transaction.atomic
def matter_withdraw(*, matter: Matter, user: Any, opinion: str = "") -> Matter:
    """撤回 by its author, before the decision."""
    matter = _locked(matter)
    if matter.created_by_id is None or matter.created_by_id != getattr(user, "pk", None):
        raise MatterRefused(403, "forbidden", "只有拟稿人可以撤回事项")
    _require_state(matter, MatterState.DRAFT, MatterState.SUBMITTED, MatterState.REVIEWED, doing="撤回")
    return _transition(matter, user, to=MatterState.WITHDRAWN, action="撤回", opinion=opinion)


@transaction.atomic
def matter_amend(
    *,
    matter: Matter,
    user: Any,
    reason: str,
    title: str = "",
    replacement: dict[str, Any] | None = None,
    effective: dt.date | None = None,
    document_number: str = "",
) -> Matter:
    """撤销更正: a new matter that cancels an executed one and, with ``replacement`` (a change of the
    original's kind), applies the amended change instead. The reason is mandatory."""
    _require_drive(user)
    matter = _locked(matter)
    _require_state(matter, MatterState.EXECUTED, doing="撤销更正")
    if not reason.strip():
        raise MatterRefused(422, "reason_required", "撤销更正须写明理由")
    open_correction = matter.corrections.exclude(state__in=[MatterState.REJECTED, MatterState.WITHDRAWN]).first()
    if open_correction is not None:
        raise MatterRefused(
            409,
            "already_corrected",
            f"事项 #{matter.pk} 已有撤销更正事项 #{open_correction.pk}（{open_correction.get_state_display()}）",
        )
    change = {"replacement": replacement or None}
    with change_context(source="service", user=user, reason=reason, document_number=document_number):
        correction = Matter.objects.create(
            kind=MatterKind.CORRECTION,
            title=(title or f"撤销更正：{matter.title}").strip()[:200],
            change=change,
            effective=effective,
            document_number=document_number.strip(),
            major=matter.major,
            amends=matter,
            reason=reason.strip(),
            created_by=user if getattr(user, "pk", None) else None,
        )
        correction.units.set(validate_change(MatterKind.CORRECTION, change, amends=matter))
        _step(correction, user, f"拟稿（撤销更正 #{matter.pk}）", "", reason.strip())
    return correction


# ---------------------------------------------------------------- execution


def _version(unit: Unit) -> UnitVersion | None:
    return UnitVersion.objects.filter(unit=unit, valid_to=END).select_related("parent").first()


def _stored_quota(code: str, staffing_type: str) -> int:
    found = StaffingQuota.objects.filter(unit__code=code, staffing_type=staffing_type, valid_to=END).first()
    return found.approved if found else 0


class _Plan:
    """The rows an execution writes (``sheets``, keyed per sheet by the row's key) and the stored
    values they replace (``inverse``), both keyed by the workbook's headers. ``base`` overlays stored
    values (a correction's replacement is computed on the register as the inverse leaves it)."""

    def __init__(self, effective: dt.date, base: dict[str, dict[str, dict[str, Any]]] | None = None) -> None:
        self.effective = effective
        self.base = base or {}
        self.sheets: dict[str, dict[str, dict[str, Any]]] = {}
        self.inverse: dict[str, dict[str, dict[str, Any]]] = {}
        self.adds_to: set[str] = set()  # codes of units that gain staffing or positions

    # reading
    def quota(self, code: str, staffing_type: str) -> int:
        for rows in (self.sheets, self.base):
            row = rows.get("编制", {}).get(f"{code}/{staffing_type}")
            if row is not None:
                return int(row["核定数"])
        found = StaffingQuota.objects.filter(unit__code=code, staffing_type=staffing_type, valid_to=END).first()
        return found.approved if found else 0

    def quotas(self, code: str) -> dict[str, int]:
        stored = dict(
            StaffingQuota.objects.filter(unit__code=code, valid_to=END).values_list("staffing_type", "approved")
        )
        return {t: self.quota(code, t) for t in stored}

    def position(self, code: str, category: str) -> int:
        for rows in (self.sheets, self.base):
            row = rows.get("职数", {}).get(f"{code}/{category}")
            if row is not None:
                return int(row["核定数"])
        found = PositionQuota.objects.filter(unit__code=code, category=category, valid_to=END).first()
        return found.approved if found else 0

    def positions(self, code: str) -> dict[str, int]:
        stored = dict(PositionQuota.objects.filter(unit__code=code, valid_to=END).values_list("category", "approved"))
        return {c: self.position(code, c) for c in stored}

    # writing
    def put(self, sheet: str, key: str, row: dict[str, Any], inverse: dict[str, Any] | None) -> None:
        self.sheets.setdefault(sheet, {}).setdefault(key, {}).update(row)
        if inverse is not None:
            self.inverse.setdefault(sheet, {}).setdefault(key, inverse)

    def set_quota(self, code: str, staffing_type: str, approved: int) -> None:
        if approved < 0:
            raise MatterRefused(
                422,
                "invalid_change",
                f"机构 {code} 的{staffing_type}核定数为 {self.quota(code, staffing_type)}，不足以减少",
            )
        before = _stored_quota(code, staffing_type)
        if approved > before:
            self.adds_to.add(code)
        row = {"机构代码": code, "编制类型": staffing_type, "核定数": approved}
        self.put("编制", f"{code}/{staffing_type}", row, {**row, "核定数": before})

    def set_position(self, code: str, category: str, approved: int) -> None:
        found = PositionQuota.objects.filter(unit__code=code, category=category, valid_to=END).first()
        before = found.approved if found else 0
        if approved > before:
            self.adds_to.add(code)
        row = {"机构代码": code, "职数类别": category, "核定数": approved}
        self.put("职数", f"{code}/{category}", row, {**row, "核定数": before})

    def unit(self, code: str, **changes: Any) -> None:
        """A stored unit's row with ``changes`` (headers → values; ``None`` clears)."""
        unit = Unit.objects.get(code=code)
        version = _version(unit)
        if version is None:
            raise MatterRefused(422, "invalid_change", f"机构 {code} 没有现行的机构信息")
        stored: dict[str, Any] = {
            "机构名称": version.name,
            "上级机构代码": version.parent.code if version.parent else None,
            "机构规格": version.rank or None,
            "撤销日期": unit.abolished.isoformat() if unit.abolished else None,
        }
        base = self.base.get("机构", {}).get(code, {})
        ident = {"机构代码": code, "机构类型": version.kind, "机构名称": base.get("机构名称", version.name)}
        if version.parent:
            ident["上级机构代码"] = base.get("上级机构代码", version.parent.code)
        self.put("机构", code, {**ident, **changes}, {**ident, **{h: stored.get(h) for h in changes}})

    def new_unit(self, row: dict[str, Any]) -> None:
        code = row["机构代码"]
        created = {**row, "成立日期": self.effective.isoformat()}
        ident = {h: created.get(h) for h in ("机构代码", "机构名称", "机构类型", "上级机构代码") if created.get(h)}
        self.put("机构", code, created, {**ident, "撤销日期": EFFECTIVE})

    def move_person(self, version: PersonVersion, to: str) -> None:
        number = version.person.id_number
        row = {
            "身份证号": number,
            "姓名": version.name,
            "性别": version.gender,
            "出生日期": version.birth_date.isoformat(),
            "人员类别": version.category,
            "编制类型": version.staffing_type,
            "人员状态": version.status,
        }
        before = {
            **row,
            "机构代码": version.unit.code,
            "内设机构代码": version.internal_division.code if version.internal_division else None,
        }
        self.put("人员", number, {**row, "机构代码": to, "内设机构代码": None}, before)


def _people_of(code: str, day: dt.date) -> list[PersonVersion]:
    """People on staff in the unit on the latest period (as the register stands, and on ``day``)."""
    return list(
        PersonVersion.objects.filter(unit__code=code, valid_to=END)
        .filter(PersonVersion.on_staff_on(day))
        .select_related("person", "unit", "internal_division")
    )


def _children(code: str) -> list[str]:
    return list(
        UnitVersion.objects.filter(parent__code=code, valid_to=END)
        .filter(Unit.active_on(today(), prefix="unit__"))
        .values_list("unit__code", flat=True)
    )


def _plan(kind: str, change: dict[str, Any], plan: _Plan) -> None:
    """Fill ``plan`` with the rows that apply ``change`` (validated) on ``plan.effective``."""
    day = plan.effective
    if kind == MatterKind.ESTABLISH:
        plan.new_unit(change["unit"])
        code = change["unit"]["机构代码"]
        for item in change.get("staffing") or []:
            plan.set_quota(code, item["编制类型"], item["核定数"])
        for item in change.get("positions") or []:
            plan.set_position(code, item["职数类别"], item["核定数"])
    elif kind == MatterKind.ABOLISH:
        plan.unit(change["unit"], 撤销日期=day.isoformat())
    elif kind == MatterKind.MERGE:
        target = change["target"]
        for code in change["merged"]:
            loans = TurnoverLoan.objects.filter(unit__code=code, valid_to=END).filter(TurnoverLoan.in_use_on(day))
            if loans.exists():
                raise MatterRefused(
                    409, "loans_in_use", f"被合并的机构 {code} 尚有使用中的周转编制，请先收回后再执行合并"
                )
            for staffing_type, approved in plan.quotas(code).items():
                if approved:
                    plan.set_quota(target, staffing_type, plan.quota(target, staffing_type) + approved)
                    plan.set_quota(code, staffing_type, 0)
            for category, approved in plan.positions(code).items():
                if approved:
                    plan.set_position(target, category, plan.position(target, category) + approved)
                    plan.set_position(code, category, 0)
            for version in _people_of(code, day):
                plan.move_person(version, target)
            for child in _children(code):
                plan.unit(child, 上级机构代码=target)
            plan.unit(code, 撤销日期=day.isoformat())
    elif kind == MatterKind.SPLIT:
        source = change["source"]
        row = change["unit"]
        plan.new_unit(row)
        code = row["机构代码"]
        for item in change.get("staffing") or []:
            plan.set_quota(source, item["编制类型"], plan.quota(source, item["编制类型"]) - item["核定数"])
            plan.set_quota(code, item["编制类型"], item["核定数"])
        for item in change.get("positions") or []:
            left = plan.position(source, item["职数类别"]) - item["核定数"]
            if left < 0:
                raise MatterRefused(422, "invalid_change", f"机构 {source} 的{item['职数类别']}职数不足以分出")
            plan.set_position(source, item["职数类别"], left)
            plan.set_position(code, item["职数类别"], item["核定数"])
        numbers = set(change.get("people") or [])
        found = {v.person.id_number: v for v in _people_of(source, day) if v.person.id_number in numbers}
        if missing := numbers - set(found):
            raise MatterRefused(422, "invalid_change", f"{len(missing)} 名人员不是 {source} 的在编人员，不能随分设转入")
        for version in found.values():
            plan.move_person(version, code)
        plan.adds_to.discard(code)  # a new unit cannot be suspended
    elif kind == MatterKind.RENAME:
        plan.unit(change["unit"], 机构名称=str(change["name"]).strip())
    elif kind == MatterKind.RERANK:
        plan.unit(change["unit"], 机构规格=change["rank"])
    elif kind == MatterKind.ADD_STAFFING:
        code, staffing_type = change["unit"], change["staffing_type"]
        plan.set_quota(code, staffing_type, plan.quota(code, staffing_type) + change["delta"])
    elif kind == MatterKind.REDUCE_STAFFING:
        code, staffing_type = change["unit"], change["staffing_type"]
        plan.set_quota(code, staffing_type, plan.quota(code, staffing_type) - change["delta"])
    elif kind == MatterKind.TRANSFER:
        source, target, staffing_type = change["from"], change["to"], change["staffing_type"]
        plan.set_quota(source, staffing_type, plan.quota(source, staffing_type) - change["count"])
        plan.set_quota(target, staffing_type, plan.quota(target, staffing_type) + change["count"])
    elif kind == MatterKind.POSITIONS:
        plan.set_position(change["unit"], change["category"], change["count"])
    elif kind == MatterKind.ADD_DIVISION:
        division = change["division"]
        plan.new_unit(
            {
                "机构代码": division["机构代码"],
                "机构名称": division["机构名称"],
                "机构类型": UnitKind.INTERNAL_DIVISION.value,
                "上级机构代码": change["unit"],
            }
        )
    elif kind == MatterKind.REMOVE_DIVISION:
        plan.unit(change["division"], 撤销日期=day.isoformat())


def _sheets(rows: dict[str, dict[str, dict[str, Any]]], effective: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Rows for ``rows_import``; a stored inverse's placeholder day becomes ``effective``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for sheet, keyed in rows.items():
        out[sheet] = [
            {h: (effective.isoformat() if v == EFFECTIVE else v) for h, v in row.items()} for row in keyed.values()
        ]
    return out


def _correction_plan(matter: Matter, effective: dt.date) -> _Plan:
    """A correction: the original's stored values back, overlaid by the replacement's rows."""
    original = matter.amends
    if original is None:
        raise MatterRefused(422, "invalid_change", "撤销更正须指明所更正的事项")
    inverse = {
        sheet: {
            key: {h: (effective.isoformat() if v == EFFECTIVE else v) for h, v in row.items()}
            for key, row in keyed.items()
        }
        for sheet, keyed in (original.applied.get("inverse") or {}).items()
    }
    plan = _Plan(effective, base=inverse)
    replacement = (matter.change or {}).get("replacement")
    if replacement:
        validate_change(original.kind, replacement)
        _plan(original.kind, replacement, plan)
    for sheet, keyed in inverse.items():
        for key, row in keyed.items():
            if key in plan.sheets.get(sheet, {}):
                continue  # the replacement states this row anew
            if sheet == "编制":
                plan.set_quota(row["机构代码"], row["编制类型"], int(row["核定数"]))
            elif sheet == "职数":
                plan.set_position(row["机构代码"], row["职数类别"], int(row["核定数"]))
            else:
                plan.put(sheet, key, row, None)
    return plan


def _problems(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: e.get(k) for k in ("sheet", "row", "column", "message")} for e in errors]


@transaction.atomic
def matter_execute(*, matter: Matter, user: Any, effective: dt.date | None = None) -> Matter:
    """已决定 → 已执行: apply the change to the register effective on ``effective`` (the matter's
    planned day, else today) through ``rows_import`` with the matter's 文号, in one change set.

    Refused (409 ``unit_suspended``) when the change adds staffing or positions to a unit whose
    approvals are suspended on that day (domain.md §9); refused (422) with the import's problems when
    the register refuses it — a day earlier than the latest period of what it changes among them."""
    _require_drive(user)
    matter = _locked(matter)
    _require_state(matter, MatterState.DECIDED, doing="执行")
    day = effective or matter.effective or today()
    if matter.kind == MatterKind.CORRECTION:
        plan = _correction_plan(matter, day)
    else:
        validate_change(matter.kind, matter.change)
        plan = _Plan(day)
        _plan(matter.kind, matter.change, plan)
    for code in sorted(plan.adds_to):
        unit = Unit.objects.filter(code=code).first()
        suspension = suspension_in_force(unit, day) if unit is not None else None  # a new unit is not suspended
        if suspension is not None:
            raise MatterRefused(
                409,
                "unit_suspended",
                f"机构 {code} 自 {suspension.started_on} 起暂缓审批（原因：{suspension.reason}），"
                f"不能执行增加编制或职数的事项",
            )
    reason = f"执行机构编制事项 #{matter.pk}（{matter.kind}）：{matter.title}"
    if matter.kind == MatterKind.CORRECTION:
        reason += f"；更正理由：{matter.reason}"
    change_set_id = None
    if plan.sheets:
        result = rows_import(
            sheets=_sheets(plan.sheets, day),
            effective=day,
            reason=reason,
            document_number=matter.document_number,
            user=user,
            source="service",
            origin=f"机构编制事项 #{matter.pk}",
            # an executed matter is the procedure itself (the ledger marks only the others as bypassing)
            bypasses_approval=False,
        )
        if not result.ok:
            backdated = any("不能倒签" in str(e.get("message", "")) for e in result.errors)
            first = result.errors[0]["message"] if result.errors else "登记数据校验未通过"
            raise MatterRefused(
                422,
                "backdated" if backdated else "register_refused",
                f"执行被拒绝：{first}" + ("（生效日期早于所变更数据的最近一次变更）" if backdated else ""),
                _problems(result.errors),
            )
        change_set_id = result.change_set_id
    before = matter.state
    with change_context(
        source="service", user=user, reason=reason, document_number=matter.document_number, effective=day
    ) as change_set:
        if matter.kind == MatterKind.FUNCTIONS:
            record_change(
                entity="职责",
                key=matter.change["unit"],
                before=None,
                after={"机构代码": matter.change["unit"], "职责调整": matter.change["functions"]},
            )
            change_set_id = change_set.pk
        matter.state = MatterState.EXECUTED
        matter.executed_on, matter.executed_at = day, timezone.now()
        matter.change_set_id = change_set_id
        matter.applied = {"sheets": plan.sheets, "inverse": plan.inverse}
        matter.save()
        _step(matter, user, "执行", before, f"生效日期 {day.isoformat()}")
    return matter
