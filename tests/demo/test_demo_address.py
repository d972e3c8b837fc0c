"""`make demo ADDR=127.0.0.1:8001` (issue 16, "Polish that users notice"): the Makefile passes the
address to `bianzhi demo`, the address is read as runserver reads it, and a busy port is reported in
Chinese, exit code 2, BEFORE any database work — no migration, no demo file, no build."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bianzhi.demo.address import Address, AddressError, check_free, parse_address
from bianzhi.demo.management.commands import demo as demo_command

ROOT = Path(__file__).resolve().parents[2]
BIANZHI = str(Path(sys.executable).with_name("bianzhi"))


@pytest.fixture
def busy_port():
    """A port a server is listening on, as a demo already running would hold it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8001", Address("127.0.0.1", 8001)),
        ("8001", Address("127.0.0.1", 8001)),
        ("0.0.0.0:8080", Address("0.0.0.0", 8080)),
        ("localhost:8001", Address("localhost", 8001)),
        ("[::1]:8001", Address("::1", 8001)),
        (" 127.0.0.1:8001 ", Address("127.0.0.1", 8001)),
    ],
)
def test_addresses_are_read_as_runserver_reads_them(text, expected):
    address = parse_address(text)
    assert address == expected
    assert str(address) == ("[::1]:8001" if expected.host == "::1" else f"{expected.host}:{expected.port}")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("127.0.0.1:", "无效"),
        ("127.0.0.1:abc", "无效"),
        ("http://127.0.0.1:8001", "无效"),
        ("127.0.0.1:0", "1 到 65535"),
        ("127.0.0.1:70000", "1 到 65535"),
    ],
)
def test_a_malformed_address_is_refused_in_chinese(text, reason):
    with pytest.raises(AddressError, match=reason):
        parse_address(text)


def test_a_busy_port_is_found_and_named(busy_port):
    with pytest.raises(AddressError) as refused:
        check_free(parse_address(f"127.0.0.1:{busy_port}"))
    assert str(refused.value) == f"端口 {busy_port} 已被占用：请用 make demo ADDR=127.0.0.1:其他端口 另选端口"
    check_free(parse_address(f"127.0.0.1:{free_port()}"))  # a free one passes


def test_the_command_refuses_a_busy_port_before_any_database_work(busy_port, monkeypatch):
    """No django_db mark: any query would fail the test; migrate and the build would too."""

    def no_database_work(*args, **kwargs):
        raise AssertionError("the demo touched the database before checking its port")

    monkeypatch.setattr(demo_command, "call_command", no_database_work)
    monkeypatch.setattr(demo_command, "demo_build", no_database_work)
    with pytest.raises(CommandError) as refused:
        call_command("demo", f"127.0.0.1:{busy_port}")
    assert refused.value.returncode == 2
    assert str(refused.value) == f"端口 {busy_port} 已被占用：请用 make demo ADDR=127.0.0.1:其他端口 另选端口"
    # the --addr option is checked the same way, and so is a malformed address
    with pytest.raises(CommandError, match="已被占用"):
        call_command("demo", "--addr", f"127.0.0.1:{busy_port}")
    with pytest.raises(CommandError, match="无效") as malformed:
        call_command("demo", "127.0.0.1:port")
    assert malformed.value.returncode == 2


def test_bianzhi_demo_on_a_busy_port_exits_2_at_once_and_builds_nothing(busy_port, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PYTEST")}
    env["BIANZHI_DATA_DIR"] = str(tmp_path)
    started = time.monotonic()
    result = subprocess.run(
        [BIANZHI, "demo", f"127.0.0.1:{busy_port}"], capture_output=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 2
    assert f"端口 {busy_port} 已被占用：请用 make demo ADDR=127.0.0.1:其他端口 另选端口" in result.stderr.decode()
    assert "正在构建演示区" not in result.stdout.decode()
    assert not (tmp_path / "demo.sqlite3").exists()
    assert list(tmp_path.glob("*.xlsx")) == []
    assert time.monotonic() - started < 30  # the build of 6,000 people takes minutes


def make_dry_run(*arguments: str) -> list[str]:
    # -o install: the dry run prints the demo's own recipe, not the installation's.
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "install", "-C", str(ROOT), "demo", *arguments],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "ADDR"},
    )
    return result.stdout.splitlines()


def test_the_makefile_passes_addr_to_bianzhi_demo():
    assert make_dry_run("ADDR=127.0.0.1:8001") == [".venv/bin/bianzhi demo 127.0.0.1:8001"]
    assert make_dry_run("ADDR=0.0.0.0:8080") == [".venv/bin/bianzhi demo 0.0.0.0:8080"]
    assert make_dry_run() == [".venv/bin/bianzhi demo 127.0.0.1:8000"]


def test_readme_says_how_to_choose_the_address():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    two_commands = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert "make demo ADDR=127.0.0.1:8001" in two_commands
    assert "已被占用" in two_commands
