"""Production settings (issue 13, "Authentication and deployment"): `bianzhi check --deploy` is clean with the
documented production environment, and with DEBUG off a missing SECRET_KEY stops the server (WSGI application,
`bianzhi runserver`, `bianzhi check --deploy`) with a clear message — but not the demo or the data commands."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import BIANZHI, person_row, unit_row, write_csv_folder

MESSAGE = "生产环境必须设置 SECRET_KEY"
#: What the developer's or the test run's own environment may hold and these processes must not inherit.
CLEARED = (
    "SECRET_KEY",
    "DEBUG",
    "BIANZHI_ALLOW_DEMO_KEY",
    "BIANZHI_HTTPS",
    "BIANZHI_HSTS_SECONDS",
    "BIANZHI_HSTS_PRELOAD",
    "BIANZHI_PROXY_SSL_HEADER",
    "CSRF_TRUSTED_ORIGINS",
    "ALLOWED_HOSTS",
    "BIANZHI_SESSION_IDLE_MINUTES",
    "BIANZHI_SESSION_MAX_HOURS",
)


def environment(database_url: str | None, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in CLEARED}
    env.update({"LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
    if database_url is None:
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = database_url
    env.update(values)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, env=env, timeout=180, check=False)


def text(completed: subprocess.CompletedProcess) -> str:
    return completed.stdout.decode("utf-8") + completed.stderr.decode("utf-8")


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "bianzhi.example.gov.cn",
    "BIANZHI_HTTPS": "1",
}


def test_check_deploy_is_clean_with_the_documented_production_settings(database_url):
    completed = run([BIANZHI, "check", "--deploy"], environment(database_url, **PRODUCTION))
    assert completed.returncode == 0, text(completed)
    assert "System check identified no issues" in text(completed)
    assert "WARNINGS" not in text(completed)

    # Without BIANZHI_HTTPS the same check names what is missing (and exits 0: they are warnings).
    plain = run([BIANZHI, "check", "--deploy"], environment(database_url, **{**PRODUCTION, "BIANZHI_HTTPS": "0"}))
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in text(plain), warning

    # Django's own deploy check also recognises the demo key as insecure, whoever runs it.
    demo_key = run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        environment(
            database_url,
            **{k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"},
            DJANGO_SETTINGS_MODULE="bianzhi.config.settings",
        ),
    )
    assert "security.W009" in text(demo_key)


def shown(completed: subprocess.CompletedProcess) -> list[str]:
    (line,) = [x for x in completed.stdout.decode("utf-8").splitlines() if x.startswith("SETTINGS ")]
    return line.split()[1:]


def test_the_environment_variables_reach_the_settings(database_url):
    script = (
        "from django.conf import settings as s; "
        "print('SETTINGS', s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_IDLE_SECONDS, s.SESSION_MAX_SECONDS, s.SESSION_COOKIE_AGE, s.SECURE_REFERRER_POLICY, "
        "s.SECURE_CONTENT_TYPE_NOSNIFF)"
    )
    completed = run(
        [BIANZHI, "shell", "-c", script],
        environment(
            database_url,
            **PRODUCTION,
            BIANZHI_PROXY_SSL_HEADER="1",
            CSRF_TRUSTED_ORIGINS="https://bianzhi.example.gov.cn, https://bz.example.gov.cn",
            BIANZHI_HSTS_SECONDS="600",
            BIANZHI_SESSION_IDLE_MINUTES="5",
            BIANZHI_SESSION_MAX_HOURS="8",
        ),
    )
    assert completed.returncode == 0, text(completed)
    assert shown(completed) == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "['https://bianzhi.example.gov.cn',",
        "'https://bz.example.gov.cn']",
        "600",
        "True",
        "True",
        "True",
        "True",
        "300",
        "28800",
        "28800",
        "same-origin",
        "True",
    ]
    # Without BIANZHI_HTTPS nothing forces HTTPS (the demo and the development server run on plain HTTP).
    plain = run([BIANZHI, "shell", "-c", script], environment(database_url, DEBUG="1"))
    assert shown(plain)[:8] == ["None", "[]", "0", "False", "False", "False", "False", "1800"]


def test_without_secret_key_the_server_refuses_to_start(database_url):
    env = environment(database_url, DEBUG="0", ALLOWED_HOSTS="bianzhi.example.gov.cn")
    for args in (["runserver", "--noreload", "127.0.0.1:0"], ["check", "--deploy"]):
        completed = run([BIANZHI, *args], env)
        assert completed.returncode == 2, args
        assert MESSAGE in completed.stderr.decode("utf-8"), args
        assert completed.stdout == b""
    # A WSGI server (gunicorn bianzhi.config.wsgi) imports the application: refused with the same message.
    wsgi = run([sys.executable, "-c", "import bianzhi.config.wsgi"], env)
    assert wsgi.returncode != 0
    assert MESSAGE in wsgi.stderr.decode("utf-8")
    assert "ImproperlyConfigured" in wsgi.stderr.decode("utf-8")
    # With the key (or in DEBUG) it loads.
    for extra in ({"SECRET_KEY": PRODUCTION["SECRET_KEY"]}, {"DEBUG": "1"}):
        loaded = run([sys.executable, "-c", "import bianzhi.config.wsgi"], {**env, **extra})
        assert loaded.returncode == 0, text(loaded)
    # Help is not a start.
    assert run([BIANZHI, "runserver", "--help"], env).returncode == 0


def test_without_secret_key_the_data_commands_still_work(database_url, tmp_path):
    env = environment(database_url, DEBUG="0")
    migrated = run([BIANZHI, "migrate", "-v", "0"], env)
    assert migrated.returncode == 0, text(migrated)
    book = write_csv_folder(tmp_path / "book", {"机构": [unit_row("A")], "人员": [person_row("A")]})
    dry = run([BIANZHI, "import", str(book), "--dry-run", "--json"], env)
    assert dry.returncode == 0, text(dry)
    assert MESSAGE not in text(dry)
    monitor = run([BIANZHI, "monitor", "--json"], env)
    assert monitor.returncode == 0, text(monitor)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_serves_without_secret_key(tmp_path):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the demo builds its own SQLite file; one engine is enough")
    port = _free_port()
    env = environment(None, DEBUG="0", BIANZHI_DATA_DIR=str(tmp_path))
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [BIANZHI, "demo", "--people", "1000", "--addr", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 150
        status = None
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as reply:
                    status = reply.status
                    headers = reply.headers
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (tmp_path / "demo.log").read_text("utf-8")
        assert "no-store" in headers["Cache-Control"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
        log.close()
    assert (Path(tmp_path) / "demo.sqlite3").exists()
