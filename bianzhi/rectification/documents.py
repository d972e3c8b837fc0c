"""The 整改通知 (rectification notice) of a problem, as an official document (core.documents)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from bianzhi.core.dates import today
from bianzhi.core.documents import OfficialDocument
from bianzhi.rectification.models import Problem
from bianzhi.rectification.privacy import shown_problem_text
from bianzhi.rectification.selectors import unit_name

#: the office that issues notices (``BIANZHI_OFFICE_NAME`` overrides it)
DEFAULT_ISSUER = "机构编制委员会办公室"


def issuer() -> str:
    return str(getattr(settings, "BIANZHI_OFFICE_NAME", "") or DEFAULT_ISSUER)


def notice_document(problem: Problem, *, whole: bool = True, day: dt.date | None = None) -> OfficialDocument:
    """整改通知: to the unit, naming the problem, its basis, severity, deadline and what to send back;
    free text masked as the reader sees it (``whole`` False for a masked role)."""
    day = day or today()
    name = unit_name(problem.unit)

    def text(value: str) -> str:
        return shown_problem_text(problem, value, whole=whole, day=day)

    deadline = f"{problem.deadline.year}年{problem.deadline.month}月{problem.deadline.day}日"
    paragraphs = [
        f"经{problem.source}发现，你单位存在以下问题：{text(problem.description)}",
    ]
    if problem.basis:
        paragraphs.append(f"依据：{text(problem.basis)}。")
    paragraphs += [
        f"请你单位高度重视，于{deadline}前完成整改，并通过平台报送整改方案和整改情况及佐证材料。"
        "整改完成并经核查销号前，暂缓办理你单位的用编、用职数审批事项。逾期未完成整改的，将按规定升级处理。",
        f"责任人：{text(problem.responsible) or '单位主要负责人'}。",
    ]
    table = (
        ["问题编号", "机构", "严重程度", "来源", "整改期限"],
        [
            [
                str(problem.pk),
                f"{name}（{problem.unit.code}）",
                problem.severity,
                problem.source,
                problem.deadline.isoformat(),
            ]
        ],
    )
    return OfficialDocument(
        title="整改通知",
        number=problem.notice_number,
        recipient=name,
        paragraphs=paragraphs,
        table=table,
        issuer=issuer(),
        date=problem.raised_on,
        subtitle="",
    )
