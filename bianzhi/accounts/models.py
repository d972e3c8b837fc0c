"""Users, roles and personal API tokens (domain.md §11).

A user's rights come from role grants. Every role but 单位人事干部 covers the whole district; a
单位人事干部 grant names the unit whose subtree (the unit and all its descendants as of today) it
covers. Superusers act as 编办管理员. What each role may do is decided in one place,
``bianzhi.accounts.permissions``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    """The roles of domain.md §11; the stored value is the English key, the label the Chinese name."""

    ADMIN = "admin", "编办管理员"
    OFFICER = "officer", "编办业务人员"
    UNIT_HR = "unit_hr", "单位人事干部"
    LEADER = "leader", "领导"
    INSPECTOR = "inspector", "检查人员"
    AUDITOR = "auditor", "审计员"


class RoleGrant(models.Model):
    """One role given to one user; for 单位人事干部 the unit whose subtree it covers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="管理范围（机构及其下属）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)
    granted_by = models.CharField("授权人", max_length=150, blank=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["user_id", "role", "unit_id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role=Role.UNIT_HR) & Q(unit__isnull=False))
                | (~Q(role=Role.UNIT_HR) & Q(unit__isnull=True)),
                name="rolegrant_unit_only_for_unit_hr",
            ),
            models.UniqueConstraint(fields=["user", "role"], condition=Q(unit__isnull=True), name="rolegrant_unique"),
            models.UniqueConstraint(fields=["user", "role", "unit"], name="rolegrant_unique_unit"),
        ]

    def __str__(self) -> str:
        label = Role(self.role).label
        return f"{self.user} {label}" + (f"（{self.unit}）" if self.unit_id else "")


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 digest of the secret is stored; the secret is shown
    once, when the token is created. ``prefix`` (the first characters) lets a user tell tokens apart.

    No token lives longer than ``settings.API_TOKEN_MAX_DAYS`` after its creation (:attr:`ends_at`),
    whatever its own ``expires_at``. ``password_fingerprint`` (an HMAC of the user's password hash when
    the token was made) ties it to that password: once the password changes, by whichever door, the
    token is refused (bianzhi/accounts/services.py ``api_token_authenticate``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=16)
    digest = models.CharField("摘要（SHA-256）", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    password_fingerprint = models.CharField("密码指纹", max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.name}（{self.prefix}…）"

    @property
    def ends_at(self) -> dt.datetime:
        """When the token stops working: its own expiry, but never later than the maximum lifetime
        after its creation (a token made without expiry, or before the maximum existed, ends then)."""
        longest = self.created_at + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)
        return longest if self.expires_at is None or self.expires_at > longest else self.expires_at

    def is_active(self, now: dt.datetime) -> bool:
        """Not revoked and not past :attr:`ends_at` (a changed password is checked on use)."""
        return self.revoked_at is None and self.ends_at > now


class IdNumberLookup(models.Model):
    """One search by a full ID number by a user who does not see every number whole (domain.md §11:
    rate-limited and logged, so guessing a masked number is slow and leaves a trace)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="id_number_lookups"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    door = models.CharField("入口", max_length=64, help_text="页面或接口路径")
    origin = models.CharField("来自", max_length=200, blank=True, help_text="IP 地址")
    number = models.CharField("查询的身份证号", max_length=18)
    found = models.BooleanField("是否找到", default=False)
    refused = models.BooleanField("是否因超过次数被拒绝", default=False)

    class Meta:
        verbose_name = "身份证号查询记录"
        verbose_name_plural = "身份证号查询记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="idlookup_user_at")]

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M} {self.door}"
