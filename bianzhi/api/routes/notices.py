"""通知: the caller's own notifications (bianzhi/core/notifications.py), unread first; marking them read.

Every authenticated user reads only their own; another user's notification answers 404 like one that
does not exist. Free text is masked for the roles that see ID numbers masked (domain.md §11).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.api.common import paginate, replies
from bianzhi.api.errors import not_found
from bianzhi.api.schemas import MAX_ID, PageParams
from bianzhi.core.models import Notification
from bianzhi.core.notifications import for_user, mark_read, unread_count

router = Router(tags=["通知"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="类别，如 approval、matter、problem（可为空）")
    title: str = Field(..., description="标题（无权查看全部完整身份证号的角色看到其中的号码已脱敏）")
    body: str = Field(..., description="内容（号码脱敏同上）")
    url: str = Field(..., description="相关网页的站内路径（可为空）")
    created_at: dt.datetime = Field(..., description="通知时间")
    read_at: dt.datetime | None = Field(None, description="已读时间；未读为空")


class NotificationPage(Schema):
    total: int = Field(..., description="符合条件的总条数")
    unread: int = Field(..., description="本人未读通知数")
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilters(Schema):
    unread: bool = Field(False, description="true 只列未读的")


class MarkedOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")
    unread: int = Field(..., description="本人剩余未读通知数")


def notification_out(row: Notification, whole: bool) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "title": shown_text(row.title, whole=whole),
        "body": shown_text(row.body, whole=whole),
        "url": row.url,
        "created_at": row.created_at,
        "read_at": row.read_at,
    }


@router.get("/notifications", response=replies({200: NotificationPage}), summary="本人通知列表")
def notification_list(
    request: HttpRequest, filters: Query[NotificationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """本人的通知，未读的在前，其中最新的在前。"""
    whole = sees_every_number(request.user)
    rows = for_user(request.user, unread_only=filters.unread)
    return {**paginate(rows, page, lambda row: notification_out(row, whole)), "unread": unread_count(request.user)}


@router.post(
    "/notifications/{notification_id}/read", response=replies({200: NotificationOut}, 404), summary="通知标为已读"
)
def notification_read(
    request: HttpRequest, notification_id: int = Path(..., ge=1, le=MAX_ID, description="通知编号")
) -> dict[str, Any]:
    """把本人的一条通知标为已读（已读的保持原已读时间）；不是本人的通知返回 404。"""
    row = Notification.objects.filter(pk=notification_id, user_id=request.user.pk or 0).first()
    if row is None:
        raise not_found("该通知")
    mark_read(user=request.user, ids=[row.pk])
    row.refresh_from_db()
    return notification_out(row, sees_every_number(request.user))


@router.post("/notifications/read-all", response=replies({200: MarkedOut}), summary="全部通知标为已读")
def notification_read_all(request: HttpRequest) -> dict[str, Any]:
    """把本人的全部未读通知标为已读。"""
    marked = mark_read(user=request.user)
    return {"marked": marked, "unread": unread_count(request.user)}
