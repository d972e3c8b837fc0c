"""The third-party apps the admin shows, named in Chinese (issue 16, "Polish that users notice").

django-axes, django-otp's TOTP plugin and the task queue's database backend name their apps and
models in English ("Axes", "Access attempts", "Tasks Database Backend", "Task Results", "TOTP
devices"); INSTALLED_APPS lists these subclasses in place of their own configs. A model's Chinese
name is set on ``_meta`` when the app is ready: the migrations read ``_meta.original_attrs``, which
keeps the library's own names, so no migration of a third-party app is ever asked for. The column and
field labels that the libraries mark for translation are in the zh-hans catalogue; the TOTP admin
(plain English) is registered anew in bianzhi/accounts/admin.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils import timezone
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig
from django_tasks_db.apps import TasksAppConfig


def _name_models(config: AppConfig, names: dict[str, tuple[str, str]]) -> None:
    for model_name, (singular, plural) in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural


def _named(kind: str) -> Callable[[Any], str]:
    def __str__(record: Any) -> str:
        moment = timezone.localtime(record.attempt_time).strftime("%Y-%m-%d %H:%M") if record.attempt_time else ""
        return f"{record.username or '（无用户名）'} 的{kind}（{moment}）"

    return __str__


class AxesConfig(AxesAppConfig):
    verbose_name = "登录安全"

    def ready(self) -> None:
        super().ready()
        _name_models(
            self,
            {
                "AccessAttempt": ("登录失败计数", "登录失败计数"),
                "AccessLog": ("登录记录", "登录记录"),
                "AccessFailureLog": ("登录失败记录", "登录失败记录"),
                "AccessAttemptExpiration": ("失败计数到期时间", "失败计数到期时间"),
            },
        )
        # Their records name themselves in English ("Attempted Access: …") in the admin's titles.
        for model_name, kind in (
            ("AccessAttempt", "登录失败计数"),
            ("AccessLog", "登录记录"),
            ("AccessFailureLog", "登录失败记录"),
        ):
            self.get_model(model_name).__str__ = _named(kind)  # type: ignore[method-assign]


class TotpConfig(TotpAppConfig):
    verbose_name = "两步验证"

    def ready(self) -> None:
        super().ready()
        _name_models(self, {"TOTPDevice": ("动态口令设备", "动态口令设备")})


class TasksConfig(TasksAppConfig):
    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        _name_models(self, {"DBTaskResult": ("任务结果", "任务结果")})
