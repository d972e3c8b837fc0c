"""Validation of the standard workbook: every rule of interchange.md §1, all problems at once.

Problems never cascade: a unit code present in the 机构 sheet is "known" to the other sheets even
when its own row has errors, a key part with an error of its own is not checked again for
duplicates or references, and a repeated key is reported on every repetition after the first.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bianzhi.core.codetables import code_table_warning
from bianzhi.core.dates import today
from bianzhi.core.validators import (
    credit_code_error,
    credit_code_warning,
    id_number_birth_date,
    id_number_error,
    id_number_gender,
    region_code_error,
    region_code_known,
)
from bianzhi.registry.choices import LoanStatus, PersonStatus, UnitKind
from bianzhi.registry.importer import cells
from bianzhi.registry.importer.reader import RawSheet
from bianzhi.registry.importer.schema import LIMITS, LOANS, PEOPLE, POSITIONS, QUOTAS, SHEETS, UNITS, Column, SheetSpec
from bianzhi.registry.retirement import flexible_retirement_error

#: the largest integer a PostgreSQL ``integer`` column holds
MAX_INTEGER = 2_147_483_647
_UNIT_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
_TAG_SPLIT = re.compile(r"[、;,]")


@dataclass
class Issues:
    """The problems found, at most ``CAP`` errors and ``CAP`` warnings per sheet and column; the
    rest are only counted (``omitted``), so memory stays bounded whatever the input
    (interchange.md §1 "Characters and size")."""

    CAP: ClassVar[int] = 1000

    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: (sheet, column) → problems left out
    left_out: dict[tuple[str, str], int] = field(default_factory=dict)
    #: (kind, sheet, column) → problems kept
    _kept: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: errors found, those left out included
    error_total: int = 0

    def _keep(self, kind: str, sheet: str, column: str) -> bool:
        key = (kind, sheet, column)
        kept = self._kept.get(key, 0)
        if kept >= self.CAP:
            self.left_out[(sheet, column)] = self.left_out.get((sheet, column), 0) + 1
            return False
        self._kept[key] = kept + 1
        return True

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.error_total += 1
        if self._keep("error", sheet, column):
            self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def warning(self, sheet: str, row: int, column: str, message: str) -> None:
        if self._keep("warning", sheet, column):
            self.warnings.append({"sheet": sheet, "row": row, "column": column, "message": message})

    @property
    def omitted(self) -> list[dict[str, Any]]:
        return [{"sheet": s, "column": c, "count": n} for (s, c), n in sorted(self.left_out.items())]


@dataclass(slots=True)
class ParsedRow:
    number: int
    values: dict[str, Any]
    #: fields whose cell broke a rule of its own; they take part in no further check
    bad: set[str] = field(default_factory=set)

    def ok(self, *fields: str) -> bool:
        values, bad = self.values, self.bad
        for f in fields:
            if values.get(f) is None or f in bad:
                return False
        return True


@dataclass
class ParsedSheet:
    spec: SheetSpec
    present: set[str]
    rows: list[ParsedRow]


@dataclass
class StoredUnit:
    """What validation needs to know of a stored unit (its current values)."""

    kind: str
    parent: str | None
    institution_class: str = ""


#: the stored rows that name each of some unit codes: 编制, 职数, 周转编制 in force, or people whose
#: latest period names it (``plan.unit_holdings``) — what a 内设机构 cannot hold
Holdings = Callable[[set[str]], dict[str, list[str]]]


def check_structure(sheets: dict[str, RawSheet], issues: Issues) -> None:
    """Unreadable-file errors (row 0): no sheet of the contract at all, a required header missing.
    The 机构 sheet may be left out when the units the other sheets name are stored (interchange.md
    §1 "A single sheet"): they are then checked against the register."""
    if not any(spec.name in sheets for spec in SHEETS):
        issues.error(
            "",
            0,
            "",
            f"文件中没有标准工作表（{'、'.join(spec.name for spec in SHEETS)}；CSV 文件须以工作表名命名，如 编制.csv）",
        )
    for spec in SHEETS:
        raw = sheets.get(spec.name)
        if raw is None:
            continue
        headers = set(raw.headers)
        for col in spec.columns:
            if col.required and col.header not in headers:
                issues.error(spec.name, 0, col.header, f"缺少必需的表头“{col.header}”")


def _fast_text(cell: Any) -> str | None:
    """cells.text with a fast path for the common case, an ASCII string."""
    if cell.__class__ is str:
        value = cell.strip() if cell.isascii() else unicodedata.normalize("NFKC", cell).strip()
        return value or None
    return cells.text(cell)


def _parser(col: Column) -> Callable[[Any], Any]:
    """The parser of one column, chosen once per sheet rather than once per cell."""
    if col.kind == "date":

        def parse_date(cell: Any) -> Any:
            if cell.__class__ is str and len(cell) == 10 and cell.isascii() and cell[4] == "-" and cell[7] == "-":
                if cell[:4].isdigit() and cell[5:7].isdigit() and cell[8:].isdigit():
                    try:
                        return dt.date(int(cell[:4]), int(cell[5:7]), int(cell[8:]))
                    except ValueError:
                        raise cells.CellError(f"“{cell}”不是有效日期") from None
            return cells.date(cell)

        return parse_date
    if col.kind == "month":
        return cells.month
    if col.kind == "int":

        def parse_int(cell: Any) -> Any:
            value: int | None
            if cell.__class__ is str and cell.isascii() and cell.isdigit():
                value = int(cell)
            else:
                value = cells.integer(cell)
            if value is not None and value > MAX_INTEGER:
                raise cells.CellError(f"{col.header}“{value}”过大，不能超过 {MAX_INTEGER}")
            return value

        return parse_int
    if col.kind == "id":

        def parse_id(cell: Any) -> Any:
            value = cells.id_number(cell)
            if value is not None:
                problem = id_number_error(value)
                if problem:
                    raise cells.CellError(problem)
            return value

        return parse_id
    if col.kind == "enum":
        allowed = frozenset(col.choices)
        expected = "、".join(col.choices)

        def parse_enum(cell: Any) -> Any:
            value = _fast_text(cell)
            if value is None or value in allowed:
                return value
            raise cells.CellError(f"“{value}”不是有效的{col.header}，应为：{expected}")

        return parse_enum
    if col.kind == "bool":

        def parse_bool(cell: Any) -> Any:
            value = _fast_text(cell)
            if value is None:
                return None
            if value not in ("是", "否"):
                raise cells.CellError(f"“{value}”无效，{col.header}应填“是”或“否”")
            return value == "是"

        return parse_bool
    if col.kind == "tags":

        def parse_tags(cell: Any) -> Any:
            value = _fast_text(cell)
            if value is None:
                return None
            tags = [t.strip() for t in _TAG_SPLIT.split(value) if t.strip()]
            unknown = [t for t in tags if t not in col.choices]
            if unknown:
                raise cells.CellError(f"“{'、'.join(unknown)}”不是有效的{col.header}，应为：{'、'.join(col.choices)}")
            return "、".join(dict.fromkeys(tags))

        return parse_tags
    if col.max_length:
        limit = col.max_length

        def parse_bounded_text(cell: Any) -> Any:
            value = _fast_text(cell)
            if value is not None and len(value) > limit:
                raise cells.CellError(f"{col.header}不能超过 {limit} 个字符（现有 {len(value)} 个）")
            return value

        return parse_bounded_text
    return _fast_text


#: bidirectional controls and zero-width characters: they disguise what a reader sees, so a text
#: cell holding one is an error (interchange.md §1 "Characters and size"; NFKC keeps them)
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def _visible(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` refusing a text cell with an invisible character (ASCII text never has one)."""

    def parse_visible(cell: Any) -> Any:
        if cell.__class__ is str and not cell.isascii() and (found := INVISIBLE.search(cell)):
            raise cells.CellError(
                f"含有不可见字符 U+{ord(found.group()):04X}（双向控制字符或零宽字符），会掩盖实际内容，请删除"
            )
        return parse(cell)

    return parse_visible


