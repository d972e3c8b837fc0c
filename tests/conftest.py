"""Shared fixtures: build standard workbooks in a temporary folder and import them."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bianzhi.core.validators import id_check_character
from bianzhi.registry.importer.schema import SHEET_BY_NAME

# Tests say `from conftest import …`; under --import-mode=importlib pytest loads this file as
# `tests.conftest`, so both names must be this one module (one `_sequence`, one set of helpers).
sys.modules.setdefault("conftest", sys.modules[__name__])
# The tests run on the demo SECRET_KEY, like the CLI's data commands (bianzhi/config/secret_key.py).
os.environ.setdefault("BIANZHI_ALLOW_DEMO_KEY", "1")

_sequence = itertools.count(1)


def pytest_configure(config) -> None:
    """Compile the zh-hans translation when its .po is newer than the .mo (which git ignores), so
    the pages render in Chinese on a fresh checkout. Written to a temporary file and renamed, so the
    xdist workers never read a half-written catalogue."""
    import os
    import shutil
    import subprocess

    messages = Path(__file__).resolve().parent.parent / "bianzhi" / "locale" / "zh_Hans" / "LC_MESSAGES"
    po, mo = messages / "django.po", messages / "django.mo"
    if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
        return
    if shutil.which("msgfmt") is None:
        raise pytest.UsageError("编译中文翻译需要 gettext 的 msgfmt（make system-deps 安装 gettext）")
    partial = mo.with_name(f"django.mo.{os.getpid()}")
    subprocess.run(["msgfmt", "--check-format", "-o", str(partial), str(po)], check=True)
    os.replace(partial, mo)


@pytest.fixture(autouse=True)
def _two_factor_login_off(settings):
    """The tests run with two-factor login not required (BIANZHI_REQUIRE_2FA=0, as the demo does), so
    personas log in with force_login or the login form alone; tests/accounts/test_two_factor.py turns it on."""
    settings.REQUIRE_2FA = False


def make_id(birth: dt.date, gender: str = "男", region: str = "330602") -> str:
    """A valid GB 11643 number for the birth date and gender (odd 17th digit = 男)."""
    n = next(_sequence) % 500
    seq = n * 2 + (1 if gender == "男" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_character(first17)


def unit_row(code: str, kind: str = "政府工作部门", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"机构代码": code, "机构名称": f"机构{code}", "机构类型": kind}
    if kind != "内设机构" and "上级机构代码" not in extra:
        row["序列"] = "政府"
        row["区划代码"] = "330602"
    row.update(extra)
    return row


def person_row(
    unit: str,
    *,
    staffing: str = "行政编制",
    birth: dt.date = dt.date(1985, 5, 5),
    gender: str = "男",
    category: str = "公务员",
    status: str = "在编",
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "身份证号": make_id(birth, gender),
        "姓名": "张三",
        "性别": gender,
        "出生日期": birth,
        "人员类别": category,
        "机构代码": unit,
        "编制类型": staffing,
        "人员状态": status,
    }
    row.update(extra)
    return row


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv_folder(folder: Path, sheets: dict[str, list[dict[str, Any]]], headers=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        columns = (headers or {}).get(name) or _columns(name, rows)
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
    return folder


def write_xlsx(path: Path, sheets: dict[str, list[dict[str, Any]]], headers=None) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        columns = (headers or {}).get(name) or _columns(name, rows)
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    workbook.save(path)
    return path


def _columns(name: str, rows: list[dict[str, Any]]) -> list[str]:
    present = {k for row in rows for k in row}
    ordered = [c.header for c in SHEET_BY_NAME[name].columns if c.header in present]
    return ordered + sorted(present - set(ordered))


@pytest.fixture
def workbook(tmp_path) -> Callable[..., Path]:
    counter = itertools.count(1)

    def build(sheets: dict[str, list[dict[str, Any]]], *, fmt: str = "csv", headers=None) -> Path:
        n = next(counter)
        if fmt == "xlsx":
            return write_xlsx(tmp_path / f"book{n}.xlsx", sheets, headers)
        return write_csv_folder(tmp_path / f"book{n}", sheets, headers)

    return build


@pytest.fixture
def load(workbook):
    """Import sheets and assert success; returns the ImportResult."""
    from bianzhi.registry.services import workbook_import

    def run(sheets, *, expect_ok: bool = True, **kwargs):
        result = workbook_import(path=workbook(sheets, fmt=kwargs.pop("fmt", "csv")), **kwargs)
        if expect_ok:
            assert result.ok, result.errors
        return result

    return run


# ---------------------------------------------------------------- personas (domain.md §11) and the API


#: The register every persona works on: two departments A and B, each with an internal division
#: and a public institution below it, so a unit HR officer of A sees A, A-01 and AS but not B.
PA = person_row("A", birth=dt.date(1985, 5, 5))
PAS = person_row("AS", staffing="事业编制", category="事业专业技术人员", birth=dt.date(1990, 3, 3), gender="女")
PB = person_row("B", birth=dt.date(1970, 7, 7))
PB_MIXED = person_row("B", staffing="事业编制", category="事业专业技术人员", birth=dt.date(1988, 8, 8))
PB_OLD = person_row("B", birth=dt.date(1960, 1, 10))
PEOPLE = {"PA": PA, "PAS": PAS, "PB": PB, "PB_MIXED": PB_MIXED, "PB_OLD": PB_OLD}
NAMES = {"PA": "王一", "PAS": "李二", "PB": "张三", "PB_MIXED": "赵四", "PB_OLD": "钱五"}
REGISTER_DAY = dt.date(2026, 6, 30)


def register_sheets() -> dict[str, list[dict[str, Any]]]:
    return {
        "机构": [
            unit_row("A", 核定内设机构数=1),
            unit_row("A-01", "内设机构", 上级机构代码="A"),
            unit_row("AS", "事业单位", 上级机构代码="A", 事业单位类别="公益一类"),
            unit_row("B", 核定内设机构数=1),
            unit_row("B-01", "内设机构", 上级机构代码="B"),
            unit_row("BS", "事业单位", 上级机构代码="B", 事业单位类别="公益二类"),
        ],
        "编制": [
            {"机构代码": "A", "编制类型": "行政编制", "核定数": 5},
            {"机构代码": "AS", "编制类型": "事业编制", "核定数": 3},
            {"机构代码": "B", "编制类型": "行政编制", "核定数": 4},
            {"机构代码": "BS", "编制类型": "事业编制", "核定数": 2},
        ],
        "职数": [
            {"机构代码": "A", "职数类别": "正职", "核定数": 1},
            {"机构代码": "B", "职数类别": "正职", "核定数": 1},
        ],
        "周转编制": [
            {
                "机构代码": "A",
                "编制类型": "行政编制",
                "数量": 1,
                "使用日期": "2026-01-01",
                "回收日期": "2027-01-01",
                "状态": "使用中",
            },
            {
                "机构代码": "B",
                "编制类型": "行政编制",
                "数量": 1,
                "使用日期": "2025-01-01",
                "回收日期": "2026-01-01",
                "状态": "使用中",
            },
        ],
        "限额": [{"区划代码": "330602", "限额类别": "党政机构", "限额数": 5}],
        "人员": [{**row, "姓名": NAMES[key]} for key, row in PEOPLE.items()],
    }


@dataclass
class Persona:
    """A user of one role with a personal token (``token``) and a spare token to revoke."""

    name: str
    user: Any = None
    token: str = ""
    spare_token_id: int = 0


#: name → (role, unit code of a 单位人事干部 grant)
PERSONA_ROLES: dict[str, tuple[str, str | None] | None] = {
    "admin": ("admin", None),
    "officer": ("officer", None),
    "hr_a": ("unit_hr", "A"),
    "hr_b": ("unit_hr", "B"),
    "leader": ("leader", None),
    "inspector": ("inspector", None),
    "auditor": ("auditor", None),
    "nobody": None,  # a user without any role
    "anonymous": None,  # no credentials at all
}


@pytest.fixture
def register(db, load):
    """The register of the personas, with a suspension on A and on B and one monitoring run."""
    from bianzhi.registry.models import Unit
    from bianzhi.registry.services import suspension_start
    from bianzhi.supervision.services import monitoring_run

    load(register_sheets())
    units = {u.code: u for u in Unit.objects.all()}
    suspensions = {
        code: suspension_start(
            unit=units[code], reason="问题整改逾期", source="问题整改", started_on=dt.date(2026, 6, 1)
        )
        for code in ("A", "B")
    }
    run, _ = monitoring_run(as_of=REGISTER_DAY)
    return {"units": units, "suspensions": suspensions, "run": run, "people": PEOPLE}


@pytest.fixture
def personas(register) -> dict[str, Persona]:
    from django.contrib.auth.models import User

    from bianzhi.accounts.services import api_token_create, role_grant_create

    result: dict[str, Persona] = {}
    for name, grant in PERSONA_ROLES.items():
        if name == "anonymous":
            result[name] = Persona(name)
            continue
        # No password: hashing one is slow, and tests log in with force_login or a token.
        user = User.objects.create_user(username=name, first_name=name)
        if grant is not None:
            role, code = grant
            role_grant_create(user=user, role=role, unit=register["units"][code] if code else None, actor="tests")
        main = api_token_create(user=user, name="主令牌")
        spare = api_token_create(user=user, name="备用令牌")
        result[name] = Persona(name, user, main.secret, spare.token.pk)
    return result


class Api:
    """Calls ``/api/v1`` as a persona: with its token, or (``session=True``) logged in with CSRF."""

    def __init__(self) -> None:
        from django.test import Client

        self.Client = Client

    def __call__(
        self,
        persona: Persona,
        method: str,
        path: str,
        *,
        json: Any = None,
        multipart: dict[str, Any] | None = None,
        session: bool = False,
        csrf: bool = True,
    ):
        import json as json_module

        from django.middleware.csrf import _get_new_csrf_string

        client = self.Client(enforce_csrf_checks=True)
        headers: dict[str, str] = {}
        if session and persona.user is not None:
            client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
            if csrf:
                secret = _get_new_csrf_string()
                client.cookies["csrftoken"] = secret
                headers["X-CSRFToken"] = secret
        elif persona.token:
            headers["Authorization"] = f"Bearer {persona.token}"
        url = "/api/v1" + path
        call = getattr(client, method.lower())
        if multipart is not None:
            return call(url, data=multipart, headers=headers)
        if json is not None:
            return call(
                url, data=json_module.dumps(json, default=str), content_type="application/json", headers=headers
            )
        return call(url, headers=headers)


@pytest.fixture
def api() -> Api:
    return Api()


# ---------------------------------------------------------------- the console script in a process of its own

BIANZHI = str(Path(sys.executable).with_name("bianzhi"))


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A database of its own for the subprocesses: a fresh PostgreSQL database in the PostgreSQL
    pass, an SQLite file otherwise."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        name = f"bianzhi_cli_{uuid.uuid4().hex[:10]}"
        base, _, _ = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{base}/{name}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.sqlite3'}"


def run(database_url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment.update({"DATABASE_URL": database_url, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""})
    environment.update(env or {})
    return subprocess.run([BIANZHI, *args], capture_output=True, env=environment, timeout=120, check=False)


def database_query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of ``sql`` (``?`` placeholders) read from the database at ``url``, every value as text."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            return [tuple(str(v) for v in row) for row in conn.execute(sql.replace("?", "%s"), params).fetchall()]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return [tuple(str(v) for v in row) for row in conn.execute(sql, params).fetchall()]
