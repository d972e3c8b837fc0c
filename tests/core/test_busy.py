"""A busy database answers cleanly (issue 13 "Exhaustion").

Found (security review): on SQLite a long import holds the write lock, and web writes waiting for it
failed after 30 s with Django's HTML 500 page. A write that cannot get the lock within
``BIANZHI_SQLITE_BUSY_SECONDS`` is now answered 503 with ``Retry-After``: the API's ``ErrorOut``
with code ``busy``, a Chinese page for the pages; and a validation (a dry run) no longer takes
SQLite's write lock at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from bianzhi.core.locks import RegisterBusy

BACKEND = "django.contrib.auth.backends.ModelBackend"
BUSY = {"status": 503, "code": "busy", "message": "正在导入，请稍后重试", "errors": [], "problems": [], "warnings": []}


@pytest.mark.django_db
def test_an_api_write_refused_for_a_busy_register_is_503_busy_not_422(personas, api, monkeypatch):
    from bianzhi.registry.services import imports

    @contextmanager
    def held():
        raise RegisterBusy(RegisterBusy.message)
        yield

    monkeypatch.setattr(imports, "register_writes", held)
    answer = api(personas["officer"], "PUT", "/quotas/A/行政编制", json={"approved": 6, "reason": "核定数调整"})
    assert answer.status_code == 503, answer.content
    assert answer.json() == BUSY
    assert answer["Retry-After"] == "30"


@pytest.mark.django_db
def test_a_locked_database_under_the_api_is_503_busy_and_other_database_errors_are_not(personas, api, monkeypatch):
    from bianzhi.api.routes import imports

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(imports, "import_validation_start", locked)
    upload = _upload(personas["officer"].user)
    answer = api(personas["officer"], "POST", f"/imports/{upload.pk}/validate")
    assert (answer.status_code, answer.json()) == (503, BUSY)

    def broken(**kwargs):
        raise OperationalError("no such table: registry_importjob")

    monkeypatch.setattr(imports, "import_validation_start", broken)
    with pytest.raises(OperationalError):  # the test client re-raises what became a 500
        api(personas["officer"], "POST", f"/imports/{upload.pk}/validate")


@pytest.mark.django_db
def test_a_page_write_on_a_locked_database_gets_the_chinese_503_page(personas, monkeypatch, settings, tmp_path):
    from bianzhi.web import imports

    settings.DATA_DIR = tmp_path / "data"

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(imports, "import_validation_start", locked)
    upload = _upload(personas["officer"].user)
    client = Client()
    client.force_login(personas["officer"].user, backend=BACKEND)
    page = client.post(reverse("web:imports:upload_validate", args=[upload.pk]))
    assert page.status_code == 503
    assert page["Retry-After"] == "30" and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "正在导入，请稍后重试" in text and "您提交的内容未作任何保存" in text and 'data-testid="busy"' in text


def _upload(user):
    from bianzhi.registry.services.uploads import workbook_upload_create

    return workbook_upload_create(file_name="机构.csv", chunks=[b"x"], user=user, validate=False)


# ---------------------------------------------------------------- a real lock on an SQLite file

#: In a process of its own on an SQLite file: a second connection holds the write lock (BEGIN
#: IMMEDIATE) while an API PUT and a page POST are made; each reports its status and how long it
#: waited. Then, with the lock released, a validation (dry run) runs while the lock is taken again
#: from outside in its progress callback: it must not hold the lock itself.
CHILD = textwrap.dedent(
    """
    import json, sqlite3, sys, time
    import django
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse
    call_command("migrate", verbosity=0)
    from bianzhi.accounts.services import api_token_create, role_grant_create
    from bianzhi.registry.services import rows_import
    from bianzhi.registry.services.uploads import workbook_upload_create
    unit = {"机构代码": "A", "机构名称": "甲局", "机构类型": "政府工作部门", "序列": "政府", "区划代码": "330602"}
    quota = {"机构代码": "A", "编制类型": "行政编制", "核定数": 5}
    assert rows_import(sheets={"机构": [unit], "编制": [quota]}, reason="建库").ok
    user = User.objects.create_user(username="officer")
    role_grant_create(user=user, role="officer", unit=None, actor="tests")
    token = api_token_create(user=user, name="t").secret
    upload = workbook_upload_create(file_name="机构.csv", chunks=["机构代码\\nA\\n".encode()], user=user, validate=False)
    page = Client()
    page.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    api = Client()
    outcome = {"busy_seconds": settings.SQLITE_BUSY_SECONDS}

    holder = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    start = time.perf_counter()
    answer = api.put(
        "/api/v1/quotas/A/行政编制", data=json.dumps({"approved": 6, "reason": "调整"}),
        content_type="application/json", headers={"Authorization": f"Bearer {token}"},
    )
    outcome["api"] = [answer.status_code, answer.json(), answer.get("Retry-After"), time.perf_counter() - start]
    start = time.perf_counter()
    answer = page.post(reverse("web:imports:upload_validate", args=[upload.pk]))
    outcome["page"] = [answer.status_code, answer.content.decode(), time.perf_counter() - start]
    holder.rollback()

    from pathlib import Path
    from bianzhi.registry.services import workbook_import
    folder = Path(sys.argv[1])
    folder.mkdir()
    (folder / "编制.csv").write_text("机构代码,编制类型,核定数\\nA,行政编制,7\\n", encoding="utf-8")
    taken = []
    def progress(message):
        probe = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            taken.append(True)
        except sqlite3.OperationalError:
            taken.append(False)
        finally:
            probe.close()
    result = workbook_import(path=folder, dry_run=True, progress=progress)
    outcome["dry_run"] = [result.ok, taken]
    print(json.dumps(outcome, ensure_ascii=False))
    """
)


def test_a_held_sqlite_write_lock_gets_503_within_the_configured_wait(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL writers queue on the register's advisory lock")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bianzhi.config.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'busy.sqlite3'}",
            "BIANZHI_DATA_DIR": str(tmp_path / "data"),
            "BIANZHI_SQLITE_BUSY_SECONDS": "1",
            "BIANZHI_REQUIRE_2FA": "0",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "book")], capture_output=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    outcome = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert outcome["busy_seconds"] == 1
    status, body, retry_after, waited = outcome["api"]
    assert (status, body, retry_after) == (503, BUSY, "30")
    assert 0.9 < waited < 5
    status, text, waited = outcome["page"]
    assert status == 503 and "正在导入，请稍后重试" in text and waited < 5
    ok, taken = outcome["dry_run"]
    assert ok and taken and all(taken)  # the validation never held the write lock