def _layout(spec: SheetSpec, headers: list[str]) -> list[tuple[int, str, Callable[[Any], Any], bool, str]]:
    by_header = spec.by_header
    layout = []
    seen: set[str] = set()
    for index, header in enumerate(headers):
        col = by_header.get(header)
        if col is not None and header not in seen:
            seen.add(header)
            layout.append((index, col.field, _visible(_parser(col)), col.required, col.header))
    return layout


def parse_rows(spec: SheetSpec, raw: RawSheet, issues: Issues) -> tuple[set[str], Iterator[ParsedRow]]:
    """The fields present, and the parsed rows streamed one by one (cell-level rules only)."""
    layout = _layout(spec, raw.headers)
    present = {fld for _, fld, _, _, _ in layout}
    name = spec.name

    def rows() -> Iterator[ParsedRow]:
        for number, row_cells in raw.rows:
            values: dict[str, Any] = {}
            row = ParsedRow(number=number, values=values)
            width = len(row_cells)
            for index, fld, parse, required, header in layout:
                cell = row_cells[index] if index < width else None
                if cell is None or cell == "":
                    value = None
                else:
                    try:
                        value = parse(cell)
                    except cells.CellError as exc:
                        issues.error(name, number, header, str(exc))
                        values[fld] = None
                        row.bad.add(fld)
                        continue
                if value is None and required:
                    issues.error(name, number, header, f"{header}为必填项，不能为空")
                    row.bad.add(fld)
                values[fld] = value
            yield row

    return present, rows()


