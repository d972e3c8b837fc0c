"""Base models: effective dating and the append-only change log (architecture.md §6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bianzhi.core.dates import BEGINNING, END


class Versioned(models.Model):
    """A fact that holds on the days ``valid_from <= D < valid_to`` (domain.md §2 "History")."""

    valid_from = models.DateField("生效日期", default=BEGINNING, db_index=True)
    valid_to = models.DateField("失效日期", default=END, db_index=True)
    change_set = models.ForeignKey(
        "core.ChangeSet", verbose_name="变更批次", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    @classmethod
    def as_of(cls, day) -> Q:
        return Q(valid_from__lte=day, valid_to__gt=day)

    @classmethod
    def current(cls) -> Q:
        return Q(valid_to=END)


class ChangeSet(models.Model):
    """One logged change: who, when, from where, why, under which approval document (文号)."""

    class Source(models.TextChoices):
        IMPORT = "import", "导入"
        SERVICE = "service", "业务办理"
        COMMAND = "command", "命令行"
        API = "api", "接口"
        WEB = "web", "网页"

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    actor = models.CharField("操作人（描述）", max_length=150, blank=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    origin = models.CharField("来自", max_length=200, blank=True, help_text="IP 地址、主机或文件")
    reason = models.TextField("理由", blank=True)
    document_number = models.CharField("文号", max_length=200, blank=True)
    effective = models.DateField("生效日期", null=True, blank=True)
    bypasses_approval = models.BooleanField("未经审批流程", default=False)
    summary = models.JSONField("摘要", default=dict, blank=True)
    #: False for change sets logged before creations were stored as records (their created rows
    #: are read from the register, as they were then)
    logs_creations = models.BooleanField("新增行记于变更记录", default=True)
    # The hash chain (core/chain.py): the place in the chain, the predecessor's digest and its own.
    sequence = models.PositiveBigIntegerField("链序号", null=True, blank=True, unique=True)
    previous = models.CharField("前一批次摘要", max_length=64, blank=True, default="")
    digest = models.CharField("摘要（SM3）", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "变更批次"
        verbose_name_plural = "变更日志"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} {self.created_at:%Y-%m-%d %H:%M} {self.actor}"


class ChangeRecord(models.Model):
    """One row's before and after within a change set. Append-only."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    change_set = models.ForeignKey(ChangeSet, verbose_name="变更批次", on_delete=models.PROTECT, related_name="records")
    entity = models.CharField("对象", max_length=32, db_index=True)
    key = models.CharField("键", max_length=200, db_index=True)
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.entity} {self.key} {self.get_action_display()}"


class WorkCalendarDay(models.Model):
    """工作日历: one day the office itself states — a day off (休息日/法定节假日) or a make-up
    working day (调休上班) — overriding the ``holidays`` package (domain.md §4). Written only through
    ``bianzhi.core.workdays.work_calendar_day_set``/``_remove``, which log every change."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", "休息日（法定节假日）"
        WORKING_DAY = "work", "调休上班"

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    note = models.CharField("说明", max_length=200, blank=True, help_text="如“元旦”“春节调休”")

    class Meta:
        verbose_name = "工作日历条目"
        verbose_name_plural = "工作日历"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class WorkCalendarYear(models.Model):
    """A year of the 工作日历: whether the office has entered the State Council's published
    schedule (国务院办公厅通知) in full, which ends "provisional" for deadlines in that year."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    complete = models.BooleanField("已按国务院办公厅通知录入完整", default=False)
    note = models.CharField("说明", max_length=200, blank=True, help_text="如通知的文号")

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}{'（已录入完整）' if self.complete else ''}"


class Notification(models.Model):
    """A message to one user that something needs them (a request submitted, approved or returned, a
    problem raised…): shown on the notifications page and counted in the navigation until read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类别", max_length=32, blank=True, help_text="如 approval、matter、problem")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True, help_text="站内页面的路径")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return f"{self.user} {self.title}"
