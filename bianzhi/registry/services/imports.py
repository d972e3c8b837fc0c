"""Import of the standard workbook: the loading and synchronisation path of the register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bianzhi.core.changelog import change_context
from bianzhi.core.dates import today
from bianzhi.registry.importer import plan as planning
from bianzhi.registry.importer import write
from bianzhi.registry.importer.reader import SHEET_NAMES, RawSheet, UnreadableFile, read_sources
from bianzhi.registry.importer.schema import LIMITS, LOANS, PEOPLE, POSITIONS, QUOTAS, SHEET_BY_NAME, UNITS
from bianzhi.registry.importer.validate import (
    Issues,
    ParsedSheet,
    StoredUnit,
    check_structure,
    parse_sheet,
    validate_limits,
    validate_loans,
    validate_people,
    validate_positions,
    validate_quotas,
    validate_units,
)

Progress = Callable[[str], None]


@dataclass
class ImportResult:
    ok: bool
    dry_run: bool
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHEET_NAMES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHEET_NAMES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SHEET_NAMES, 0))
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    change_set_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The shape of ``bianzhi import --json`` (interchange.md §2)."""
        if not self.ok:
            return {"ok": False, "errors": self.errors, "warnings": self.warnings}
        return {
            "ok": True,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
        }


_SHEET_INDEX = {name: i for i, name in enumerate(SHEET_NAMES)}


