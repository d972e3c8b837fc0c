"""变更日志: every logged change set and its per-row before/after (architecture.md §6), for the
roles that may read it. For those who do not see every number whole (the auditor) nothing gives a
hidden digit away (domain.md §11): ID numbers are masked in keys, values and every free text (reason,
文号, origin, summary), birth dates are hidden and months derived from them (法定退休月份, 批准退休年月)
cut to the year; a record search by a whole number is counted, logged and limited like any other."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from bianzhi.accounts.permissions import Action, can, mask_id_number, mask_ids_in_text, restrict
from bianzhi.accounts.privacy import is_full_number, sees_every_number, shown_text
from bianzhi.api.changelog import CREATED, LogRow, change_rows
from bianzhi.api.common import full_number_search, paginate, replies, require
from bianzhi.api.errors import not_found
from bianzhi.api.schemas import MAX_ID, Day, Page, PageParams, SearchText, Text32
from bianzhi.core.dates import BEGINNING, SHANGHAI
from bianzhi.core.models import ChangeRecord, ChangeSet

router = Router(tags=["变更日志"])

#: Record fields that hold the birth date (eight hidden digits of the number) …
_BIRTH_DATES = frozenset({"出生日期", "birth_date"})
#: … and months derived from it (a retirement month gives the birth month away): a year when masked.
_BIRTH_MONTHS = frozenset({"法定退休月份", "批准退休年月", "retirement_month", "approved_retirement_month"})


class ChangeSetOut(Schema):
    id: int
    created_at: dt.datetime = Field(..., description="时间")
    user: str | None = Field(None, description="操作人账号")
    actor: str = Field(..., description="操作人（描述）")
    source: str = Field(..., description="来源：import 导入、service 业务办理、command 命令行、api 接口、web 网页")
    origin: str = Field(..., description="来自（IP 地址、主机或文件）")
    reason: str = Field(..., description="理由（无权查看全部完整身份证号的角色看到其中的号码已脱敏）")
    document_number: str = Field(..., description="文号（号码脱敏同上）")
    effective: dt.date | None = Field(None, description="生效日期")
    bypasses_approval: bool = Field(..., description="未经审批流程（导入）")
    summary: dict[str, Any] = Field(default_factory=dict)
    records: int = Field(..., description="修改记录条数（新增的行数见 summary，逐行见 /changes/{id}/records）")


class ChangeRecordOut(Schema):
    id: int | None = Field(None, description="变更记录编号（新增的行由其首个版本记录，无编号）")
    change_set: int
    entity: str = Field(..., description="对象，如 机构、编制、人员、暂缓审批")
    key: str = Field(..., description="键（人员为身份证号，按角色脱敏）")
    action: str = Field(..., description="create 新增、update 修改、delete 删除")
    before: dict[str, Any] | None = Field(
        None, description="变更前的值；脱敏时身份证号脱敏、出生日期为 ****-**-**、法定退休月份和批准退休年月只给年份"
    )
    after: dict[str, Any] | None = Field(None, description="变更后的值（脱敏同上）")


class ChangeFilters(Schema):
    user: Text32 | None = Field(None, description="操作人账号")
    source: ChangeSet.Source | None = Field(None, description="来源")
    since: Day | None = Field(None, description="起始日期（含）")
    until: Day | None = Field(None, description="截止日期（含）")
    entity: Text32 | None = Field(None, description="只列包含该对象变更的批次，如 人员")


class RecordFilters(Schema):
    entity: Text32 | None = Field(None, description="对象，如 人员")
    key: SearchText | None = Field(None, description="键（完整匹配）")


def _sets(request: HttpRequest) -> QuerySet[ChangeSet]:
    return restrict(ChangeSet.objects.all(), request.user, Action.VIEW_CHANGELOG)


def set_out(change_set: Any, whole: bool = True) -> dict[str, Any]:
    """A change set as a reader sees it: its free text masked unless ``whole``."""
    return {
        "id": change_set.pk,
        "created_at": change_set.created_at,
        "user": change_set.user.get_username() if change_set.user_id else None,
        "actor": change_set.actor,
        "source": change_set.source,
        "origin": shown_text(change_set.origin, whole=whole),
        "reason": shown_text(change_set.reason, whole=whole),
        "document_number": shown_text(change_set.document_number, whole=whole),
        "effective": change_set.effective,
        "bypasses_approval": change_set.bypasses_approval,
        "summary": (change_set.summary or {}) if whole else _mask(change_set.summary or {}, []),
        "records": change_set.record_count,
    }


@router.get("/changes", response=replies({200: Page[ChangeSetOut]}), summary="变更日志（批次）")
def change_list(request: HttpRequest, filters: Query[ChangeFilters], page: Query[PageParams]) -> dict[str, Any]:
    """每个变更批次：谁、何时、从哪里、为何、依据哪个文号，最近的在前。只有编办管理员、编办业务人员和审计员可以查看。"""
    require(request, Action.VIEW_CHANGELOG)
    qs = _sets(request).select_related("user").annotate(record_count=Count("records"))
    if filters.user:
        qs = qs.filter(user__username=filters.user)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.since:
        qs = qs.filter(created_at__gte=dt.datetime.combine(filters.since, dt.time.min, tzinfo=SHANGHAI))
    if filters.until:
        qs = qs.filter(
            created_at__lt=dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
        )
    if filters.entity:
        touched = Q(pk__in=ChangeRecord.objects.filter(entity=filters.entity).values("change_set_id"))
        for rows in CREATED:
            if rows.entity == filters.entity:
                created = rows.model.objects.filter(valid_from=BEGINNING, change_set__isnull=False)  # type: ignore[attr-defined]
                touched |= Q(pk__in=created.values("change_set_id"))
        qs = qs.filter(touched)
    whole = sees_every_number(request.user)
    return paginate(qs.order_by("-created_at", "-id"), page, lambda change_set: set_out(change_set, whole))


ChangeSetId = Path(..., ge=1, le=MAX_ID, description="变更批次编号")


@router.get("/changes/{change_set_id}", response=replies({200: ChangeSetOut}, 404), summary="一个变更批次")
def change_detail(request: HttpRequest, change_set_id: int = ChangeSetId) -> dict[str, Any]:
    """一个变更批次的概况；逐行的变更前后见 /changes/{id}/records。"""
    require(request, Action.VIEW_CHANGELOG)
    change_set = (
        _sets(request).filter(pk=change_set_id).select_related("user").annotate(record_count=Count("records")).first()
    )
    if change_set is None:
        raise not_found(f"变更批次 {change_set_id}")
    return set_out(change_set, sees_every_number(request.user))


def _mask(value: Any, numbers: list[str]) -> Any:
    """``value`` (a record's before or after, a summary) for a reader who does not see numbers whole."""
    if isinstance(value, str):
        return shown_text(mask_ids_in_text(value, numbers), whole=False)
    if isinstance(value, dict):
        return {k: _masked_field(k, v, numbers) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, numbers) for v in value]
    return value


