"""API tokens have a maximum lifetime (issue 13): BIANZHI_API_TOKEN_MAX_DAYS, default 90. A token made
without expiry — by the service, the API or `bianzhi token create` — ends that long after its creation;
a later expiry is refused with a Chinese message; a token from before (no expiry, or a far one) counts
as ending at its creation plus the maximum."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bianzhi.accounts.models import ApiToken
from bianzhi.accounts.services import AccountError, api_token_create, password_fingerprint

pytestmark = pytest.mark.django_db


def test_the_default_maximum_is_ninety_days():
    from bianzhi.config import settings as project_settings

    assert project_settings.API_TOKEN_MAX_DAYS == 90


def test_a_token_made_without_expiry_ends_after_the_maximum(personas, settings):
    settings.API_TOKEN_MAX_DAYS = 7
    before = timezone.now()
    token = api_token_create(user=personas["leader"].user, name="同步").token
    assert before + dt.timedelta(days=7) <= token.expires_at <= timezone.now() + dt.timedelta(days=7)
    assert token.ends_at == token.expires_at


def test_a_longer_expiry_is_refused_by_the_service(personas):
    user = personas["leader"].user
    with pytest.raises(AccountError, match="令牌有效期最长 90 天"):
        api_token_create(user=user, name="长期", expires_at=timezone.now() + dt.timedelta(days=91))
    exactly = api_token_create(user=user, name="九十天", expires_at=timezone.now() + dt.timedelta(days=89)).token
    assert exactly.ends_at == exactly.expires_at


def test_the_api_gives_the_maximum_and_refuses_more(personas, api):
    made = api(personas["officer"], "POST", "/tokens", json={"name": "无期限"}, session=True)
    assert made.status_code == 201
    ends = dt.datetime.fromisoformat(made.json()["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(days=89, hours=23) < ends - timezone.now() <= dt.timedelta(days=90)
    too_long = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    refused = api(
        personas["officer"],
        "POST",
        "/tokens",
        json={"name": "太长", "expires_at": f"{too_long}T00:00:00"},
        session=True,
    )
    assert refused.status_code == 422
    assert "令牌有效期最长 90 天" in refused.json()["message"]


def test_the_command_gives_the_maximum_and_refuses_more(personas, capsys):
    call_command("token", "create", "leader", "--name", "命令行", "--json")
    document = json.loads(capsys.readouterr().out)
    ends = dt.datetime.fromisoformat(document["expires_at"])
    assert dt.timedelta(days=89, hours=23) < ends - timezone.now() <= dt.timedelta(days=90)
    too_long = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    with pytest.raises(CommandError, match="令牌有效期最长 90 天") as refused:
        call_command("token", "create", "leader", "--expires", too_long)
    assert refused.value.returncode == 2


def test_an_older_token_without_expiry_ends_at_creation_plus_the_maximum(personas, api):
    persona = personas["auditor"]
    token = ApiToken.objects.get(user=persona.user, name="主令牌")
    # As stored before the maximum existed: no expiry (or a far one).
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, created_at=timezone.now() - dt.timedelta(days=89))
    assert api(persona, "GET", "/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - dt.timedelta(days=91))
    assert api(persona, "GET", "/me").status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + dt.timedelta(days=3650))
    assert api(persona, "GET", "/me").status_code == 401
    listed = {t["id"]: t for t in api(persona, "GET", "/tokens", session=True).json()}
    token.refresh_from_db()
    assert listed[token.pk]["active"] is False
    ends = dt.datetime.fromisoformat(listed[token.pk]["expires_at"].replace("Z", "+00:00"))
    assert abs(ends - (token.created_at + dt.timedelta(days=90))) < dt.timedelta(seconds=1)  # shown to the ms


def test_the_migration_ties_existing_tokens_to_the_current_password(personas):
    token = ApiToken.objects.get(user=personas["leader"].user, name="主令牌")
    ApiToken.objects.filter(pk=token.pk).update(password_fingerprint="")
    migration = importlib.import_module("bianzhi.accounts.migrations.0003_token_lifetime")
    migration.stamp_existing_tokens(apps, None)
    token.refresh_from_db()
    assert token.password_fingerprint == password_fingerprint(personas["leader"].user.password)
