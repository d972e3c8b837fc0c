"""`bianzhi grant` and `bianzhi token`: role grants and personal tokens from the command line."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bianzhi.accounts.models import ApiToken, RoleGrant
from bianzhi.accounts.services import token_digest
from bianzhi.core.dates import SHANGHAI

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    """The command's standard output (the commands write UTF-8 bytes to sys.stdout.buffer)."""
    buffer = io.BytesIO()

    class Out(io.TextIOWrapper):
        pass

    stream = Out(buffer, encoding="utf-8")
    with redirect_stdout(stream):
        call_command(*args)
        stream.flush()
    return buffer.getvalue().decode("utf-8")


def test_grant_gives_lists_and_revokes_roles(register):
    out = run("grant", "hr", "单位人事干部", "--unit", "A", "--create")
    assert "已创建用户 hr" in out and "已授予 hr 角色：单位人事干部（A 及其全部下属机构）" in out
    run("grant", "hr", "auditor")
    listed = run("grant", "hr")
    assert "unit_hr\t单位人事干部\tA" in listed and "auditor\t审计员" in listed
    run("grant", "hr", "auditor", "--revoke")
    assert list(RoleGrant.objects.filter(user__username="hr").values_list("role", flat=True)) == ["unit_hr"]


def test_grant_refuses_bad_input(register):
    User.objects.create_user("u")
    with pytest.raises(CommandError, match="无效"):
        run("grant", "u", "boss")
    with pytest.raises(CommandError, match="必须指定"):
        run("grant", "u", "unit_hr")
    with pytest.raises(SystemExit) as missing_unit:
        run("grant", "u", "unit_hr", "--unit", "NOPE")
    assert missing_unit.value.code == 1
    with pytest.raises(SystemExit) as missing_user:
        run("grant", "ghost", "leader")
    assert missing_user.value.code == 1


def test_token_create_prints_the_secret_once_and_stores_its_digest(db):
    User.objects.create_user("svc")
    secret = run("token", "create", "svc", "--name", "财务系统").strip()
    token = ApiToken.objects.get(user__username="svc")
    assert token.name == "财务系统" and token.digest == token_digest(secret)
    day = timezone.localdate() + dt.timedelta(days=30)  # within the maximum lifetime
    document = json.loads(run("token", "create", "svc", "--expires", day.isoformat(), "--json"))
    assert document["token"].startswith("bzt_")
    assert dt.datetime.fromisoformat(document["expires_at"]) == dt.datetime(
        day.year, day.month, day.day, tzinfo=SHANGHAI
    )
    listed = json.loads(run("token", "list", "svc", "--json"))
    assert [t["name"] for t in listed][-1] == "财务系统" and all("token" not in t for t in listed)
    run("token", "revoke", str(token.pk))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_created_on_the_command_line_opens_the_api(register, client):
    user = User.objects.create_user("svc")
    run("grant", "svc", "leader")
    secret = run("token", "create", "svc").strip()
    response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.json()["total"] == 6
    assert user.api_tokens.get().last_used_at is not None
