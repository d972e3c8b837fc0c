"""Import of the standard workbook: the loading and synchronisation path of the register."""

from __future__ import annotations

import datetime as dt
import gc
import zipfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from bianzhi.core import bulk
from bianzhi.core.changelog import change_context, current_change_set
from bianzhi.core.dates import today
from bianzhi.core.locks import RegisterBusy, register_writes
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry import hooks
from bianzhi.registry.importer import plan as planning
from bianzhi.registry.importer import write
from bianzhi.registry.importer.changes import ChangeList
from bianzhi.registry.importer.reader import (
    SHEET_NAMES,
    RawSheet,
    UnreadableFile,
    line_count,
    read_sources,
    uncompressed_size,
)
from bianzhi.registry.importer.schema import LIMITS, LOANS, PEOPLE, POSITIONS, QUOTAS, SHEET_BY_NAME, UNITS
from bianzhi.registry.importer.validate import (
    Issues,
    ParsedSheet,
    StoredUnit,
    check_structure,
    parse_rows,
    parse_sheet,
    validate_limits,
    validate_loans,
    validate_people,
    validate_positions,
    validate_quotas,
    validate_units,
)
from bianzhi.registry.models import Person, PersonVersion, Unit, UnitVersion

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
    #: problems left out beyond 1,000 per sheet and column: [{"sheet", "column", "count"}]
    omitted: list[dict[str, Any]] = field(default_factory=list)
    change_set_id: int | None = None
    #: every stored value the import changes (importer/changes.py), capped; and how many more
    changes: list[dict[str, Any]] = field(default_factory=list)
    changes_omitted: int = 0
    #: codes of the units whose data this import created or changed (not part of the JSON)
    touched_units: set[str] = field(default_factory=set)
    #: the changes while they are collected
    change_list: ChangeList = field(default_factory=ChangeList, repr=False)
    #: refused because another writer held the register past the wait (not part of the JSON)
    busy: bool = False

    def as_json(self) -> dict[str, Any]:
        """The shape of ``bianzhi import --json`` (interchange.md §2)."""
        capped = {"omitted": self.omitted} if self.omitted else {}
        if not self.ok:
            return {"ok": False, "errors": self.errors, "warnings": self.warnings, **capped}
        return {
            **capped,
            "ok": True,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "changes": self.changes,
            "changes_omitted": self.changes_omitted,
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
    return ImportResult(
        ok=False,
        dry_run=dry_run,
        errors=_sorted(issues.errors),
        warnings=_sorted(issues.warnings),
        omitted=issues.omitted,
    )


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
    try:
        found = path.exists()
    except OSError as exc:  # a name the file system cannot hold (too long, …) names nothing
        issues.error("", 0, "", f"无法访问文件或文件夹：{path}（{exc.strerror or exc}）")
        return _rejected(issues, dry_run)
    if not found:
        issues.error("", 0, "", f"文件或文件夹不存在：{path}")
        return _rejected(issues, dry_run)
    try:
        say("读取文件")
        size = uncompressed_size(path)
        if size > settings.IMPORT_MAX_BYTES:
            issues.error(
                "", 0, "", f"工作簿解压后共 {_bytes(size)}，超过上限 {_bytes(settings.IMPORT_MAX_BYTES)}，未予读取"
            )
            return _rejected(issues, dry_run)
        raw = read_sources(path)
        for name, sheet in raw.items():
            rows = line_count(sheet) - 1  # the header
            if rows > settings.IMPORT_MAX_SHEET_ROWS:
                issues.error(
                    name,
                    0,
                    "",
                    f"工作表“{name}”约有 {rows:,} 行，超过上限 {settings.IMPORT_MAX_SHEET_ROWS:,} 行，未予读取",
                )
        if issues.errors:
            return _rejected(issues, dry_run)
    except UnreadableFile as exc:
        issues.error("", 0, "", str(exc))
        return _rejected(issues, dry_run)
    except (OSError, zipfile.BadZipFile) as exc:
        issues.error("", 0, "", f"无法读取文件：{getattr(exc, 'strerror', None) or exc}")
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
        origin=str(path)[-200:],  # ChangeSet.origin holds 200 characters: the file's end names it
        progress=progress,
    )


