"""The admin (数据管理) is the 编办管理员's alone (issue 13, "Personal data").

The admin is not scoped by unit and shows ID numbers, birth dates and the change log whole, so every
other role — whatever ``is_staff`` or ``view_*`` permissions it was given — gets the admin's login
page, never data. The site (``admin.site``, installed through ``admin_config.BianzhiAdminConfig``)
lets in an active staff user who is 编办管理员 by :func:`bianzhi.accounts.permissions.roles_of` (a
superuser, or a user with a 编办管理员 grant); :class:`AdministratorBackend` gives such a grant
holder the admin's model permissions, as a superuser has them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import roles_of


def is_administrator(user: Any) -> bool:
    """Whether ``user`` is an active 编办管理员 (a superuser or a holder of the grant)."""
    return any(role == Role.ADMIN for role, _ in roles_of(user))


class AdministratorLoginForm(AdminAuthenticationForm):
    """The admin's login refuses, with its reason, a staff user who is not 编办管理员."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not is_administrator(user):
            raise ValidationError(
                "此账户不是编办管理员，不能进入数据管理后台；请从平台首页登录使用各页面。", code="not_administrator"
            )


class BianzhiAdminSite(admin.AdminSite):
    site_header = settings.PLATFORM_NAME
    site_title = settings.PLATFORM_NAME
    index_title = "数据管理"
    login_form = AdministratorLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and is_administrator(user))


class AdministratorBackend(BaseBackend):
    """Every permission for an active 编办管理员 grant holder, as Django gives a superuser (the admin
    asks for model permissions; the platform's own decisions go through ``permissions.can``)."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return is_administrator(user_obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return is_administrator(user_obj)
