"""Models of bianzhi.rectification: a problem (问题), the steps of its rectification loop and its
attachments (domain.md §9, interchange.md §3 "Supervision")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models


class Severity(models.TextChoices):
    HIGH = "高", "高"
    MEDIUM = "中", "中"
    LOW = "低", "低"


class Source(models.TextChoices):
    ALERT = "预警", "预警"
    INSPECTION = "检查", "检查"
    AUDIT = "审计", "审计"
    TOUR = "巡察", "巡察"
    COMPLAINT = "举报", "举报"


class State(models.TextChoices):
    OPEN = "open", "待整改"
    ANSWERED = "answered", "已反馈"
    RETURNED = "returned", "已退回"
    CLOSED = "closed", "已销号"


class Problem(models.Model):
    """A problem found at a unit: raised from an alert or recorded from an inspection, audit, tour or
    complaint; the unit answers with a plan and evidence, the staffing office returns it or closes it
    off (销号). ``suspension`` is the problem-linked 暂缓审批 of the unit this problem keeps in force
    (empty while it does not qualify: a 中/低 problem under the 高-only setting that is not overdue)."""

    unit = models.ForeignKey("registry.Unit", verbose_name="机构", on_delete=models.PROTECT, related_name="problems")
    description = models.TextField("问题描述")
    basis = models.CharField("依据", max_length=500, blank=True)
    severity = models.CharField("严重程度", max_length=1, choices=Severity.choices)
    deadline = models.DateField("整改期限")
    source = models.CharField("来源", max_length=2, choices=Source.choices)
    alert = models.ForeignKey(
        "supervision.Alert",
        verbose_name="预警",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    alert_rule = models.CharField("预警规则", max_length=64, blank=True)
    responsible = models.CharField("责任人", max_length=100, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OPEN, db_index=True)
    escalated_at = models.DateTimeField("逾期升级时间", null=True, blank=True)
    suspension = models.ForeignKey(
        "registry.Suspension",
        verbose_name="关联暂缓审批",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="立项人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raised_by_name = models.CharField("立项人姓名", max_length=200, blank=True)
    raised_at = models.DateTimeField("立项时间", auto_now_add=True)
    raised_on = models.DateField("立项日期")
    closed_on = models.DateField("销号日期", null=True, blank=True)

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题"
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["deadline"])]

    def __str__(self) -> str:
        return f"问题 {self.pk}（{self.unit_id}）"

    def overdue_on(self, day: dt.date) -> bool:
        """Past its deadline and not closed off on ``day``."""
        return self.state != State.CLOSED and self.deadline < day

    @property
    def notice_number(self) -> str:
        """The 文号 of the problem's 整改通知."""
        return f"编整改〔{self.raised_on.year}〕{self.pk}号"


class Action(models.TextChoices):
    RAISE = "raise", "立项"
    ANSWER = "answer", "反馈整改"
    RETURN = "return", "退回"
    CLOSE = "close", "销号"
    ESCALATE = "escalate", "逾期升级"


class ProblemStep(models.Model):
    """One step of a problem's loop: who, when, what, with the opinion or the plan and evidence."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    from_state = models.CharField("原状态", max_length=16, blank=True)
    to_state = models.CharField("新状态", max_length=16)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField("操作人姓名", max_length=200, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    opinion = models.TextField("意见", blank=True)
    plan = models.TextField("整改方案", blank=True)
    evidence = models.TextField("整改情况及佐证", blank=True)

    class Meta:
        verbose_name = "整改步骤"
        verbose_name_plural = "整改步骤"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action}"


class ProblemAttachment(models.Model):
    """A file attached to a problem (evidence, an inspection report), stored under
    ``BIANZHI_DATA_DIR/problems/<problem id>/``; served only to who may see the problem."""

    problem = models.ForeignKey(Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField("文件名", max_length=200)
    stored_name = models.CharField("存储名", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_by_name = models.CharField("上传人姓名", max_length=200, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "问题附件"
        verbose_name_plural = "问题附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
