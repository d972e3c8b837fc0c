"""Models of bianzhi.matters: 机构编制事项 (domain.md §2 glossary, issue 14 "Staffing matters").

A matter is a formal change of the register — set up, abolish, merge, split, rename or re-rank a
unit, change its functions, add, reduce or transfer staffing, adjust positions, add or remove an
internal division — that moves draft → submitted → reviewed (编办) → decided (编委, or 党委 for a
major matter) → executed. Each transition is one ``MatterStep`` (who, when, from → to, opinion);
countersignatures (会签) are ``Countersign`` rows, all of which must be signed before the decision.
Execution writes the change to the register through the import path and keeps the change set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class MatterKind(models.TextChoices):
    """事项类型."""

    ESTABLISH = "设立", "设立"
    ABOLISH = "撤销", "撤销"
    MERGE = "合并", "合并"
    SPLIT = "分设", "分设"
    RENAME = "更名", "更名"
    RERANK = "调整规格", "调整规格"
    FUNCTIONS = "职责调整", "职责调整"
    ADD_STAFFING = "增编", "增编"
    REDUCE_STAFFING = "减编", "减编"
    TRANSFER = "划转编制", "划转编制"
    POSITIONS = "调整职数", "调整职数"
    ADD_DIVISION = "增设内设机构", "增设内设机构"
    REMOVE_DIVISION = "撤销内设机构", "撤销内设机构"
    CORRECTION = "撤销更正", "撤销更正"


class MatterState(models.TextChoices):
    """事项状态."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    REVIEWED = "reviewed", "已审核"
    DECIDED = "decided", "已决定"
    EXECUTED = "executed", "已执行"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


#: the workflow's main line, in order (a return goes back to any earlier one of these)
STATE_ORDER = [MatterState.DRAFT, MatterState.SUBMITTED, MatterState.REVIEWED, MatterState.DECIDED]


class Matter(models.Model):
    """机构编制事项: one formal change and its workflow."""

    kind = models.CharField("事项类型", max_length=8, choices=MatterKind.choices)
    title = models.CharField("标题", max_length=200)
    state = models.CharField("状态", max_length=16, choices=MatterState.choices, default=MatterState.DRAFT)
    units = models.ManyToManyField("registry.Unit", verbose_name="涉及机构", related_name="+", blank=True)
    #: the change itself, by kind (bianzhi/matters/services.py ``validate_change`` says the shape)
    change = models.JSONField("变更内容", default=dict, blank=True)
    effective = models.DateField("拟生效日期", null=True, blank=True)
    document_number = models.CharField("文号", max_length=200, blank=True)
    major = models.BooleanField("重大事项（党委决定）", default=False)
    basis = models.TextField("事由与依据", blank=True)
    amends = models.ForeignKey(
        "self",
        verbose_name="更正的事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.TextField("更正理由", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("拟稿时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    decided_by_body = models.CharField("决定机关", max_length=16, blank=True)
    executed_on = models.DateField("执行生效日期", null=True, blank=True)
    executed_at = models.DateTimeField("执行时间", null=True, blank=True)
    change_set = models.ForeignKey(
        "core.ChangeSet",
        verbose_name="执行的变更批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: what execution wrote (``sheets``) and the stored values it replaced (``inverse``), keyed by
    #: the workbook's headers — a correction applies ``inverse``
    applied = models.JSONField("执行内容", default=dict, blank=True)

    class Meta:
        verbose_name = "机构编制事项"
        verbose_name_plural = "机构编制事项"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="撤销更正") | Q(amends__isnull=False), name="matter_correction_amends"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}：{self.title}"

    @property
    def decision_body(self) -> str:
        """党委 for a major matter, else 编委 (机构编制委员会)."""
        return "党委" if self.major else "编委"


class MatterStep(models.Model):
    """One transition of a matter: who, when, from → to, and the opinion."""

    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=16)
    from_state = models.CharField("原状态", max_length=16, choices=MatterState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=16, choices=MatterState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField("操作人（描述）", max_length=150, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    opinion = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "事项办理步骤"
        verbose_name_plural = "事项办理步骤"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.action} {self.from_state}→{self.to_state}"


class Countersign(models.Model):
    """会签: one office's countersignature of a matter."""

    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="countersigns")
    office = models.CharField("会签单位", max_length=100)
    signed = models.BooleanField("已会签", default=False)
    agreed = models.BooleanField("同意", default=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会签人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.CharField("会签人（描述）", max_length=150, blank=True)
    signed_at = models.DateTimeField("会签时间", null=True, blank=True)
    opinion = models.TextField("会签意见", blank=True)

    class Meta:
        verbose_name = "会签"
        verbose_name_plural = "会签"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["matter", "office"], name="countersign_unique_office")]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.office}"