def rows_import(
    *,
    sheets: dict[str, list[dict[str, Any]]],
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
    return sheets_import(raw=raw, **kwargs)


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
    progress: Progress | None = None,
    bypasses_approval: bool = True,
) -> ImportResult:
    """Validate, plan and write sheets already read (the core of every import).

    Imports and the office's corrections bypass the approval procedures and their change set says
    so; only the procedures themselves (approvals' onboarding, leaving) write with
    ``bypasses_approval=False``."""
    say = progress or (lambda message: None)
    dated = effective  # rows created by an import run with --effective hold from that day
    effective = effective or today()
    issues = Issues()
    if UNITS.name not in raw and raw:  # no 机构 sheet: the other sheets name stored units (§1 "A single sheet")
        raw = {**raw, UNITS.name: RawSheet(name=UNITS.name, headers=[c.header for c in UNITS.columns if c.required])}
    check_structure(raw, issues)
    if issues.errors:
        return _rejected(issues, dry_run)

    # A write reads and writes under the register's lock, in one transaction (core/locks.py); a dry
    # run only reads.
    guard = nullcontext() if dry_run else register_writes()
    try:
        with guard:
            return _import(
                raw=raw,
                issues=issues,
                dry_run=dry_run,
                effective=effective,
                dated=dated,
                say=say,
                change_set_options={
                    "source": source,
                    "user": user,
                    "actor": actor,
                    "origin": origin,
                    "reason": reason,
                    "document_number": document_number,
                    "effective": effective,
                    "bypasses_approval": bypasses_approval,
                },
            )
    except UnreadableFile as exc:  # a streamed sheet turned out unreadable half-way
        issues.error("", 0, "", str(exc))
        return _rejected(issues, dry_run)
    except (RegisterBusy, bulk.PeriodConflict) as exc:
        issues.error(
            "", 0, "", f"{exc}（本次未写入任何内容，请重试）" if isinstance(exc, bulk.PeriodConflict) else str(exc)
        )
        rejected = _rejected(issues, dry_run)
        rejected.busy = isinstance(exc, RegisterBusy)
        return rejected
    except IntegrityError as exc:  # a period left open twice: refused whole, never half-written
        issues.error("", 0, "", f"写入冲突，本次未写入任何内容，请重试（{_constraint_of(exc)}）")
        return _rejected(issues, dry_run)


PEOPLE_CHUNK = 20_000


def _constraint_of(exc: IntegrityError) -> str:
    """The name of the constraint a write broke, as the database reports it."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return str(getattr(diag, "constraint_name", None) or cause or exc).strip()


def _bytes(count: int) -> str:
    """A size in the largest unit that keeps it at least 1 (the limits are written in GB)."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= size:
            return f"{count / size:.1f} {unit}".replace(".0 ", " ")
    return f"{count} 字节"


class _Rollback(Exception):
    """Undo everything written so far: the import found errors after it began writing."""


class _Unchanged(Exception):
    """Undo the change set of an import that found every row unchanged (interchange.md §2)."""


def _backdating(sheet_plan: planning.SheetPlan, effective: dt.date, issues: Issues) -> None:
    """interchange.md §1: an --effective earlier than the start of a row's latest period is refused,
    on the row's first changed column (equal to it, the latest period is amended in place)."""
    columns = SHEET_BY_NAME[sheet_plan.sheet].columns
    for item in sheet_plan.items:
        if not (item.changed and item.version_from is not None and item.version_from > effective):
            continue
        before = item.before or {}
        changed = [c.header for c in columns if before.get(c.field) != item.after.get(c.field)]
        issues.error(
            sheet_plan.sheet,
            item.row or 0,
            changed[0] if changed else columns[0].header,
            f"生效日期早于该记录最近一次变更（{item.version_from.isoformat()}），不能倒签",
        )


