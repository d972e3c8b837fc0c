"""Values every page's frame needs (the top navigation)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from bianzhi.accounts.permissions import Action, can_somewhere


def _may_import(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and can_somewhere(user, Action.IMPORT))


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``can_import``: whether the top bar offers 数据导入. A callable, so the template resolves it
    (and the permission query runs) only on pages that show the navigation."""
    return {"can_import": partial(_may_import, getattr(request, "user", None))}