def parse_sheet(spec: SheetSpec, raw: RawSheet, issues: Issues) -> ParsedSheet:
    present, rows = parse_rows(spec, raw, issues)
    return ParsedSheet(spec=spec, present=present, rows=list(rows))


def _duplicates(
    sheet: ParsedSheet,
    key_fields: tuple[str, ...],
    column: str,
    describe: Callable[[tuple], str],
    issues: Issues,
) -> None:
    first: dict[tuple, int] = {}
    for row in sheet.rows:
        if not row.ok(*key_fields):
            continue
        key = tuple(row.values[f] for f in key_fields)
        if key in first:
            issues.error(sheet.spec.name, row.number, column, f"{describe(key)}与第 {first[key]} 行重复")
        else:
            first[key] = row.number


@dataclass
class UnitIndex:
    """Every unit code known to the import — stored, or named in the 机构 sheet (even on a bad row) —
    with its kind and parent after the import, where these are known.

    Without unit rows in the file the stored units are looked up lazily, a chunk's codes at a
    time (``prefetch``), so a change of one person does not read the whole tree.
    """

    known: set[str]
    kind: dict[str, str]
    parent: dict[str, str | None]
    loader: Callable[[set[str]], dict[str, StoredUnit]] | None = None
    looked_up: set[str] = field(default_factory=set)

    def prefetch(self, codes: Iterable[str | None]) -> None:
        if self.loader is None:
            return
        wanted = {c for c in codes if c and c not in self.known and c not in self.looked_up}
        if not wanted:
            return
        self.looked_up |= wanted
        for code, unit in self.loader(wanted).items():
            self.known.add(code)
            self.kind.setdefault(code, unit.kind)
            self.parent.setdefault(code, unit.parent)
        # Parents of internal divisions, for the 内设机构代码 check.
        parents = {self.parent.get(c) for c in wanted if self.kind.get(c) == UnitKind.INTERNAL_DIVISION}
        self.prefetch(parents)

    def staffing_units(self) -> list[str]:
        """The codes that certainly name a unit occupying staffing: known, of a known kind, and not
        a 内设机构 (a code of unknown kind passes validation but is left to the row path's check)."""
        return [code for code in self.known if self.kind.get(code) not in (None, UnitKind.INTERNAL_DIVISION)]

    def is_division(self, code: str) -> bool | None:
        kind = self.kind.get(code)
        return None if kind is None else kind == UnitKind.INTERNAL_DIVISION