def _import(
    *,
    raw: dict[str, RawSheet],
    issues: Issues,
    dry_run: bool,
    effective: dt.date,
    dated: dt.date | None,
    say: Progress,
    change_set_options: dict[str, Any],
) -> ImportResult:
    """Validate the small sheets in memory, then stream the roster in chunks.

    While no error has been found, each chunk is planned and (unless a dry run) written at once
    inside the import's single transaction; an error found later rolls everything back, so the
    import stays all or nothing while memory stays bounded by the chunk size.
    """
    # A large roster is read by polars in a thread of its own while the other sheets are checked.
    roster = _Roster(rows=line_count(raw[PEOPLE.name])) if PEOPLE.name in raw else _Roster()
    if roster.large:
        from bianzhi.registry.importer import columnar  # polars loads only for large sheets

        roster.ahead = columnar.read_ahead(raw[PEOPLE.name])
    say("校验机构与编制")
    small = [spec for spec in (UNITS, QUOTAS, POSITIONS, LOANS, LIMITS) if spec.name in raw]
    # Large sheets of 编制 and 职数 take the column-wise fast lane once the units are known.
    laned = {spec.name for spec in (QUOTAS, POSITIONS) if spec.name in raw and _large_sheet(raw[spec.name])}
    parsed: dict[str, ParsedSheet] = {
        spec.name: parse_sheet(spec, raw[spec.name], issues) for spec in small if spec.name not in laned
    }
    # Without unit rows (a change of a few quotas or people) only the light index is needed.
    has_unit_rows = bool(parsed[UNITS.name].rows)
    stored_units = planning.load_units() if has_unit_rows else {}
    index = validate_units(
        parsed[UNITS.name],
        {
            code: StoredUnit(kind=r["kind"], parent=r["parent"], institution_class=r["institution_class"])
            for code, r in stored_units.items()
        },
        issues,
        planning.unit_holdings,
    )
    if not has_unit_rows:
        index.loader = planning.load_unit_index
    lanes: dict[str, Any] = {}
    for spec, table in ((QUOTAS, planning.QUOTA_TABLE), (POSITIONS, planning.POSITION_TABLE)):
        if spec.name in laned:
            from bianzhi.registry.importer import columnar

            lanes[spec.name] = columnar.admit_table(table, spec, raw[spec.name], index)
            parsed[spec.name] = parse_sheet(spec, lanes[spec.name].slow, issues)
    if QUOTAS.name in parsed:
        validate_quotas(parsed[QUOTAS.name], index, issues)
    if POSITIONS.name in parsed:
        validate_positions(parsed[POSITIONS.name], index, issues)
    if LOANS.name in parsed:
        validate_loans(parsed[LOANS.name], index, issues)
    if LIMITS.name in parsed:
        validate_limits(parsed[LIMITS.name], issues)

    plans: list[planning.SheetPlan] = []
    if not issues.errors:
        plans = [
            planning.plan_units(parsed[UNITS.name], stored_units, issues)
            if parsed[UNITS.name].rows
            else planning.SheetPlan(UNITS.name),
            planning.QUOTA_TABLE.plan(parsed.get(QUOTAS.name)),
            planning.POSITION_TABLE.plan(parsed.get(POSITIONS.name)),
            planning.LOAN_TABLE.plan(parsed.get(LOANS.name), effective),
            planning.LIMIT_TABLE.plan(parsed.get(LIMITS.name)),
        ]
        for sheet_plan in plans:
            _backdating(sheet_plan, effective, issues)
    result = ImportResult(ok=True, dry_run=dry_run)
    for sheet_plan in plans:
        c, u, n = sheet_plan.counts()
        result.created[sheet_plan.sheet], result.updated[sheet_plan.sheet], result.unchanged[sheet_plan.sheet] = c, u, n
        result.change_list.add(sheet_plan)
    if not issues.errors:
        for name, lane in lanes.items():
            result.created[name] += lane.fast.height
            result.unchanged[name] += lane.unchanged

    writing = not dry_run and not issues.errors
    change_set: ChangeSet | None = None
    # A dry run writes nothing: on SQLite it reads outside a transaction, which there would take the
    # database's write lock (BEGIN IMMEDIATE) for the whole validation; a write holds it to the end.
    block = transaction.atomic() if not dry_run or connection.vendor != "sqlite" else nullcontext()
    try:
        with block:
            if writing:
                say("写入机构与编制")
                with change_context(**change_set_options) as change_set:
                    with bulk.bulk_load(_incoming(plans, lanes, roster.rows)):
                        write.write_units(plans[0], effective, dated)
                        write.write_simple(planning.QUOTA_TABLE, plans[1], effective, dated)
                        write.write_simple(planning.POSITION_TABLE, plans[2], effective, dated)
                        write.write_simple(planning.LOAN_TABLE, plans[3], effective, dated)
                        write.write_simple(planning.LIMIT_TABLE, plans[4], effective, dated)
                        for sheet_plan in plans:
                            _touch(result, sheet_plan)
                        _write_table_lanes(lanes, result, change_set.pk, dated)
                        parsed.clear()  # the roster may be large: free the other sheets first
                        plans.clear()
                        _people(raw, roster, index, issues, result, effective, dated, say, write_chunks=True)
                        if issues.errors:
                            raise _Rollback
                        if not any(result.created.values()) and not any(result.updated.values()):
                            raise _Unchanged  # an import that changes nothing writes nothing
                    _finish(change_set, result, issues)
                    if result.touched_units:
                        hooks.units_changed(planning.unit_ids(result.touched_units).values())
            else:
                parsed.clear()
                plans.clear()
                _people(raw, roster, index, issues, result, effective, dated, say, write_chunks=False)
    except _Rollback:
        pass
    except _Unchanged:
        change_set = None
    if issues.errors:
        return _rejected(issues, dry_run)
    result.warnings = _sorted(issues.warnings)
    result.omitted = issues.omitted
    result.changes = result.change_list.finish()
    result.changes_omitted = result.change_list.omitted
    if change_set is not None:
        result.change_set_id = change_set.pk
    return result


