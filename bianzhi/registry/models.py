"""The register (domain.md §2): divisions, units, quotas, positions, loans, limits, people, suspensions.

Identity rows (``Unit``, ``Person``) carry the key and the facts that date themselves — a unit's
成立日期/撤销日期, a person's 人员状态 with 进编日期/离编日期/核销日期 — exactly the fields domain.md §3
uses to decide "active" and "on staff". Everything else is effective-dated (``Versioned``): a later
import or an executed matter closes the current row and opens a new one, so every figure answers
"as of day D" with a plain range test.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from bianzhi.core.dates import BEGINNING, END
from bianzhi.core.models import Versioned
from bianzhi.registry.choices import (
    Funding,
    Gender,
    InstitutionClass,
    LimitCategory,
    LoanStatus,
    PersonCategory,
    PersonStatus,
    PositionCategory,
    Rank,
    Sequence,
    StaffingType,
    UnitKind,
)


class Division(models.Model):
    """行政区划 (GB/T 2260)."""

    code = models.CharField("区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=100, blank=True)
    parent = models.ForeignKey("self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Unit(models.Model):
    """机构: identity and its own dates (active on D: established ≤ D or empty, abolished > D or empty)."""

    code = models.CharField("机构代码", max_length=32, unique=True)
    established = models.DateField("成立日期", null=True, blank=True)
    abolished = models.DateField("撤销日期", null=True, blank=True)

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(established__isnull=True) | Q(abolished__isnull=True) | Q(abolished__gt=F("established")),
                name="unit_abolished_after_established",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def active_on(day, prefix: str = "") -> Q:
        """domain.md §3: established on or before D (or never dated) and not abolished on or before D."""
        p = prefix
        return (Q(**{f"{p}established__isnull": True}) | Q(**{f"{p}established__lte": day})) & (
            Q(**{f"{p}abolished__isnull": True}) | Q(**{f"{p}abolished__gt": day})
        )


class UnitVersion(Versioned):
    """The attributes of a unit (机构 sheet) over a period. ``sequence``/``region`` are resolved
    (inherited from the nearest ancestor that states one); ``own_*`` keep what was given."""

    unit = models.ForeignKey(Unit, verbose_name="机构", on_delete=models.PROTECT, related_name="versions")
    name = models.CharField("机构名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    parent = models.ForeignKey(
        Unit, verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("机构类型", max_length=16, choices=UnitKind.choices)
    own_sequence = models.CharField("序列（填报）", max_length=8, choices=Sequence.choices, blank=True)
    sequence = models.CharField("序列", max_length=8, choices=Sequence.choices, blank=True)
    rank = models.CharField("机构规格", max_length=8, choices=Rank.choices, blank=True)
    institution_class = models.CharField("事业单位类别", max_length=8, choices=InstitutionClass.choices, blank=True)
    civil_servant_managed = models.BooleanField("参公", default=False)
    funding = models.CharField("经费形式", max_length=8, choices=Funding.choices, blank=True)
    own_region = models.CharField("区划代码（填报）", max_length=6, blank=True)
    region = models.CharField("区划代码", max_length=6, blank=True, db_index=True)
    approved_divisions = models.PositiveIntegerField("核定内设机构数", null=True, blank=True)
    priority_tags = models.CharField("重点领域", max_length=64, blank=True, help_text="以“、”分隔")

    class Meta:
        verbose_name = "机构信息（分期）"
        verbose_name_plural = "机构信息（分期）"
        ordering = ["unit__code", "valid_from"]
        indexes = [models.Index(fields=["unit", "valid_to"]), models.Index(fields=["parent", "valid_to"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "valid_from"], name="unitversion_unique_start"),
            models.UniqueConstraint(fields=["unit"], condition=Q(valid_to=END), name="unitversion_one_open"),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="unitversion_period"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.valid_from}—{'' if self.valid_to == END else self.valid_to}）"


class StaffingQuota(Versioned):
    """编制: the approved number of one staffing type of a unit."""

    unit = models.ForeignKey(Unit, verbose_name="机构", on_delete=models.PROTECT, related_name="staffing_quotas")
    staffing_type = models.CharField("编制类型", max_length=8, choices=StaffingType.choices)
    approved = models.PositiveIntegerField("核定数")

    class Meta:
        verbose_name = "核定编制"
        verbose_name_plural = "核定编制"
        ordering = ["unit__code", "staffing_type", "valid_from"]
        indexes = [models.Index(fields=["unit", "staffing_type", "valid_to"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "staffing_type", "valid_from"], name="staffingquota_unique_start"),
            models.UniqueConstraint(
                fields=["unit", "staffing_type"], condition=Q(valid_to=END), name="staffingquota_one_open"
            ),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="staffingquota_period"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.staffing_type} {self.approved}"


class PositionQuota(Versioned):
    """职数: the approved number of leaders of one category of a unit."""

    unit = models.ForeignKey(Unit, verbose_name="机构", on_delete=models.PROTECT, related_name="position_quotas")
    category = models.CharField("职数类别", max_length=8, choices=PositionCategory.choices)
    approved = models.PositiveIntegerField("核定数")

    class Meta:
        verbose_name = "核定职数"
        verbose_name_plural = "核定职数"
        ordering = ["unit__code", "category", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "category", "valid_from"], name="positionquota_unique_start"),
            models.UniqueConstraint(
                fields=["unit", "category"], condition=Q(valid_to=END), name="positionquota_one_open"
            ),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="positionquota_period"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.category} {self.approved}"


class TurnoverLoan(Versioned):
    """周转编制: quota lent from the district pool, due back on ``due_date`` (回收日期)."""

    unit = models.ForeignKey(Unit, verbose_name="机构", on_delete=models.PROTECT, related_name="turnover_loans")
    staffing_type = models.CharField("编制类型", max_length=8, choices=StaffingType.choices)
    start_date = models.DateField("使用日期")
    quantity = models.PositiveIntegerField("数量")
    due_date = models.DateField("回收日期")
    status = models.CharField("状态", max_length=4, choices=LoanStatus.choices)
    # When the loan went back: its own dates (interchange.md §1), the same on every version.
    returned_date = models.DateField("实际回收日期", null=True, blank=True, help_text="如填报")
    returned_on = models.DateField(
        "收回生效日期",
        null=True,
        blank=True,
        help_text="实际回收日期；未填时为状态变更的生效日期（首次导入即为已回收的，为回收日期）",
    )

    class Meta:
        verbose_name = "周转编制"
        verbose_name_plural = "周转编制"
        ordering = ["unit__code", "staffing_type", "start_date", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "staffing_type", "start_date", "valid_from"], name="turnoverloan_unique_start"
            ),
            models.UniqueConstraint(
                fields=["unit", "staffing_type", "start_date"], condition=Q(valid_to=END), name="turnoverloan_one_open"
            ),
            models.CheckConstraint(condition=Q(due_date__gt=F("start_date")), name="turnoverloan_due_after_start"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="turnoverloan_quantity_positive"),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="turnoverloan_period"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.staffing_type} {self.quantity}（{self.start_date}—{self.due_date}）"

    @staticmethod
    def in_use_on(day, prefix: str = "") -> Q:
        """domain.md §3, on the version in force on D: 使用日期 ≤ D and not returned by D."""
        p = prefix
        kept = Q(**{f"{p}status": LoanStatus.IN_USE, f"{p}returned_on__isnull": True})
        return Q(**{f"{p}start_date__lte": day}) & (kept | Q(**{f"{p}returned_on__gt": day}))

    def is_in_use(self, day) -> bool:
        if self.start_date > day:
            return False
        if self.returned_on is not None:
            return self.returned_on > day
        return self.status == LoanStatus.IN_USE

    def status_on(self, day) -> str:
        """状态 as of D (a loan not yet lent on D reads 使用中: it is listed from 使用日期 on)."""
        if self.returned_on is not None and self.returned_on <= day:
            return LoanStatus.RETURNED
        return LoanStatus.IN_USE if self.returned_on is not None else self.status


class InstitutionLimit(Versioned):
    """机构限额 of a division and category."""

    region = models.CharField("区划代码", max_length=6)
    category = models.CharField("限额类别", max_length=8, choices=LimitCategory.choices)
    limit = models.PositiveIntegerField("限额数")

    class Meta:
        verbose_name = "机构限额"
        verbose_name_plural = "机构限额"
        ordering = ["region", "category", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "category", "valid_from"], name="institutionlimit_unique_start"),
            models.UniqueConstraint(
                fields=["region", "category"], condition=Q(valid_to=END), name="institutionlimit_one_open"
            ),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="institutionlimit_period"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.category} {self.limit}"


class Person(models.Model):
    """实有人员: the identity (身份证号). Everything else about a person — the status and the dates
    that place it, the unit, type and post — holds over a period (``PersonVersion``)."""

    # Unique through a constraint rather than unique=True, which on PostgreSQL would add a second
    # (LIKE-pattern) index on a million rows that no query uses: people are found by exact number.
    # On PostgreSQL the column compares bytewise (COLLATE "C", migration 0005): the number is ASCII,
    # so the order is the same, and sorting and comparing a million of them costs a third.
    id_number = models.CharField("身份证号", max_length=18)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["id_number"]
        constraints = [models.UniqueConstraint(fields=["id_number"], name="person_unique_id_number")]

    def __str__(self) -> str:
        return self.id_number


class PersonVersion(Versioned):
    """A person's attributes (人员 sheet) over a period: unit, staffing type, position, category…"""

    # A million rows: no index that another one already leads with (person → personversion_unique_start,
    # which also serves "the person's current version"; unit → unit/staffing_type/valid_to), nor on
    # valid_from (valid_to's, inherited, is the one SQLite's planner uses for the monitoring queries).
    valid_from = models.DateField("生效日期", default=BEGINNING)
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    name = models.CharField("姓名", max_length=64)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=32, blank=True)
    political_status = models.CharField("政治面貌", max_length=32, blank=True)
    education = models.CharField("学历", max_length=32, blank=True)
    degree = models.CharField("学位", max_length=32, blank=True)
    title = models.CharField("职称", max_length=64, blank=True)
    category = models.CharField("人员类别", max_length=8, choices=PersonCategory.choices)
    unit = models.ForeignKey(Unit, verbose_name="机构", on_delete=models.PROTECT, related_name="people", db_index=False)
    internal_division = models.ForeignKey(
        Unit,
        verbose_name="内设机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # most people have none: a partial index (Meta) holds only those who have
    )
    staffing_type = models.CharField("编制类型", max_length=8, choices=StaffingType.choices)
    post = models.CharField("职务", max_length=100, blank=True)
    position_category = models.CharField("职数类别", max_length=8, choices=PositionCategory.choices, blank=True)
    original_age = models.PositiveSmallIntegerField("原退休年龄", null=True, blank=True)
    retirement_month = models.DateField("法定退休月份", help_text="该月1日；按 2025 年改革规则计算（domain.md §5）")
    approved_retirement_month = models.DateField(
        "批准退休年月",
        null=True,
        blank=True,
        help_text="该月1日；批准的弹性退休（提前或延迟），预测和超龄未退监测以此代替法定退休月份（domain.md §5）",
    )
    # 人员状态 is a value with periods like the others; the dates that place it are the person's own
    # (interchange.md §1 "Dates and periods"): they hold for the whole spell on staff they belong to,
    # so every version of that spell carries them, and a correction rewrites them all.
    status = models.CharField("人员状态", max_length=4, choices=PersonStatus.choices, default=PersonStatus.ON_STAFF)
    entry_date = models.DateField("进编日期", null=True, blank=True)
    left_date = models.DateField("离编日期", null=True, blank=True, help_text="如填报")
    left_on = models.DateField(
        "离编生效日期", null=True, blank=True, help_text="离编日期；未填时为状态变更的生效日期（各规则以此为离编日）"
    )
    written_off_date = models.DateField("核销日期", null=True, blank=True)
    write_off_deadline = models.DateField(
        "核销期限", null=True, blank=True, help_text="离编后第10个工作日（domain.md §4 late_write_off）"
    )

    class Meta:
        verbose_name = "人员信息（分期）"
        verbose_name_plural = "人员信息（分期）"
        ordering = ["person__id_number", "valid_from"]
        indexes = [
            models.Index(fields=["unit", "staffing_type", "valid_to"]),
            models.Index(
                fields=["internal_division"],
                condition=Q(internal_division__isnull=False),
                name="personversion_division",
            ),
            # Only the versions of people who left (a few in a hundred): what late_write_off reads.
            models.Index(
                fields=["write_off_deadline"],
                condition=Q(write_off_deadline__isnull=False),
                name="personversion_leaving",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "valid_from"], name="personversion_unique_start"),
            # One open period per fact, on both engines (issue 12: concurrent writers left a person
            # in force 16 times); a GiST exclusion over every period costs ~1 min at a million rows.
            models.UniqueConstraint(fields=["person"], condition=Q(valid_to=END), name="personversion_one_open"),
            models.CheckConstraint(condition=Q(valid_to__gt=F("valid_from")), name="personversion_period"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.unit_id}"

    @staticmethod
    def on_staff_on(day, prefix: str = "") -> Q:
        """domain.md §3, on the version in force on D: entered by D (进编日期 empty or ≤ D), and 在编
        with no departure, or departed after D (``left_on``: the spell's 离编日期 or implied day)."""
        p = prefix
        entered = Q(**{f"{p}entry_date__isnull": True}) | Q(**{f"{p}entry_date__lte": day})
        staying = Q(**{f"{p}status": PersonStatus.ON_STAFF, f"{p}left_on__isnull": True}) | Q(
            **{f"{p}left_on__gt": day}
        )
        return entered & staying

    @staticmethod
    def with_status_on(day, status: str) -> Q:
        """Versions whose 人员状态 as of D (``status_on``) is ``status``."""
        on_staff = PersonVersion.on_staff_on(day)
        return on_staff if status == PersonStatus.ON_STAFF else ~on_staff & Q(status=status)

    def is_on_staff(self, day) -> bool:
        """``on_staff_on`` for this version, in Python."""
        if self.entry_date is not None and self.entry_date > day:
            return False
        if self.left_on is not None:
            return self.left_on > day
        return self.status == PersonStatus.ON_STAFF

    def status_on(self, day) -> str:
        """人员状态 as of D: 在编 while on staff (a spell placed by its dates), else the version's."""
        if self.is_on_staff(day):
            return PersonStatus.ON_STAFF
        return self.status


