"""The third-party models in the admin, in Chinese and only as far as an administrator needs them
(issue 16, "Polish that users notice"); imported by bianzhi/accounts/admin.py.

- django-axes' login counts and logs keep their own admin (its labels are translated in the zh-hans
  catalogue): deleting a 登录失败计数 lifts a lock-out.
- A TOTP device (两步验证) is shown and may be deleted — a user who lost the phone enrols again at the
  next login — but never added or edited here (the secret is the user's own, enrolment is a page).
- The task queue's results (后台任务) are read-only, as the library made them, with Chinese labels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import axes.admin  # registers its models first, so they can be registered anew below
import django_otp.plugins.otp_totp.admin  # noqa: F401
import django_tasks_db.admin
from axes.models import AccessAttempt
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from bianzhi.core.admin import ReadOnlyAdmin


def _minute(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


admin.site.unregister(AccessAttempt)
admin.site.unregister(TOTPDevice)
admin.site.unregister(DBTaskResult)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes.admin.AccessAttemptAdmin):
    """django-axes' own admin, its two computed columns labelled in Chinese."""

    @admin.display(description="状态")
    def status(self, obj: AccessAttempt) -> str:
        return str(super().status(obj))

    @admin.display(description="到期时间")
    def expiration(self, obj: AccessAttempt) -> Any:
        return super().expiration(obj)


@admin.register(TOTPDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    list_display = ("device_user", "device_name", "device_confirmed", "device_created", "device_last_used")
    fields = list_display
    readonly_fields = list_display
    search_fields = ("user__username", "user__first_name", "user__last_name")
    search_help_text = "按用户名或姓名查找"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("user")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # a lost phone: the user enrols a new device at the next login

    @admin.display(description="用户", ordering="user__username")
    def device_user(self, obj: TOTPDevice) -> str:
        name = obj.user.get_full_name()
        return f"{name}（{obj.user.get_username()}）" if name else obj.user.get_username()

    @admin.display(description="设备名称", ordering="name")
    def device_name(self, obj: TOTPDevice) -> str:
        return obj.name

    @admin.display(description="已确认", boolean=True, ordering="confirmed")
    def device_confirmed(self, obj: TOTPDevice) -> bool:
        return obj.confirmed

    @admin.display(description="启用时间", ordering="created_at")
    def device_created(self, obj: TOTPDevice) -> str:
        return _minute(obj.created_at)

    @admin.display(description="最近使用", ordering="last_used_at")
    def device_last_used(self, obj: TOTPDevice) -> str:
        return _minute(obj.last_used_at)


@admin.register(DBTaskResult)
class TaskResultAdmin(django_tasks_db.admin.DBTaskResultAdmin):
    """The library's read-only admin, its two computed fields labelled in Chinese."""

    @admin.display(description="错误追踪")
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description="计划执行时间")
    def display_run_after(self, obj: DBTaskResult) -> datetime | str:
        return super().display_run_after(obj)
