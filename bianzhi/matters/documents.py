"""The decision on a matter (机构编制事项的批复) as an official document (bianzhi.core.documents)."""

from __future__ import annotations

from typing import Any

from bianzhi.core.dates import today
from bianzhi.core.documents import OfficialDocument
from bianzhi.matters.models import Matter, MatterKind, MatterState

ISSUER = "中共越城区委机构编制委员会"


def change_lines(kind: str, change: dict[str, Any]) -> list[list[str]]:
    """The change as rows of (项目, 内容), in the words of the decision."""
    c = change or {}
    if kind in (MatterKind.ESTABLISH, MatterKind.SPLIT):
        unit = c.get("unit") or {}
        rows = [["机构", f"{unit.get('机构名称', '')}（{unit.get('机构代码', '')}）"]]
        rows += [["机构类型", str(unit.get("机构类型", ""))]] if unit.get("机构类型") else []
        if kind == MatterKind.SPLIT:
            rows.insert(0, ["分设自", str(c.get("source", ""))])
        rows += [[f"核定{i['编制类型']}", f"{i['核定数']} 名"] for i in c.get("staffing") or []]
        rows += [[f"核定{i['职数类别']}职数", f"{i['核定数']} 名"] for i in c.get("positions") or []]
        if c.get("people"):
            rows.append(["随同转入人员", f"{len(c['people'])} 名"])
        return rows
    if kind == MatterKind.ABOLISH:
        return [["撤销机构", str(c.get("unit", ""))]]
    if kind == MatterKind.MERGE:
        return [["合并后的机构", str(c.get("target", ""))], ["被合并的机构", "、".join(c.get("merged") or [])]]
    if kind == MatterKind.RENAME:
        return [["机构", str(c.get("unit", ""))], ["新名称", str(c.get("name", ""))]]
    if kind == MatterKind.RERANK:
        return [["机构", str(c.get("unit", ""))], ["机构规格", str(c.get("rank", ""))]]
    if kind == MatterKind.FUNCTIONS:
        return [["机构", str(c.get("unit", ""))], ["职责调整", str(c.get("functions", ""))]]
    if kind in (MatterKind.ADD_STAFFING, MatterKind.REDUCE_STAFFING):
        verb = "增加" if kind == MatterKind.ADD_STAFFING else "核减"
        return [["机构", str(c.get("unit", ""))], [f"{verb}{c.get('staffing_type', '')}", f"{c.get('delta', '')} 名"]]
    if kind == MatterKind.TRANSFER:
        return [
            ["划出机构", str(c.get("from", ""))],
            ["划入机构", str(c.get("to", ""))],
            [f"划转{c.get('staffing_type', '')}", f"{c.get('count', '')} 名"],
        ]
    if kind == MatterKind.POSITIONS:
        return [["机构", str(c.get("unit", ""))], [f"核定{c.get('category', '')}职数", f"{c.get('count', '')} 名"]]
    if kind == MatterKind.ADD_DIVISION:
        division = c.get("division") or {}
        return [
            ["所属机构", str(c.get("unit", ""))],
            ["增设内设机构", f"{division.get('机构名称', '')}（{division.get('机构代码', '')}）"],
        ]
    if kind == MatterKind.REMOVE_DIVISION:
        return [["撤销内设机构", str(c.get("division", ""))]]
    return []


def matter_document(matter: Matter) -> OfficialDocument:
    """机构编制事项的批复: title, 文号, the units involved as 主送, the decision, the change as a table,
    the issuing committee and the day (the effective day once executed)."""
    units = "、".join(u.code for u in matter.units.all())
    decided = matter.state in (MatterState.DECIDED, MatterState.EXECUTED)
    body = "中共越城区委" if matter.major else ISSUER
    paragraphs = [f"你单位关于“{matter.title}”的请示收悉。"]
    if matter.basis:
        paragraphs.append(matter.basis)
    if decided:
        paragraphs.append(f"经{matter.decision_body}研究，同意{matter.kind}，具体如下表。")
    else:
        paragraphs.append(f"本事项尚未作出决定（当前状态：{matter.get_state_display()}），以下为拟办内容。")
    rows = change_lines(matter.kind, matter.change)
    if matter.kind == MatterKind.CORRECTION and matter.amends is not None:
        paragraphs.append(
            f"撤销事项“{matter.amends.title}”（{matter.amends.document_number or '无文号'}）。理由：{matter.reason}"
        )
        replacement = (matter.change or {}).get("replacement")
        rows = (
            change_lines(matter.amends.kind, replacement)
            if replacement
            else [["更正方式", "撤销原事项，恢复原登记数据"]]
        )
    day = matter.executed_on or matter.effective
    if day:
        paragraphs.append(f"以上事项自 {day.year}年{day.month}月{day.day}日 起执行。")
    paragraphs.append("特此批复。")
    return OfficialDocument(
        title=f"关于{matter.title}的批复",
        number=matter.document_number,
        recipient=units or "有关单位",
        paragraphs=paragraphs,
        table=(["项目", "内容"], rows) if rows else None,
        issuer=body,
        date=today(),
        subtitle="",
    )