def validate_units(
    sheet: ParsedSheet, stored: dict[str, StoredUnit], issues: Issues, holdings: Holdings | None = None
) -> UnitIndex:
    name = sheet.spec.name
    for row in sheet.rows:
        code = row.values.get("code")
        if code is not None and "code" not in row.bad and not _UNIT_CODE.match(code):
            issues.error(name, row.number, "机构代码", f"机构代码“{code}”无效，应为 1–32 位字母、数字或“-”")
            row.bad.add("code")
        credit = row.values.get("credit_code")
        if credit is not None:
            problem = credit_code_error(credit)
            if problem:
                issues.error(name, row.number, "统一社会信用代码", problem)
                row.bad.add("credit_code")
            elif stricter := credit_code_warning(credit):
                issues.warning(name, row.number, "统一社会信用代码", stricter)
        region = row.values.get("own_region")
        if region is not None:
            problem = region_code_error(region)
            if problem:
                issues.error(name, row.number, "区划代码", problem)
                row.bad.add("own_region")
            elif not region_code_known(region):
                issues.warning(name, row.number, "区划代码", f"区划代码“{region}”不在 GB/T 2260 行政区划代码表中")
        divisions = row.values.get("approved_divisions")
        if divisions is not None and divisions < 0:
            issues.error(name, row.number, "核定内设机构数", "核定内设机构数应为不小于 0 的整数")
    _duplicates(sheet, ("code",), "机构代码", lambda k: f"机构代码“{k[0]}”", issues)

    # The index: file rows override stored values; the first row of a repeated code wins.
    known = set(stored)
    kind = {code: unit.kind for code, unit in stored.items()}
    parent = {code: unit.parent for code, unit in stored.items()}
    file_rows: dict[str, ParsedRow] = {}
    for row in sheet.rows:
        code = row.values.get("code")
        if code is None:
            continue
        known.add(code)
        if code in file_rows:
            continue
        file_rows[code] = row
        if row.ok("kind"):
            kind[code] = row.values["kind"]
        elif code not in stored:
            kind.pop(code, None)
        if "parent" in sheet.present and "parent" not in row.bad:
            parent[code] = row.values.get("parent")
    index = UnitIndex(known=known, kind=kind, parent=parent)

    for code, row in file_rows.items():
        if "code" in row.bad:
            continue
        unit_kind = row.values.get("kind") if row.ok("kind") else None
        parent_code = parent.get(code)
        has_parent = parent_code is not None
        if "parent" in row.bad:
            has_parent = True  # its own error is reported; do not cascade into 序列/区划代码
        if has_parent and "parent" not in row.bad and parent_code is not None:
            if parent_code not in known:
                issues.error(
                    name, row.number, "上级机构代码", f"上级机构“{parent_code}”不存在（文件中和已有数据中均没有）"
                )
            elif parent_code == code:
                issues.error(name, row.number, "上级机构代码", "上级机构不能是机构本身")
            elif index.is_division(parent_code):
                issues.error(
                    name, row.number, "上级机构代码", f"上级机构“{parent_code}”是内设机构，内设机构不能作为上级机构"
                )
            else:
                cycle = _cycle_through(code, parent)
                if cycle:
                    issues.error(name, row.number, "上级机构代码", f"上级机构形成循环：{' → '.join(cycle)}")
        if unit_kind == UnitKind.INTERNAL_DIVISION and not has_parent:
            issues.error(name, row.number, "上级机构代码", "内设机构必须填写上级机构代码")
        if not has_parent:
            for fld, header in (("own_sequence", "序列"), ("own_region", "区划代码")):
                if fld in row.bad:
                    continue
                if fld in sheet.present:
                    missing = row.values.get(fld) is None
                else:
                    missing = code not in stored  # an absent column keeps the stored value
                if missing:
                    issues.error(name, row.number, header, f"没有上级机构时必须填写{header}")
        if (
            row.values.get("institution_class") is not None
            and unit_kind is not None
            and unit_kind != UnitKind.PUBLIC_INSTITUTION
        ):
            issues.error(
                name, row.number, "事业单位类别", f"只有事业单位可以填写事业单位类别（本机构类型为{unit_kind}）"
            )
        established, abolished = row.values.get("established"), row.values.get("abolished")
        if established is not None and abolished is not None and abolished <= established:
            issues.error(name, row.number, "撤销日期", f"撤销日期 {abolished} 应晚于成立日期 {established}")
    _check_as_it_will_be(sheet, file_rows, stored, index, issues, holdings)
    return index