def _sorted(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(p: dict[str, Any]) -> tuple:
        spec = SHEET_BY_NAME.get(p["sheet"])
        headers = [c.header for c in spec.columns] if spec else []
        column = headers.index(p["column"]) if p["column"] in headers else len(headers)
        return (_SHEET_INDEX.get(p["sheet"], -1), p["row"], column)

    return sorted(problems, key=key)


def _rejected(issues: Issues, dry_run: bool) -> ImportResult:
    return ImportResult(ok=False, dry_run=dry_run, errors=_sorted(issues.errors), warnings=_sorted(issues.warnings))


def workbook_import(
    *,
    path: Path,
    dry_run: bool = False,
    effective: dt.date | None = None,
    reason: str = "",
    document_number: str = "",
    user: Any = None,
    actor: str = "",
    source: str = "import",
    progress: Progress | None = None,
) -> ImportResult:
    """Import the standard workbook (interchange.md §1) from an .xlsx file, a CSV folder or a zip:
    all or nothing, every problem reported.

    Import is the loading and synchronisation path: it bypasses the approval procedures, and the
    change set says so.
    """
    say = progress or (lambda message: None)
    issues = Issues()
    if not path.exists():
        issues.error("", 0, "", f"文件或文件夹不存在：{path}")
        return _rejected(issues, dry_run)
    try:
        say("读取文件")
        raw = read_sources(path)
    except UnreadableFile as exc:
        issues.error("", 0, "", str(exc))
        return _rejected(issues, dry_run)
    except OSError as exc:
        issues.error("", 0, "", f"无法读取文件：{exc.strerror or exc}")
        return _rejected(issues, dry_run)
    return sheets_import(
        raw=raw,
        dry_run=dry_run,
        effective=effective,
        reason=reason,
        document_number=document_number,
        user=user,
        actor=actor,
        source=source,
        origin=str(path),
        progress=progress,
    )


def rows_import(
    *,
    sheets: dict[str, list[dict[str, Any]]],
    require_units: bool = False,
    **kwargs: Any,
) -> ImportResult:
    """Import rows given as dicts keyed by the workbook's headers (e.g. from the API or a form).

    Goes through exactly the same validation, effective dating and change log as a workbook; row
    numbers in problems count the first row as 2, as in a spreadsheet.
    """
    raw: dict[str, RawSheet] = {}
    for name, rows in sheets.items():
        headers = list(dict.fromkeys(h for row in rows for h in row))
        raw[name] = RawSheet(
            name=name,
            headers=headers,
            rows=[(number, [row.get(h) for h in headers]) for number, row in enumerate(rows, start=2)],
        )
    return sheets_import(raw=raw, require_units=require_units, **kwargs)


def sheets_import(
    *,
    raw: dict[str, RawSheet],
    dry_run: bool = False,
    effective: dt.date | None = None,
    reason: str = "",
    document_number: str = "",
    user: Any = None,
    actor: str = "",
    source: str = "import",
    origin: str = "",
    require_units: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate, plan and write sheets already read (the core of every import)."""
    say = progress or (lambda message: None)
    effective = effective or today()
    issues = Issues()
    if not require_units and UNITS.name not in raw:
        raw = {**raw, UNITS.name: RawSheet(name=UNITS.name, headers=[c.header for c in UNITS.columns if c.required])}
    check_structure(raw, issues)
    if issues.errors:
        return _rejected(issues, dry_run)

    say("校验数据")
    stored_units = planning.load_units()
    parsed: dict[str, ParsedSheet] = {
        spec.name: parse_sheet(spec, raw[spec.name], issues) for spec in SHEET_BY_NAME.values() if spec.name in raw
    }
    index = validate_units(
        parsed[UNITS.name],
        {code: StoredUnit(kind=r["kind"], parent=r["parent"]) for code, r in stored_units.items()},
        issues,
    )
    if QUOTAS.name in parsed:
        validate_quotas(parsed[QUOTAS.name], index, issues)
    if POSITIONS.name in parsed:
        validate_positions(parsed[POSITIONS.name], index, issues)
    if LOANS.name in parsed:
        validate_loans(parsed[LOANS.name], index, issues)
    if LIMITS.name in parsed:
        validate_limits(parsed[LIMITS.name], issues)
    if PEOPLE.name in parsed:
        say("校验人员")
        validate_people(parsed[PEOPLE.name], index, issues)
    if issues.errors:
        return _rejected(issues, dry_run)

    say("比对已有数据")
    plans = [
        planning.plan_units(parsed[UNITS.name], stored_units, issues),
        planning.QUOTA_TABLE.plan(parsed.get(QUOTAS.name)),
        planning.POSITION_TABLE.plan(parsed.get(POSITIONS.name)),
        planning.LOAN_TABLE.plan(parsed.get(LOANS.name)),
        planning.LIMIT_TABLE.plan(parsed.get(LIMITS.name)),
        planning.plan_people(parsed.get(PEOPLE.name)),
    ]
    for sheet_plan in plans:
        key_header = SHEET_BY_NAME[sheet_plan.sheet].columns[0].header
        for item in sheet_plan.items:
            if item.changed and item.version_from is not None and item.version_from > effective:
                issues.error(
                    sheet_plan.sheet,
                    item.row or 0,
                    key_header,
                    f"生效日期 {effective} 早于该记录现值的生效日期 {item.version_from}，不能倒签变更",
                )
    if issues.errors:
        return _rejected(issues, dry_run)

    result = ImportResult(ok=True, dry_run=dry_run, warnings=_sorted(issues.warnings))
    for sheet_plan in plans:
        c, u, n = sheet_plan.counts()
        result.created[sheet_plan.sheet], result.updated[sheet_plan.sheet], result.unchanged[sheet_plan.sheet] = c, u, n
    if dry_run:
        return result

    say("写入数据库")
    with change_context(
        source=source,
        user=user,
        actor=actor,
        origin=origin,
        reason=reason,
        document_number=document_number,
        effective=effective,
        bypasses_approval=True,
    ) as change_set:
        write.write_units(plans[0], effective)
        write.write_simple(planning.QUOTA_TABLE, plans[1], effective)
        write.write_simple(planning.POSITION_TABLE, plans[2], effective)
        write.write_simple(planning.LOAN_TABLE, plans[3], effective)
        write.write_simple(planning.LIMIT_TABLE, plans[4], effective)
        write.write_people(plans[5], effective)
        change_set.summary = {
            "note": "导入为数据装载与同步通道，未经审批流程",
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "warnings": len(result.warnings),
        }
        change_set.save(update_fields=["summary"])
    result.change_set_id = change_set.pk
    return result
