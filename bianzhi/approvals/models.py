"""Models of bianzhi.approvals (see the package docstring).

用编计划 (``StaffingPlan``), 用编/职数申请 (``StaffingRequest``) with every transition as a
``RequestStep``, the 核准使用编制通知单 (``Slip``) an approval issues and the onboardings (``Onboarding``)
that fill it (domain.md §3 usable, interchange.md §3 "Staffing use"). Writes go through
``bianzhi.approvals.services``; these classes hold fields, constraints and small properties only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bianzhi.registry.choices import PositionCategory, StaffingType


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已批准"


class RequestState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已核准"
    REJECTED = "rejected", "未予核准"
    WITHDRAWN = "withdrawn", "已撤回"


class ReasonKind(models.TextChoices):
    RECRUITMENT = "招录", "招录（考录、招聘）"
    SELECTION = "遴选", "遴选、选调"
    TRANSFER_IN = "调入", "调入"
    RESETTLEMENT = "安置", "军转、随军家属等政策性安置"
    TALENT = "引进", "人才引进"
    OTHER = "其他", "其他"


class StepAction(models.TextChoices):
    CREATE = "create", "新建"
    SUBMIT = "submit", "提交"
    APPROVE = "approve", "核准"
    REJECT = "reject", "不予核准"
    RETURN = "return", "退回"
    WITHDRAW = "withdraw", "撤回"


class SlipKind(models.TextChoices):
    STAFFING = "YB", "核准使用编制通知单"
    POSITION = "ZS", "核准使用职数通知单"


class StaffingPlan(models.Model):
    """用编计划: how many places of a staffing type a unit plans to fill in a year. Plans never block an
    approval: a missing or exceeded plan is a warning (interchange.md §3)."""

    unit = models.ForeignKey("registry.Unit", verbose_name="机构", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    staffing_type = models.CharField("编制类型", max_length=8, choices=StaffingType.choices)
    count = models.PositiveIntegerField("计划用编数")
    note = models.TextField("说明", blank=True)
    state = models.CharField("状态", max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)

    class Meta:
        verbose_name = "用编计划"
        verbose_name_plural = "用编计划"
        ordering = ["-year", "unit__code", "staffing_type"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "staffing_type"], name="staffingplan_unique"),
            models.CheckConstraint(condition=Q(count__gt=0), name="staffingplan_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id} {self.staffing_type} {self.count}"


class StaffingRequest(models.Model):
    """用编申请 (or, with ``position_category``, 职数使用申请) of a unit: draft → submitted → approved /
    rejected / returned (→ submitted again) / withdrawn."""

    unit = models.ForeignKey("registry.Unit", verbose_name="机构", on_delete=models.PROTECT, related_name="+")
    staffing_type = models.CharField("编制类型", max_length=8, choices=StaffingType.choices)
    position_category = models.CharField(
        "职数类别", max_length=8, choices=PositionCategory.choices, blank=True, help_text="填写时为职数使用申请"
    )
    count = models.PositiveIntegerField("数量")
    reason = models.TextField("理由")
    reason_kind = models.CharField("用编方式", max_length=8, choices=ReasonKind.choices, blank=True)
    state = models.CharField(
        "状态", max_length=16, choices=RequestState.choices, default=RequestState.DRAFT, db_index=True
    )
    opinion = models.TextField("最近意见", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField("最近变动时间", auto_now=True)

    class Meta:
        verbose_name = "用编申请"
        verbose_name_plural = "用编申请"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(count__gt=0), name="staffingrequest_count_positive")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit_id} {self.staffing_type} {self.count}"

    @property
    def is_position_use(self) -> bool:
        return bool(self.position_category)


class RequestStep(models.Model):
    """One transition of a request: who, when, from which state to which, with what opinion."""

    request = models.ForeignKey(StaffingRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=16, choices=StepAction.choices)
    from_state = models.CharField("原状态", max_length=16, choices=RequestState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=16, choices=RequestState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    opinion = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "审批记录"
        verbose_name_plural = "审批记录"
        ordering = ["request_id", "at", "id"]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.from_state}→{self.to_state}"


class Slip(models.Model):
    """核准使用编制通知单 (YB-YYYY-NNNN) or 核准使用职数通知单 (ZS-YYYY-NNNN): the places an approval
    reserves (在途) until filled by onboardings or until ``expires_on`` has passed."""

    number = models.CharField("通知单编号", max_length=16, unique=True)
    kind = models.CharField("类型", max_length=2, choices=SlipKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("年度序号")
    request = models.OneToOneField(StaffingRequest, verbose_name="申请", on_delete=models.PROTECT, related_name="slip")
    unit = models.ForeignKey("registry.Unit", verbose_name="机构", on_delete=models.PROTECT, related_name="+")
    staffing_type = models.CharField("编制类型", max_length=8, choices=StaffingType.choices)
    position_category = models.CharField("职数类别", max_length=8, choices=PositionCategory.choices, blank=True)
    count = models.PositiveIntegerField("核准数")
    remaining = models.PositiveIntegerField("剩余数")
    approved_on = models.DateField("核准日期")
    expires_on = models.DateField("有效期至")
    document_number = models.CharField("文号", max_length=100, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核准人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("开具时间", auto_now_add=True)

    class Meta:
        verbose_name = "核准使用编制通知单"
        verbose_name_plural = "核准使用编制通知单"
        ordering = ["-approved_on", "-number"]
        indexes = [models.Index(fields=["unit", "staffing_type", "expires_on"])]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "sequence"], name="slip_unique_sequence"),
            models.CheckConstraint(condition=Q(count__gt=0), name="slip_count_positive"),
            models.CheckConstraint(condition=Q(remaining__lte=F("count")), name="slip_remaining_within_count"),
            models.CheckConstraint(condition=Q(expires_on__gte=F("approved_on")), name="slip_expires_after_approval"),
        ]

    def __str__(self) -> str:
        return self.number

    def is_expired(self, day) -> bool:
        """Valid through ``expires_on``; expired from the day after."""
        return day > self.expires_on


class Onboarding(models.Model):
    """入编: one person put on staff against a slip (进编日期 ``entry_date``)."""

    slip = models.ForeignKey(Slip, verbose_name="通知单", on_delete=models.PROTECT, related_name="onboardings")
    person = models.ForeignKey("registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    entry_date = models.DateField("进编日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("办理时间", auto_now_add=True)
    change_set = models.ForeignKey(
        "core.ChangeSet", verbose_name="变更批次", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "入编"
        verbose_name_plural = "入编"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["slip", "entry_date"])]

    def __str__(self) -> str:
        return f"{self.slip_id} {self.person_id} {self.entry_date}"