def _check_as_it_will_be(
    sheet: ParsedSheet,
    file_rows: dict[str, ParsedRow],
    stored: dict[str, StoredUnit],
    index: UnitIndex,
    issues: Issues,
    holdings: Holdings | None,
) -> None:
    """interchange.md §1 "Checked against what is stored": the rules hold for the register as it will
    be from --effective on — the stored units merged with the file's — not only for the file."""
    name = sheet.spec.name
    becoming_divisions = {
        code: row
        for code, row in file_rows.items()
        if "code" not in row.bad
        and code in stored
        and stored[code].kind != UnitKind.INTERNAL_DIVISION
        and index.kind.get(code) == UnitKind.INTERNAL_DIVISION
    }
    if becoming_divisions:
        children: dict[str, list[str]] = {}
        for child, parent_code in index.parent.items():
            if parent_code in becoming_divisions and child != parent_code:
                children.setdefault(parent_code, []).append(child)
        held = holdings(set(becoming_divisions)) if holdings is not None else {}
        for code, row in becoming_divisions.items():
            if code in children:
                listed = "、".join(sorted(children[code])[:5])
                issues.error(
                    name,
                    row.number,
                    "机构类型",
                    f"机构“{code}”是{listed}等 {len(children[code])} 个机构的上级机构，不能改为内设机构",
                )
            elif code in held:
                issues.error(
                    name,
                    row.number,
                    "机构类型",
                    f"机构“{code}”仍有{'、'.join(held[code])}，不能改为内设机构（内设机构不占编制）",
                )
    for code, row in file_rows.items():
        if "code" in row.bad or code not in stored:
            continue
        kind = index.kind.get(code)
        if "institution_class" in sheet.present:
            klass = row.values.get("institution_class") if "institution_class" not in row.bad else None
            if row.ok("kind"):
                continue  # both in the file: checked row by row above
        else:
            klass = stored[code].institution_class
        if klass and kind is not None and kind != UnitKind.PUBLIC_INSTITUTION:
            issues.error(
                name,
                row.number,
                "事业单位类别",
                f"机构“{code}”将为{kind}，不是事业单位，不能保留事业单位类别“{klass}”（请清除该类别）",
            )


def _cycle_through(code: str, parent: dict[str, str | None]) -> list[str] | None:
    path = [code]
    seen = {code}
    current = parent.get(code)
    while current is not None:
        path.append(current)
        if current == code:
            return path
        if current in seen:
            return None  # a cycle further up, reported on its own rows
        seen.add(current)
        current = parent.get(current)
    return None


def _not_negative(sheet: ParsedSheet, row: ParsedRow, field_name: str, issues: Issues) -> None:
    """Integers "≥ 0": a text "-1" is already refused as not an integer; a number cell is not."""
    value = row.values.get(field_name)
    if value is not None and field_name not in row.bad and value < 0:
        header = sheet.spec.column(field_name).header
        issues.error(sheet.spec.name, row.number, header, f"{header}应为不小于 0 的整数")
        row.bad.add(field_name)


def _check_unit_reference(
    sheet: ParsedSheet, row: ParsedRow, units: UnitIndex, issues: Issues, field_name: str = "unit"
) -> None:
    if not row.ok(field_name):
        return
    code = row.values[field_name]
    column = sheet.spec.column(field_name).header
    if code not in units.known:
        issues.error(sheet.spec.name, row.number, column, f"机构“{code}”不存在（文件中和已有数据中均没有）")
        row.bad.add(field_name)
    elif units.is_division(code):
        issues.error(
            sheet.spec.name, row.number, column, f"机构“{code}”是内设机构，内设机构不占用编制，请填写其所在机构"
        )
        row.bad.add(field_name)


def validate_quotas(sheet: ParsedSheet, units: UnitIndex, issues: Issues) -> None:
    units.prefetch(row.values.get("unit") for row in sheet.rows)
    for row in sheet.rows:
        _check_unit_reference(sheet, row, units, issues)
        _not_negative(sheet, row, "approved", issues)
    _duplicates(sheet, ("unit", "staffing_type"), "编制类型", lambda k: f"机构“{k[0]}”的{k[1]}", issues)