def _write_table_lanes(lanes: dict[str, Any], result: ImportResult, change_set_id: int, dated: dt.date | None) -> None:
    """Write the rows of 编制 and 职数 admitted to the fast lane (new keys only)."""
    if not lanes:
        return
    from bianzhi.registry.importer import columnar

    for spec, table in ((QUOTAS, planning.QUOTA_TABLE), (POSITIONS, planning.POSITION_TABLE)):
        if spec.name in lanes:
            codes = set(lanes[spec.name].fast.get_column("unit").unique().to_list())
            result.touched_units |= codes
            columnar.write_new_rows(table, lanes[spec.name], planning.unit_ids(codes), change_set_id, dated)
    lanes.clear()


@dataclass
class _Roster:
    """The 人员 sheet's length (its lines, counted once) and, for a large one, its reading begun
    ahead of the other sheets' checks (``columnar.read_ahead``)."""

    rows: int = 0
    ahead: Any = None

    @property
    def large(self) -> bool:
        """Long enough for the column-wise fast lane."""
        return self.rows >= settings.IMPORT_COLUMNAR_MIN_ROWS


def _large_sheet(sheet: RawSheet) -> bool:
    """A sheet of a file (CSV or xlsx) long enough for the column-wise fast lane (importer/columnar/)."""
    return line_count(sheet) >= settings.IMPORT_COLUMNAR_MIN_ROWS


def _incoming(plans: list[planning.SheetPlan], lanes: dict[str, Any], roster_rows: int) -> dict[type[Model], int]:
    """About how many new rows each table receives (for ``bulk_load``): a created or updated row
    brings a version; the fast lanes' rows are all new; the roster is not checked yet, so its new
    people are taken as its lines less the people stored (a re-import of it brings none)."""
    if not plans:
        return {}
    units, quotas, positions, loans, limits = plans
    laned = {name: lane.fast.height for name, lane in lanes.items()}
    people = max(0, roster_rows - Person.objects.count()) if roster_rows >= bulk.BULK_LOAD_MIN_ROWS else 0

    def versions(plan: planning.SheetPlan) -> int:
        created, updated, _ = plan.counts()
        return created + updated

    created = people + sum(laned.values()) + sum(plan.counts()[0] for plan in plans)
    return {
        # every created row is a "create" record of the change log: a first load at least doubles it
        ChangeRecord: created,
        Unit: units.counts()[0],
        UnitVersion: versions(units),
        planning.QUOTA_TABLE.model: versions(quotas) + laned.get(QUOTAS.name, 0),
        planning.POSITION_TABLE.model: versions(positions) + laned.get(POSITIONS.name, 0),
        planning.LOAN_TABLE.model: versions(loans),
        planning.LIMIT_TABLE.model: versions(limits),
        Person: people,
        PersonVersion: people,
    }


