"""Build the demo district: generate the standard workbook, import it like any office would, add
the demo accounts and run the monitor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from bianzhi.demo.generator import AS_OF, build_demo_workbook
from bianzhi.registry.services import ImportResult, workbook_import
from bianzhi.supervision.services import monitoring_run

DEMO_PASSWORD = "bianzhi-demo"  # nosec B105 # the demo accounts' published password, demo database only
DEMO_ACCOUNTS = (
    ("admin", "编办管理员（超级用户）"),
    ("officer", "编办业务人员"),
    ("leader", "领导（只读）"),
    ("hr", "单位人事干部（区教育体育局及其下属单位）"),
)


@dataclass
class DemoSummary:
    workbook: Path
    imported: ImportResult
    alerts_as_of: int
    alert_counts: dict[str, int]


def demo_accounts_create() -> None:
    """The demo's accounts with real role grants (domain.md §11): admin 编办管理员, officer
    编办业务人员, leader 领导, and hr 单位人事干部 of 区教育体育局 (found by its name in the demo
    workbook) and all its schools and centres. Only admin reaches Django's admin (数据管理), which
    is the 编办管理员's alone (accounts/admin_site.py): the others work in the pages and the API, and
    no account holds Django model permissions. The accounts are one change set of the change log."""
    from bianzhi.accounts.models import Role, RoleGrant
    from bianzhi.accounts.services import role_grant_create
    from bianzhi.core.changelog import change_context
    from bianzhi.core.dates import END
    from bianzhi.registry.models import UnitVersion

    roles = {"admin": Role.ADMIN, "officer": Role.OFFICER, "leader": Role.LEADER, "hr": Role.UNIT_HR}
    education = UnitVersion.objects.filter(name="绍兴市越城区教育体育局", valid_to=END).select_related("unit").first()
    with change_context(source="service", actor="bianzhi demo", reason="演示账户"):
        for username, label in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first() or User(username=username)
            user.first_name = label
            user.is_staff = user.is_superuser = username == "admin"
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.user_permissions.clear()
    for username, _ in DEMO_ACCOUNTS:
        user = User.objects.get(username=username)
        role = roles[username]
        unit = education.unit if role == Role.UNIT_HR and education is not None else None
        if role == Role.UNIT_HR and unit is None:
            continue  # a demo workbook without 区教育体育局 (never the case with the fixed seed)
        if not RoleGrant.objects.filter(user=user, role=role, unit=unit).exists():
            role_grant_create(user=user, role=role, unit=unit, actor="bianzhi demo")


def demo_build(*, data_dir: Path, people: int = 6000, seed: int = 20260630) -> DemoSummary:
    data_dir.mkdir(parents=True, exist_ok=True)
    demo = build_demo_workbook(seed=seed, people=people)
    path = demo.write_xlsx(data_dir / "越城区-演示工作簿.xlsx")
    result = workbook_import(
        path=path,
        reason="演示数据：越城区机构编制实名制（固定随机种子生成）",
        document_number="演示〔2026〕1号",
        actor="bianzhi demo",
    )
    if not result.ok:
        raise RuntimeError(f"演示工作簿未通过校验：{result.errors[:5]}")
    with transaction.atomic():
        demo_accounts_create()
    _, alerts = monitoring_run(as_of=AS_OF)
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert["rule"]] = counts.get(alert["rule"], 0) + 1
    return DemoSummary(workbook=path, imported=result, alerts_as_of=len(alerts), alert_counts=counts)