def validate_positions(sheet: ParsedSheet, units: UnitIndex, issues: Issues) -> None:
    units.prefetch(row.values.get("unit") for row in sheet.rows)
    for row in sheet.rows:
        _check_unit_reference(sheet, row, units, issues)
        _not_negative(sheet, row, "approved", issues)
    _duplicates(sheet, ("unit", "category"), "职数类别", lambda k: f"机构“{k[0]}”的{k[1]}职数", issues)


def validate_loans(sheet: ParsedSheet, units: UnitIndex, issues: Issues) -> None:
    units.prefetch(row.values.get("unit") for row in sheet.rows)
    for row in sheet.rows:
        _check_unit_reference(sheet, row, units, issues)
        quantity = row.values.get("quantity")
        if quantity is not None and "quantity" not in row.bad and quantity <= 0:
            issues.error(sheet.spec.name, row.number, "数量", "数量应为大于 0 的整数")
        if row.ok("start_date", "due_date") and row.values["due_date"] <= row.values["start_date"]:
            issues.error(
                sheet.spec.name,
                row.number,
                "回收日期",
                f"回收日期 {row.values['due_date']} 应晚于使用日期 {row.values['start_date']}",
            )
        returned = row.values.get("returned_date")
        if returned is None or "returned_date" in row.bad:
            continue
        if row.ok("status") and row.values["status"] == LoanStatus.IN_USE:
            issues.error(sheet.spec.name, row.number, "实际回收日期", "状态为使用中的周转编制不应填写实际回收日期")
        elif row.ok("start_date") and returned < row.values["start_date"]:
            issues.error(
                sheet.spec.name,
                row.number,
                "实际回收日期",
                f"实际回收日期 {returned} 不应早于使用日期 {row.values['start_date']}",
            )
        elif returned > today():
            issues.error(sheet.spec.name, row.number, "实际回收日期", f"实际回收日期 {returned} 不应晚于今天")
    _duplicates(
        sheet,
        ("unit", "staffing_type", "start_date"),
        "使用日期",
        lambda k: f"机构“{k[0]}”{k[2]} 使用的{k[1]}周转编制",
        issues,
    )


def validate_limits(sheet: ParsedSheet, issues: Issues) -> None:
    for row in sheet.rows:
        _not_negative(sheet, row, "limit", issues)
        region = row.values.get("region")
        if region is None or "region" in row.bad:
            continue
        problem = region_code_error(region)
        if problem:
            issues.error(sheet.spec.name, row.number, "区划代码", problem)
            row.bad.add("region")
        elif not region_code_known(region):
            issues.warning(
                sheet.spec.name, row.number, "区划代码", f"区划代码“{region}”不在 GB/T 2260 行政区划代码表中"
            )
    _duplicates(sheet, ("region", "category"), "限额类别", lambda k: f"区划“{k[0]}”的{k[1]}限额", issues)


#: the stored 原退休年龄 of the people with these 身份证号 (those not stored are left out)
StoredAges = Callable[[list[str]], dict[str, int | None]]


