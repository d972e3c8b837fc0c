"""Values every page's frame needs (the top navigation)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from bianzhi.accounts.admin_site import is_administrator
from bianzhi.accounts.permissions import Action, can_somewhere


def _may_import(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and can_somewhere(user, Action.IMPORT))


def _may_administer(user: Any) -> bool:
    """Only the 编办管理员 may enter the admin (bianzhi.accounts.admin_site), so only they see its link."""
    return bool(user is not None and user.is_authenticated and user.is_staff and is_administrator(user))


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``can_import``: whether the top bar offers 数据导入; ``can_administer``: whether it offers the
    admin (数据管理). Callables, so the template resolves them (and the permission query runs) only
    on pages that show the navigation."""
    user = getattr(request, "user", None)
    return {"can_import": partial(_may_import, user), "can_administer": partial(_may_administer, user)}