def _masked_field(key: Any, value: Any, numbers: list[str]) -> Any:
    if key in _BIRTH_DATES and value:
        return "****-**-**"
    if key in _BIRTH_MONTHS and value:
        return str(value)[:4]
    return _mask(value, numbers)


def record_out(record: LogRow, whole: bool) -> dict[str, Any]:
    before, after, key = record.before, record.after, record.key
    if not whole:
        numbers = [
            n
            for n in {
                key if record.entity == "人员" else "",
                *(d.get("身份证号", "") for d in (before or {}, after or {})),
            }
            if isinstance(n, str) and n
        ]
        before, after = _mask(before, numbers), _mask(after, numbers)
        key = mask_id_number(key) if record.entity == "人员" else mask_ids_in_text(key, numbers)
    return {
        "id": record.id,
        "change_set": record.change_set,
        "entity": record.entity,
        "key": key,
        "action": record.action,
        "before": before,
        "after": after,
    }


@router.get(
    "/changes/{change_set_id}/records",
    response=replies({200: Page[ChangeRecordOut]}, 404, 429),
    summary="变更批次的逐行记录",
)
def change_records(
    request: HttpRequest, filters: Query[RecordFilters], page: Query[PageParams], change_set_id: int = ChangeSetId
) -> dict[str, Any]:
    """一个变更批次中每一行的变更前与变更后：先是修改（及删除）记录，再是该批次新增的登记数据行（新增的行由其
    首个版本记录，变更前为空）。无权查看完整身份证号的角色看到脱敏的号码，出生日期也不显示，由出生日期推算的
    月份只给年份；按完整身份证号（key）查找时计数并记录，每小时超过限额返回 429。"""
    require(request, Action.VIEW_CHANGELOG)
    if not _sets(request).filter(pk=change_set_id).exists():
        raise not_found(f"变更批次 {change_set_id}")
    records = restrict(ChangeRecord.objects.filter(change_set_id=change_set_id), request.user, Action.VIEW_CHANGELOG)
    total, fetch = change_rows(
        change_set_id=change_set_id, records=records, entity=filters.entity or "", key=filters.key or ""
    )
    whole = can(request.user, Action.VIEW_FULL_ID)
    if filters.key and is_full_number(filters.key):
        full_number_search(request, filters.key, found=total > 0)
    items = [record_out(r, whole) for r in fetch(page.offset, page.limit)]
    return {"total": total, "limit": page.limit, "offset": page.offset, "items": items}
