"""Monitoring: rule settings, runs and the alerts each run found (domain.md §4)."""

from __future__ import annotations

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


class MonitoringRun(models.Model):
    """One evaluation of the enabled rules as of a day (full, or for a set of units)."""

    as_of = models.DateField("监测日期", db_index=True)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    scope = models.CharField("范围", max_length=200, blank=True, help_text="空为全区")
    alert_count = models.PositiveIntegerField("预警数", default=0)

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
