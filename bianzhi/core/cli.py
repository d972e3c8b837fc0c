"""Helpers for the management commands behind the ``bianzhi`` script (interchange.md §2)."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import json
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

MISUSE = 2
REJECTED = 1


def write_json(document: Any) -> None:
    """Exactly one JSON document on standard output, UTF-8 whatever the locale."""
    sys.stdout.flush()
    # A lone surrogate (a file name that is not UTF-8, echoed in a message) becomes a \\udcxx escape.
    sys.stdout.buffer.write(
        json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8", "backslashreplace") + b"\n"
    )
    sys.stdout.buffer.flush()


def write_text(text: str) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8", "backslashreplace") + b"\n")
    sys.stdout.buffer.flush()


#: The days a command line accepts (interchange.md §2: anything else is misuse).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)
DAY_RANGE = f"{FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()}"
MONTH_RANGE = f"{FIRST_DAY:%Y-%m} 至 {LAST_DAY:%Y-%m}"
#: The longest forecast window, in months (50 years).
MAX_MONTHS = 600


def shown(value: str, limit: int = 40) -> str:
    """A value as echoed in a message: on one line, shortened when long."""
    return one_line(value if len(value) <= limit else value[:limit] + "…")


def one_line(text: str) -> str:
    """Escape control characters (line breaks included) and lone surrogates, so a message stays on
    one line and can be written whatever the encoding of the stream."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def iso_date(value: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise argparse.ArgumentTypeError(f"“{shown(value)}”不是 YYYY-MM-DD 格式的日期（允许 {DAY_RANGE}）")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"“{value}”不是有效日期（允许 {DAY_RANGE}）") from exc
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"日期 {value} 超出允许范围 {DAY_RANGE}")
    return day


def iso_month(value: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        raise argparse.ArgumentTypeError(f"“{shown(value)}”不是 YYYY-MM 格式的月份（允许 {MONTH_RANGE}）")
    year, month = int(value[:4]), int(value[5:])
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(f"“{value}”不是有效月份（允许 {MONTH_RANGE}）")
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise argparse.ArgumentTypeError(f"月份 {value} 超出允许范围 {MONTH_RANGE}")
    return dt.date(year, month, 1)


def month_count(value: str) -> int:
    """A number of months: an integer from 1 to MAX_MONTHS."""
    if not re.fullmatch(r"[0-9]{1,9}", value) or not 1 <= int(value) <= MAX_MONTHS:
        raise argparse.ArgumentTypeError(f"“{shown(value)}”应为 1 至 {MAX_MONTHS} 之间的整数")
    return int(value)


def text_option(max_length: int | None = None) -> Callable[[str], str]:
    """A free-text option: no NUL (PostgreSQL cannot store it), valid Unicode (a command line that is
    not UTF-8 arrives with lone surrogates, which no database can store), at most ``max_length``."""

    def parse(value: str) -> str:
        if "\x00" in value:
            raise argparse.ArgumentTypeError("不能包含 NUL 字符")
        if _SURROGATE.search(value):
            raise argparse.ArgumentTypeError(f"“{shown(value)}”含有无法识别的字符（命令行不是 UTF-8 编码）")
        if max_length is not None and len(value) > max_length:
            raise argparse.ArgumentTypeError(f"不能超过 {max_length} 个字符（现有 {len(value)} 个）")
        return value

    return parse


_SURROGATE = re.compile("[\ud800-\udfff]")


#: argparse's own messages (Python 3.11) in Chinese; anything else is shown as argparse wrote it.
_ARGPARSE_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"unrecognized arguments: (.*)", re.S), "无法识别的参数：{0}"),
    (re.compile(r"the following arguments are required: (.*)", re.S), "缺少必需的参数：{0}"),
    (re.compile(r"argument (\S+): expected one argument", re.S), "参数 {0} 需要一个值"),
    (
        re.compile(r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", re.S),
        "参数 {0} 的值 {1} 无效，可选：{2}",
    ),
    (re.compile(r"argument (\S+): ignored explicit argument (.*)", re.S), "参数 {0} 不接受值 {1}"),
    (re.compile(r"argument (\S+): (.*)", re.S), "参数 {0}：{1}"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)", re.S), "选项 {0} 有歧义，可能是：{1}"),
]


def _chinese(message: str) -> str:
    for pattern, template in _ARGPARSE_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return template.format(*match.groups())
    return message


def _misuse(parser: CommandParser, message: str) -> NoReturn:
    """A malformed command line: one line on standard error and exit 2 (never argparse's usage
    block); called from code (call_command), a CommandError as Django's parser raises."""
    line = f"{parser.prog}：{one_line(_chinese(message))}"
    if not parser.called_from_command_line:
        raise CommandError(line, returncode=MISUSE)
    sys.stderr.write(f"{line}（运行 {parser.prog} -h 查看用法）\n")
    sys.stderr.flush()
    sys.exit(MISUSE)


def _parse_single_values(
    parser: CommandParser, parse: Callable[..., argparse.Namespace], *args: Any, **kwargs: Any
) -> argparse.Namespace:
    """argparse (Python 3.11) turns ``--months=--`` into an empty list instead of a value or an
    error; an option of one value that ends up a list is misuse like a missing value."""
    options = parse(*args, **kwargs)
    for action in parser._actions:
        if action.nargs is None and isinstance(getattr(options, action.dest, None), list):
            name = action.option_strings[-1] if action.option_strings else action.dest
            parser.error(f"argument {name}: expected one argument")
    return options


class DataCommand(BaseCommand):
    """A data command of the ``bianzhi`` script (import, monitor, forecast): a malformed option is
    misuse, reported on one line in Chinese with exit code 2."""

    # The data commands skip Django's system checks (URLs, admin, API schema): they cost half a
    # second a call and concern the web server; `bianzhi migrate` and `bianzhi check` still run them.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = functools.partial(_misuse, parser)  # type: ignore[method-assign]
        parser.parse_args = functools.partial(_parse_single_values, parser, parser.parse_args)  # type: ignore[method-assign,assignment]
        self._misuse_parser = parser
        return parser

    def misuse(self, message: str) -> NoReturn:
        """Misuse found once the options are parsed (e.g. two options that do not fit together):
        reported like a malformed option."""
        _misuse(self._misuse_parser, message)


def ensure_migrated() -> None:
    """Refuse (exit 2) to work on a database whose schema is missing or out of date."""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"无法连接数据库：{exc}", returncode=MISUSE) from exc
    if plan:
        raise CommandError("数据库尚未初始化或需要升级，请先运行 bianzhi migrate", returncode=MISUSE)


class ProgressLine:
    """A one-line progress display on standard error, only when it is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.width = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        text = f"\r{message}…"
        pad = max(0, self.width - len(text))
        sys.stderr.write(text + " " * pad)
        sys.stderr.flush()
        self.width = len(text)

    def done(self) -> None:
        if self.enabled and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


def command_actor() -> str:
    """Who a command's change set names: 命令行 and the operating-system user (interchange.md §2);
    a uid without a passwd entry and no USER/LOGNAME in the environment is 未知用户, never a traceback."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "未知用户"
    return f"命令行 {user}"
