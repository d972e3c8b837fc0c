"""Bad input on the command line (interchange.md §2, issue 12): malformed or out-of-range values are
misuse (exit 2, one Chinese line on standard error), a DATABASE_URL of another kind too, and no
value of any option ends in a traceback.

Most commands run in-process (the same ``run_from_argv`` the console script reaches), so the fuzz
stays fast; the DATABASE_URL check and a non-UTF-8 command line need a real process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import json
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BIANZHI, run, unit_row, write_csv_folder
from django.core.management import ManagementUtility
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bianzhi.config.settings import database_url_problem
from bianzhi.core.validators import credit_check_character, organisation_code_error


@dataclass
class Outcome:
    code: int
    stdout: bytes
    stderr: str


def call(*args: str) -> Outcome:
    """Run ``bianzhi ARGS`` in this process: exit code, standard output (bytes) and standard error.

    Standard error is written as a real process writes it (backslashreplace); an exception that
    escapes the command is written there as its traceback, with exit code 1, as Python does.
    """
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            argv = ["bianzhi", *args]
            ManagementUtility(argv).fetch_command(args[0]).run_from_argv(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except BaseException:
            traceback.print_exc()
            code = 1
    return Outcome(code, out.getvalue(), err.getvalue().decode("utf-8"))


def assert_misuse(outcome: Outcome, *words: str) -> None:
    assert outcome.code == 2, outcome
    assert "Traceback" not in outcome.stderr
    assert outcome.stdout == b""
    line = outcome.stderr.strip()
    assert line and "\n" not in line, outcome.stderr
    for word in words:
        assert word in line, (word, line)


def unit_sheet(name: str = "甲", credit: str | None = None) -> dict:
    row = unit_row("A", 机构名称=name)
    if credit is not None:
        row["统一社会信用代码"] = credit
    return {"机构": [row]}


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path]:
    """Two versions of a one-unit workbook: importing them in turn always changes something."""
    folder = tmp_path_factory.mktemp("books")
    return write_csv_folder(folder / "one", unit_sheet("甲")), write_csv_folder(folder / "two", unit_sheet("乙"))


# ---------------------------------------------------------------- dates: malformed or out of range


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
@pytest.mark.parametrize("command", [("monitor", "--as-of"), ("import", "PATH", "--effective")])
def test_a_day_outside_1900_2199_is_misuse(command, value, tmp_path) -> None:
    args = [str(tmp_path) if a == "PATH" else a for a in command]
    assert_misuse(call(*args, value), command[-1], "1900-01-01", "2199-12-31", value)


@pytest.mark.parametrize(
    "value", ["2026/06/30", "2026-02-30", "2026-6-30", "", "tomorrow", "２０２６-０６-３０", "2026-06-30\n"]
)
@pytest.mark.parametrize("command", [("monitor", "--as-of"), ("import", "PATH", "--effective")])
def test_a_malformed_day_is_misuse(command, value, tmp_path) -> None:
    args = [str(tmp_path) if a == "PATH" else a for a in command]
    assert_misuse(call(*args, value), command[-1])
    assert_misuse(call(*args[:-1], f"{command[-1]}={value}"), command[-1], "1900-01-01", "2199-12-31")


@pytest.mark.parametrize(
    "value", ["0001-01", "1899-12", "2200-01", "9999-12", "2026-13", "2026-00", "2026-1", "202601", "-2026-01"]
)
def test_a_month_outside_1900_2199_or_malformed_is_misuse(value) -> None:
    assert_misuse(call("forecast", "retirements", f"--from={value}"), "--from", "1900-01", "2199-12")


@pytest.mark.parametrize(
    "start, months",
    [("2199-12", "2"), ("2199-01", "13"), ("2150-02", "600")],
)
def test_a_forecast_window_past_2199_12_is_misuse(start, months) -> None:
    outcome = call("forecast", "retirements", "--from", start, "--months", months)
    assert_misuse(outcome, "2199-12")
    assert "--from" in outcome.stderr or "--months" in outcome.stderr


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "", "abc", "601", "9" * 5000, "١٢", " 12"])
def test_months_must_be_an_integer_from_1_to_600(value) -> None:
    assert_misuse(call("forecast", "retirements", f"--months={value}"), "--months", "1", "600")


@pytest.mark.django_db(transaction=True)
def test_the_bounds_themselves_are_accepted(books) -> None:
    for args in [
        ("monitor", "--as-of", "1900-01-01", "--json"),
        ("monitor", "--as-of", "2199-12-31", "--json"),
        ("forecast", "retirements", "--from", "1900-01", "--months", "600", "--json"),
        ("forecast", "retirements", "--from", "2199-12", "--months", "1", "--json"),
        ("forecast", "retirements", "--from", "2199-01", "--months", "12", "--json"),
        ("import", str(books[0]), "--effective", "2199-12-31", "--dry-run", "--json"),
        ("import", str(books[0]), "--effective", "1900-01-01", "--json"),
    ]:
        outcome = call(*args)
        assert outcome.code == 0, (args, outcome)
        json.loads(outcome.stdout.decode("utf-8"))
    months = json.loads(call("forecast", "retirements", "--from", "1900-01", "--months", "600", "--json").stdout)
    assert months["months"] == 600


@pytest.mark.django_db(transaction=True)
def test_other_option_values_that_cannot_be_stored_are_misuse(books) -> None:
    # A document number is at most 200 characters (PostgreSQL would refuse a longer one mid-import).
    assert_misuse(call("import", str(books[0]), "--document-number", "号" * 201), "--document-number", "200")
    # NUL cannot be stored in PostgreSQL; a lone surrogate is what a non-UTF-8 command line becomes.
    assert_misuse(call("import", str(books[0]), "--reason", "a\x00b"), "--reason", "NUL")
    assert_misuse(call("import", str(books[0]), "--reason", "\udcff"), "--reason", "UTF-8")
    assert_misuse(call("import", str(books[0]), "--document-number", "\udcff"), "--document-number", "UTF-8")
    assert_misuse(call("import", "", "--json"), "路径")
    assert call("import", str(books[0]), "--document-number", "号" * 200, "--json").code == 0


def test_argparse_misuse_is_one_chinese_line() -> None:
    assert_misuse(call("monitor", "--bogus"), "无法识别的参数", "--bogus")
    assert_misuse(call("monitor", "--as-of"), "参数 --as-of 需要一个值")
    assert_misuse(call("forecast", "nothing"), "subject", "retirements")
    assert_misuse(call("forecast"), "缺少必需的参数")
    assert_misuse(call("import"), "缺少必需的参数")
    assert_misuse(call("monitor", "--as-of", "2026-01-01\n2026-01-02"), "\\n")
    # argparse (3.11) would hand the command an empty list for `--months=--`.
    for args in [
        ("forecast", "retirements", "--months=--"),
        ("forecast", "retirements", "--from=--"),
        ("monitor", "--as-of=--"),
    ]:
        assert_misuse(call(*args), "需要一个值")
    assert_misuse(call("import", "x", "--reason=--"), "--reason")
    assert_misuse(call("import", "x", "--document-number=--"), "--document-number")
    assert_misuse(call("import", "x", "--effective=--"), "--effective")


# ---------------------------------------------------------------- the path: a file name that is not UTF-8


@pytest.mark.django_db(transaction=True)
def test_a_path_that_is_not_utf8_is_rejected_without_a_traceback(books, tmp_path) -> None:
    missing = call("import", str(tmp_path / "\udcff.xlsx"), "--json")
    assert missing.code == 1 and "Traceback" not in missing.stderr
    assert json.loads(missing.stdout.decode("utf-8"))["ok"] is False
    # A folder whose name is in another encoding exists, but cannot be named in the change log.
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/\xff\xfe"))
    write_csv_folder(folder, unit_sheet())
    for args in [("--json",), ()]:
        outcome = call("import", str(folder), *args)
        assert outcome.code == 1, outcome
        assert "Traceback" not in outcome.stderr
        assert "UTF-8" in outcome.stdout.decode("utf-8")
    document = json.loads(call("import", str(folder), "--json").stdout)
    assert document["ok"] is False and [e["row"] for e in document["errors"]] == [0]


@pytest.fixture(scope="module")
def migrated(database_url) -> str:
    assert run(database_url, "migrate", "-v0").returncode == 0
    return database_url


def test_a_command_line_that_is_not_utf8_in_a_real_process(migrated, tmp_path) -> None:
    import subprocess

    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment.update({"DATABASE_URL": migrated, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": ""})
    for args, code in [
        ([b"import", bytes(tmp_path) + b"/\xff.xlsx", b"--json"], 1),
        ([b"monitor", b"--as-of", b"\xff"], 2),
        ([b"import", bytes(tmp_path), b"--reason", b"\xff\xfe"], 2),
    ]:
        completed = subprocess.run(
            [BIANZHI.encode(), *args], capture_output=True, env=environment, timeout=120, check=False
        )
        assert completed.returncode == code, completed
        assert b"Traceback" not in completed.stderr
        completed.stdout.decode("utf-8")
        if code == 1:
            assert json.loads(completed.stdout)["ok"] is False


# ---------------------------------------------------------------- DATABASE_URL of another kind


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////var/lib/bianzhi/bianzhi.sqlite3",
        "postgres://bianzhi@127.0.0.1:5432/bianzhi",
        "postgres://bianzhi:secret@db/bianzhi?sslmode=require",
        "postgresql://bianzhi@localhost/bianzhi",
        "SQLITE:////tmp/x.sqlite3",  # URL schemes are case-insensitive
    ],
)
def test_supported_database_urls(url) -> None:
    assert database_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:secret@localhost/bianzhi",
        "oracle://",
        "garbage",
        "mssql://u:secret@h/db",
        "sqlite://",  # in memory: nothing would persist
        "sqlite:///relative.sqlite3",
        "postgres://u:secret@h:port/db",
        "postgres://[::1/db",
        "postgres://u@h:5432/",
        " postgres://u@h/db",
        "\udcff://x",
    ],
)
def test_unsupported_database_urls(url) -> None:
    problem = database_url_problem(url)
    assert problem is not None
    assert "sqlite:////" in problem and "postgres://" in problem
    assert "secret" not in problem and "\n" not in problem


@pytest.mark.parametrize(
    "url, args",
    [
        ("mysql://root:secret@localhost/bianzhi", ("monitor", "--json")),
        ("mysql://root:secret@localhost/bianzhi", ("import", "nope.xlsx", "--json")),
        ("mysql://root:secret@localhost/bianzhi", ("forecast", "retirements")),
        ("mysql://root:secret@localhost/bianzhi", ("migrate",)),
        ("mysql://root:secret@localhost/bianzhi", ("help",)),
        ("mysql://root:secret@localhost/bianzhi", ("demo", "--no-serve")),
        ("mysql://root:secret@localhost/bianzhi", ("frobnicate",)),
        ("mysql://root:secret@localhost/bianzhi", ()),
        ("oracle://", ("monitor",)),
        ("garbage", ("monitor",)),
        ("sqlite:///relative.sqlite3", ("monitor",)),
        ("postgres://u@h:port/db", ("monitor",)),
    ],
)
def test_a_database_url_of_another_kind_is_misuse_for_every_command(url, args) -> None:
    completed = run(url, *args)
    stderr = completed.stderr.decode("utf-8")
    assert completed.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert completed.stdout == b""
    assert stderr.strip() and "\n" not in stderr.strip(), stderr
    assert "sqlite:////" in stderr and "postgres://" in stderr and "DATABASE_URL" in stderr
    assert "secret" not in stderr


# ---------------------------------------------------------------- 统一社会信用代码: the stricter check warns


@pytest.mark.django_db(transaction=True)
def test_a_credit_code_with_a_wrong_embedded_organisation_code_imports_with_a_warning(tmp_path) -> None:
    body = "91310230MA1K314J8"  # the GB 11714 check (position 17) should be 7
    credit = body + credit_check_character(body)
    assert organisation_code_error(credit[8:17]) is not None
    book = write_csv_folder(tmp_path / "book", unit_sheet(credit=credit))
    expected = [
        {
            "sheet": "机构",
            "row": 2,
            "column": "统一社会信用代码",
            "message": "统一社会信用代码中的组织机构代码（第9–17位）校验码错误，第17位应为7",
        }
    ]
    dry = call("import", str(book), "--dry-run", "--json")
    assert dry.code == 0, dry
    assert json.loads(dry.stdout)["warnings"] == expected
    done = call("import", str(book), "--json")
    assert done.code == 0, done
    document = json.loads(done.stdout)
    assert document["ok"] is True and document["created"]["机构"] == 1
    assert document["warnings"] == expected
    from bianzhi.registry.models import UnitVersion

    assert list(UnitVersion.objects.values_list("credit_code", flat=True)) == [credit]

    # A wrong GB 32100 check character (position 18) stays an error.
    bad = write_csv_folder(tmp_path / "bad", unit_sheet(credit=credit[:17] + ("0" if credit[17] != "0" else "1")))
    rejected = call("import", str(bad), "--json")
    assert rejected.code == 1
    errors = json.loads(rejected.stdout)["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("机构", 2, "统一社会信用代码")]


# ---------------------------------------------------------------- fuzz: every option, any string

#: The options each data command defines (add_arguments), which the fuzz below covers; a new option
#: fails test_the_fuzz_covers_every_option until it is fuzzed too.
OPTIONS = {
    "import": {"path", "--dry-run", "--effective", "--reason", "--document-number", "--user", "--json"},
    "monitor": {"--as-of", "--json"},
    "forecast": {"subject", "--from", "--months", "--json"},
}

#: Values worth trying on every option, besides the generated ones.
SPECIAL = [
    "",
    " ",
    "-",
    "--",
    "-h",
    "--json",
    "-1",
    "0",
    "9" * 5000,
    "1e9",
    "0x10",
    "\x00",
    "\n",
    "\udcff",
    "\u202e2026-01-01",
    "２０２６-０１-０１",
    "2026-01-01\n",
    "2026-01",
    "2026-06-30",
    "0000-00-00",
    "0001-01",
    "9999-12-31",
    "+2026-01-01",
    "retirements",
    "/",
    ".",
    "%s%n{0}",
]

values = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Nd"])),
    st.integers().map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.from_regex(r"[-+]?[0-9]{1,6}(-[0-9]{1,3}){0,2}", fullmatch=True),
    st.dates().map(dt.date.isoformat),
    st.lists(st.sampled_from([chr(c) for c in range(0xDC80, 0xDD00)] + list("2026-")), max_size=12).map("".join),
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_no_traceback(outcome: Outcome, as_json: bool) -> None:
    assert outcome.code in (0, 1, 2), outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr
    text = outcome.stdout.decode("utf-8")  # UTF-8 whatever was given
    if outcome.code == 2:
        assert outcome.stderr.strip(), outcome
    elif as_json and text and not text.startswith("usage:"):
        json.loads(text)


def option(name: str, value: str, inline: bool) -> list[str]:
    return [f"{name}={value}"] if inline else [name, value]


def test_the_fuzz_covers_every_option() -> None:
    from django.core.management import BaseCommand

    base = {a.dest for a in BaseCommand().create_parser("bianzhi", "x")._actions}
    for name, expected in OPTIONS.items():
        parser = ManagementUtility(["bianzhi"]).fetch_command(name).create_parser("bianzhi", name)
        own = {(a.option_strings or [a.dest])[-1] for a in parser._actions if a.dest not in base}
        assert own == expected, name


_turn = itertools.count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["--effective", "--reason", "--document-number", "--user"])
@FUZZ
@given(value=values, inline=st.booleans(), as_json=st.booleans(), dry_run=st.booleans())
def test_fuzz_import_options(books, name, value, inline, as_json, dry_run) -> None:
    # The two books in turn: each run that is not a dry run writes a change set with these options.
    book = str(books[next(_turn) % 2])
    args = ["import", book, *option(name, value, inline)]
    args += ["--json"] * as_json + ["--dry-run"] * dry_run
    assert_no_traceback(call(*args), as_json)


@pytest.mark.django_db(transaction=True)
@FUZZ
@given(value=values, as_json=st.booleans(), separated=st.booleans())
def test_fuzz_import_path(value, as_json, separated) -> None:
    args = ["import", "--dry-run", *["--json"] * as_json, *["--"] * separated, value]
    assert_no_traceback(call(*args), as_json)


@pytest.mark.django_db(transaction=True)
def test_a_path_the_file_system_cannot_hold_is_rejected_not_a_traceback() -> None:
    """Hypothesis found it: a name longer than the file system allows made ``path.exists()`` raise."""
    outcome = call("import", "--dry-run", "--json", "名" * 300)
    assert outcome.code == 1, outcome
    assert "Traceback" not in outcome.stderr
    (error,) = json.loads(outcome.stdout)["errors"]
    assert error["row"] == 0 and error["message"].startswith("无法访问文件或文件夹：")


@pytest.mark.django_db(transaction=True)
@FUZZ
@given(value=values, inline=st.booleans(), as_json=st.booleans())
def test_fuzz_monitor_as_of(value, inline, as_json) -> None:
    assert_no_traceback(call("monitor", *option("--as-of", value, inline), *["--json"] * as_json), as_json)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["--from", "--months"])
@FUZZ
@given(
    value=values,
    inline=st.booleans(),
    as_json=st.booleans(),
    other=st.one_of(st.none(), st.sampled_from(["1", "12", "600", "1900-01", "2199-12", "2026-06"])),
)
def test_fuzz_forecast_options(name, value, inline, as_json, other) -> None:
    args = ["forecast", "retirements", *option(name, value, inline)]
    if other is not None:
        args += ["--months" if name == "--from" else "--from", other]
    assert_no_traceback(call(*args, *["--json"] * as_json), as_json)


@pytest.mark.django_db(transaction=True)
@FUZZ
@given(value=values, as_json=st.booleans())
def test_fuzz_forecast_subject(value, as_json) -> None:
    assert_no_traceback(call("forecast", value, "--months", "1", *["--json"] * as_json), as_json)