def validate_people(
    sheet: ParsedSheet,
    units: UnitIndex,
    issues: Issues,
    first_rows: dict[str, int] | None = None,
    stored_ages: StoredAges | None = None,
) -> None:
    """Validate people; ``first_rows`` carries the 身份证号 seen so far when the sheet comes in chunks.
    ``stored_ages`` looks up the stored 原退休年龄 that a 批准退休年月 is checked with when the sheet
    has no 原退休年龄 column (without it, the people are taken as new)."""
    name = sheet.spec.name
    units.prefetch(row.values.get(f) for row in sheet.rows for f in ("unit", "internal_division"))
    _check_approved_retirement(sheet, issues, stored_ages)
    for row in sheet.rows:
        values = row.values
        if row.ok("id_number"):
            number = values["id_number"]
            if row.ok("gender") and id_number_gender(number) != values["gender"]:
                issues.error(
                    name,
                    row.number,
                    "性别",
                    f"性别“{values['gender']}”与身份证号第17位不符（应为{id_number_gender(number)}）",
                )
            if row.ok("birth_date") and id_number_birth_date(number) != values["birth_date"]:
                issues.error(
                    name,
                    row.number,
                    "出生日期",
                    f"出生日期 {values['birth_date']} 与身份证号中的出生日期 {id_number_birth_date(number)} 不符",
                )
        for fld in ("ethnicity", "political_status", "education", "degree"):
            value = values.get(fld)
            if value is not None:
                header = sheet.spec.column(fld).header
                warning = code_table_warning(header, value)
                if warning:
                    issues.warning(name, row.number, header, warning)
        _check_unit_reference(sheet, row, units, issues)
        division = values.get("internal_division")
        if division is not None and "internal_division" not in row.bad:
            if division not in units.known:
                issues.error(
                    name, row.number, "内设机构代码", f"内设机构“{division}”不存在（文件中和已有数据中均没有）"
                )
            elif units.is_division(division) is False:
                issues.error(name, row.number, "内设机构代码", f"“{division}”不是内设机构")
            elif row.ok("unit") and units.parent.get(division) != values["unit"] and units.is_division(division):
                issues.error(name, row.number, "内设机构代码", f"内设机构“{division}”不属于机构“{values['unit']}”")
        age = values.get("original_age")
        if age is not None and "original_age" not in row.bad and age not in (50, 55, 60):
            issues.error(name, row.number, "原退休年龄", f"原退休年龄“{age}”无效，应为 50、55 或 60")
        on_staff = values.get("status") == PersonStatus.ON_STAFF
        entry, left, written_off = values.get("entry_date"), values.get("left_date"), values.get("written_off_date")
        if not on_staff and entry is not None and left is not None and left < entry:
            issues.error(name, row.number, "离编日期", f"离编日期 {left} 早于进编日期 {entry}")
        if not on_staff and left is not None and written_off is not None and written_off < left:
            issues.error(name, row.number, "核销日期", f"核销日期 {written_off} 早于离编日期 {left}")
    seen = first_rows if first_rows is not None else {}
    for row in sheet.rows:
        if not row.ok("id_number"):
            continue
        number = row.values["id_number"]
        first = seen.setdefault(number, row.number)
        if first != row.number:
            issues.error(name, row.number, "身份证号", f"身份证号“{number}”与第 {first} 行重复")


def _check_approved_retirement(sheet: ParsedSheet, issues: Issues, stored_ages: StoredAges | None) -> None:
    """批准退休年月 within the flexible range of domain.md §5, computed from the values the person
    will have after the import: the row's, and the stored 原退休年龄 where the column is absent.
    (A stored month kept by an absent column is checked when the rows are planned.)"""
    if "approved_retirement_month" not in sheet.present:
        return
    rows = [
        row
        for row in sheet.rows
        if row.ok("approved_retirement_month", "id_number", "gender", "birth_date", "category")
        and "original_age" not in row.bad
        # a gender or birth date that disagrees with the number is its own error: no cascade
        and id_number_gender(row.values["id_number"]) == row.values["gender"]
        and id_number_birth_date(row.values["id_number"]) == row.values["birth_date"]
    ]
    if not rows:
        return
    ages: dict[str, int | None] = {}
    if "original_age" not in sheet.present and stored_ages is not None:
        ages = stored_ages([row.values["id_number"] for row in rows])
    for row in rows:
        values = row.values
        age = values.get("original_age") if "original_age" in sheet.present else ages.get(values["id_number"])
        if age not in (None, 50, 55, 60):
            continue  # its own error is reported under 原退休年龄
        problem = flexible_retirement_error(
            values["approved_retirement_month"],
            birth_date=values["birth_date"],
            gender=values["gender"],
            person_category=values["category"],
            original_age=age,
        )
        if problem:
            issues.error(sheet.spec.name, row.number, "批准退休年月", problem)
            row.bad.add("approved_retirement_month")


SHEET_ORDER = (UNITS, QUOTAS, POSITIONS, LOANS, LIMITS, PEOPLE)