class Suspension(models.Model):
    """暂缓审批: a unit's staffing-use and position-use approvals are blocked until lifted (domain.md §9).

    A fact about the unit, so it lives here; supervision and analysis start it through
    ``registry.services.suspension_start`` and approvals honours it.
    """

    unit = models.ForeignKey(Unit, verbose_name="机构", on_delete=models.PROTECT, related_name="suspensions")
    reason = models.CharField("原因", max_length=200)
    source = models.CharField("来源", max_length=32, blank=True, help_text="如 三色管理、问题整改")
    started_on = models.DateField("开始日期")
    planned_end = models.DateField("计划结束日期", null=True, blank=True)
    lifted_on = models.DateField("解除日期", null=True, blank=True)
    lift_reason = models.CharField("解除原因", max_length=200, blank=True)
    change_set = models.ForeignKey(
        "core.ChangeSet", verbose_name="变更批次", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "暂缓审批"
        verbose_name_plural = "暂缓审批"
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=F("started_on")),
                name="suspension_lifted_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.reason}"

    @staticmethod
    def in_force_on(day) -> Q:
        return Q(started_on__lte=day) & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=day))


class WorkbookUpload(models.Model):
    """A standard workbook uploaded for import (interchange.md §1): kept under
    ``BIANZHI_DATA_DIR/uploads``, validated by a dry run, then imported when someone confirms it.
    The state moves 已上传 → 校验通过 / 校验未通过 → 已导入; ``report`` is the last validation or
    import result in the shape of ``bianzhi import --json``."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        VALID = "valid", "校验通过"
        INVALID = "invalid", "校验未通过"
        IMPORTED = "imported", "已导入"

    file_name = models.CharField("文件名", max_length=255)
    stored_path = models.CharField("存放位置", max_length=500, help_text="相对于数据目录下的 uploads")
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.UPLOADED, db_index=True)
    effective = models.DateField("生效日期", null=True, blank=True, help_text="空为导入当天")
    reason = models.TextField("理由", blank=True)
    document_number = models.CharField("文号", max_length=200, blank=True)
    report = models.JSONField("校验报告", default=dict, blank=True)
    validated_at = models.DateTimeField("校验时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认导入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("导入时间", null=True, blank=True)
    change_set = models.ForeignKey(
        "core.ChangeSet", verbose_name="变更批次", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "工作簿上传"
        verbose_name_plural = "工作簿上传"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_state_display()}）"


class ImportJob(models.Model):
    """导入任务: one background run over an uploaded workbook — a validation (a dry run of the
    import) or a confirmed import (re-validated first) — with the progress the page polls.

    ``progress`` and ``percent`` are written from the import's progress callback while the job
    runs; the outcome lands on the upload itself (its state and report), as with the API."""

    class Kind(models.TextChoices):
        VALIDATE = "validate", "校验"
        CONFIRM = "confirm", "导入"

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "出错"

    upload = models.ForeignKey(WorkbookUpload, verbose_name="工作簿", on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    progress = models.CharField("进度", max_length=200, blank=True)
    percent = models.PositiveSmallIntegerField("完成百分比", default=0)
    data_rows = models.PositiveIntegerField("数据行数", null=True, blank=True, help_text="各标准工作表的非空数据行合计")
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)
    error = models.TextField("异常信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    #: written by the worker as the job progresses (and every half minute by its heartbeat thread):
    #: a running job whose heartbeat is older than BIANZHI_IMPORT_STALE_MINUTES has lost its worker
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.upload.file_name} {self.get_kind_display()}（{self.get_state_display()}）"

    @property
    def active(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}
