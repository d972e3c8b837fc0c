"""Values every page's frame needs (the top navigation)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.http import HttpRequest
from django.utils.http import urlencode

from bianzhi.accounts.admin_site import is_administrator
from bianzhi.accounts.permissions import Action, can, can_somewhere


def _may_import(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and can_somewhere(user, Action.IMPORT))


def _may_administer(user: Any) -> bool:
    """Only the 编办管理员 may enter the admin (bianzhi.accounts.admin_site), so only they see its link."""
    return bool(user is not None and user.is_authenticated and user.is_staff and is_administrator(user))


def _may_manage_users(user: Any) -> bool:
    """用户管理 is the 编办管理员's (``Action.MANAGE_USERS``), so only they see its link."""
    return bool(user is not None and user.is_authenticated and can(user, Action.MANAGE_USERS))


def _as_of_query(request: HttpRequest) -> str:
    """``?as_of=YYYY-MM-DD`` when the page looks at a given valid day, so the top navigation's
    links keep the day being looked at ("" otherwise)."""
    value = request.GET.get("as_of", "") if hasattr(request, "GET") else ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return ""
    if not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
        return ""
    return "?" + urlencode({"as_of": day.isoformat()})


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``can_import``: whether the top bar offers 数据导入; ``can_administer``: whether it offers the
    admin (数据管理); ``can_manage_users``: whether the user menu offers 用户管理. Callables, so the
    template resolves them (and the permission query runs) only on pages that show the navigation."""
    user = getattr(request, "user", None)
    return {
        "can_import": partial(_may_import, user),
        "can_administer": partial(_may_administer, user),
        "can_manage_users": partial(_may_manage_users, user),
        "nav_as_of": _as_of_query(request),
    }


def _unread_notifications(user: Any) -> int:
    from bianzhi.core.notifications import unread_count

    return unread_count(user)


def _may_change_register(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and can_somewhere(user, Action.CHANGE))


def notices(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: the number of the user's unread notifications (the badge beside the
    user menu); ``may_change_register``: whether the user may start and lift 暂缓审批 (编办管理员,
    编办业务人员). Callables: the queries run only on pages that show them."""
    user = getattr(request, "user", None)
    return {
        "unread_notifications": partial(_unread_notifications, user),
        "may_change_register": partial(_may_change_register, user),
    }
