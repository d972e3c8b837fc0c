"""Monitoring: rule settings, runs and the alerts each run found (domain.md §4)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class Severity(models.TextChoices):
    HIGH = "高", "高"
    MEDIUM = "中", "中"
    LOW = "低", "低"


class RuleSetting(models.Model):
    """An administrator's switch and parameters for one registered rule. No row = the rule's defaults."""

    rule = models.CharField("规则", max_length=64, unique=True)
    enabled = models.BooleanField("启用", default=True)
    severity = models.CharField("严重程度", max_length=1, choices=Severity.choices, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "监测规则设置"
        verbose_name_plural = "监测规则设置"
        ordering = ["rule"]

    def __str__(self) -> str:
        return self.rule

    def clean(self) -> None:
        """The rule must be registered and every parameter fit its schema (forms, the admin)."""
        from bianzhi.supervision.rulebook import ParamError, get_rule, validate_params

        try:
            rule = get_rule(self.rule)
        except KeyError:
            raise ValidationError({"rule": f"没有编号为“{self.rule}”的监测规则"}) from None
        try:
            self.params = validate_params(rule, self.params if self.params is not None else {})
        except ParamError as exc:
            raise ValidationError({"params": str(exc)}) from None


class MonitoringRun(models.Model):
    """One evaluation of the enabled rules as of a day: full (``full``), or partial — for the units
    in ``units`` (codes), except the rules listed in ``coverage`` with a wider reach (``over_limit``:
    the units' parents and divisions). The current alerts of a day lay the partial runs over the
    latest full run (``bianzhi.supervision.selectors.current_alerts``)."""

    as_of = models.DateField("监测日期", db_index=True)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    scope = models.CharField("范围", max_length=200, blank=True, help_text="空为全区")
    alert_count = models.PositiveIntegerField("预警数", default=0)
    full = models.BooleanField("全区运行", default=True)
    units = models.JSONField("覆盖机构", default=list, blank=True, help_text="部分运行所评估机构的代码（全区运行为空）")
    coverage = models.JSONField(
        "规则覆盖范围",
        default=dict,
        blank=True,
        help_text="覆盖范围与所评估机构不同的规则：规则编号 → {units: 机构代码, regions: 区划代码}",
    )
    warnings = models.JSONField("警告", default=list, blank=True, help_text="未能使用的规则设置等")
    tracked = models.BooleanField(
        "计入预警历史", default=False, help_text="按监测日期先后计入预警的首次发现与消除（补测以往日期的运行不计入）"
    )

    class Meta:
        verbose_name = "监测运行"
        verbose_name_plural = "监测运行"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of} #{self.pk}"


class Alert(models.Model):
    """An alert found by a run. ``fingerprint`` identifies the same problem across runs, so the
    first run that found it tells when it appeared and the first run without it when it cleared."""

    run = models.ForeignKey(MonitoringRun, verbose_name="监测运行", on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField("规则", max_length=64, db_index=True)
    severity = models.CharField("严重程度", max_length=1, choices=Severity.choices)
    unit_code = models.CharField("机构代码", max_length=32, blank=True, db_index=True)
    region = models.CharField("区划代码", max_length=6, blank=True)
    person = models.CharField("身份证号", max_length=18, blank=True)
    fingerprint = models.CharField("标识", max_length=200, db_index=True)
    message = models.TextField("说明")
    data = models.JSONField("明细", default=dict)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return self.message


class AlertTrack(models.Model):
    """One alert's life across runs (domain.md §4): the same ``fingerprint`` found in an unbroken
    sequence of runs. It opens with the first run that found it (``first_seen_*``), follows the
    latest run that still found it (``last_seen_*``) and closes with the first later run that
    covered its subject without finding it (``cleared_*``: a full run, or a partial run whose
    coverage reaches the alert's unit or division). Appearing again later opens a new track.
    Only runs as of a day no earlier than the latest tracked run move the history
    (``MonitoringRun.tracked``): a run as of a past day tells about the past, not about what cleared."""

    fingerprint = models.CharField("标识", max_length=200)
    rule = models.CharField("规则", max_length=64, db_index=True)
    severity = models.CharField("严重程度", max_length=1, choices=Severity.choices)
    unit_code = models.CharField("机构代码", max_length=32, blank=True, db_index=True)
    region = models.CharField("区划代码", max_length=6, blank=True)
    person = models.CharField("身份证号", max_length=18, blank=True)
    message = models.TextField("说明", help_text="最近一次发现时的说明")
    data = models.JSONField("明细", default=dict, help_text="最近一次发现时的明细")
    first_seen_run = models.ForeignKey(
        MonitoringRun, verbose_name="首次发现的运行", on_delete=models.CASCADE, related_name="+"
    )
    first_seen_on = models.DateField("首次发现日期")
    last_seen_run = models.ForeignKey(
        MonitoringRun, verbose_name="最近发现的运行", on_delete=models.CASCADE, related_name="+"
    )
    last_seen_on = models.DateField("最近发现日期")
    cleared_run = models.ForeignKey(
        MonitoringRun, verbose_name="消除的运行", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    cleared_on = models.DateField("消除日期", null=True, blank=True)

    class Meta:
        verbose_name = "预警历史"
        verbose_name_plural = "预警历史"
        ordering = ["-first_seen_on", "-id"]
        indexes = [models.Index(fields=["fingerprint", "first_seen_on"], name="alerttrack_print_first")]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"], condition=models.Q(cleared_run__isnull=True), name="alerttrack_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fingerprint}（{self.first_seen_on}—{self.cleared_on or ''}）"

    @property
    def open(self) -> bool:
        return self.cleared_run_id is None