def _people(
    raw: dict[str, RawSheet],
    roster: _Roster,
    index: Any,
    issues: Issues,
    result: ImportResult,
    effective: dt.date,
    dated: dt.date | None,
    say: Progress,
    *,
    write_chunks: bool,
) -> None:
    """The roster: a large sheet takes the column-wise fast lane (importer/columnar/), which
    creates new people and counts unchanged ones; every other row goes through the row path."""
    if PEOPLE.name not in raw:
        return
    sheet = raw[PEOPLE.name]
    admission = None
    if roster.large:
        gc.collect()  # give the other sheets' memory back before a large roster comes in
        from bianzhi.registry.importer import columnar  # polars loads only for large rosters

        say("人员 列式校验")
        admission = columnar.admit(sheet, index, roster.ahead)
        sheet = admission.slow
        for warning in admission.warnings:
            issues.warning(**warning)
    _people_rows(sheet, index, issues, result, effective, dated, say, write_chunks=write_chunks)
    if admission is None or issues.errors:
        return
    result.unchanged[PEOPLE.name] += admission.unchanged
    if admission.fast.height == 0:
        return
    result.created[PEOPLE.name] += admission.fast.height
    if write_chunks:
        codes = set(admission.fast.get_column("unit").unique().to_list())
        result.touched_units |= codes
        if "internal_division" in admission.present:
            codes |= set(admission.fast.get_column("internal_division").drop_nulls().unique().to_list())
        say(f"写入人员 {admission.fast.height:,} 行")
        columnar.write_new_people(admission, planning.unit_ids(codes), current_change_set().pk, dated)


def _people_rows(
    sheet: RawSheet,
    index: Any,
    issues: Issues,
    result: ImportResult,
    effective: dt.date,
    dated: dt.date | None,
    say: Progress,
    *,
    write_chunks: bool,
) -> None:
    present, rows = parse_rows(PEOPLE, sheet, issues)
    first_rows: dict[str, int] = {}
    done = 0
    while chunk := list(islice(rows, PEOPLE_CHUNK)):
        parsed = ParsedSheet(spec=PEOPLE, present=present, rows=chunk)
        errors_before = issues.error_total
        validate_people(parsed, index, issues, first_rows, stored_ages=planning.stored_original_ages)
        done += len(chunk)
        say(f"人员 {done:,} 行")
        if issues.errors:
            continue  # keep validating to report every problem; nothing more is planned or written
        plan = planning.plan_people(parsed, effective, issues)
        _backdating(plan, effective, issues)
        if issues.error_total > errors_before:
            continue
        c, u, n = plan.counts()
        result.change_list.add(plan)
        result.created[PEOPLE.name] += c
        result.updated[PEOPLE.name] += u
        result.unchanged[PEOPLE.name] += n
        if write_chunks:
            _touch(result, plan)
            codes = {i.after["unit"] for i in plan.items} | {
                i.after["internal_division"] for i in plan.items if i.after["internal_division"]
            }
            write.write_people(plan, effective, planning.unit_ids(codes), dated)


def _touch(result: ImportResult, plan: planning.SheetPlan) -> None:
    """Remember the units whose figures this plan moves (new or changed rows), for the hooks."""
    for item in plan.items:
        if not (item.is_new or item.changed):
            continue
        if plan.sheet == UNITS.name:
            result.touched_units.add(item.key[0])
            if item.after.get("parent"):
                result.touched_units.add(item.after["parent"])
            if item.before and item.before.get("parent"):
                result.touched_units.add(item.before["parent"])
        elif plan.sheet == PEOPLE.name:
            result.touched_units.add(item.after["unit"])
            if item.before:
                result.touched_units.add(item.before["unit"])
        elif plan.sheet != LIMITS.name:
            result.touched_units.add(item.key[0])


def _finish(change_set: ChangeSet, result: ImportResult, issues: Issues) -> None:
    change_set.summary = {
        "note": "导入为数据装载与同步通道，未经审批流程",
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "warnings": len(issues.warnings),
    }
    change_set.save(update_fields=["summary"])
