"""Personal API tokens: created (shown once), listed, revoked by their user; stored hashed; optional
expiry; last-used time; and session authentication with CSRF."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from bianzhi.accounts.models import ApiToken
from bianzhi.accounts.services import LAST_USED_RESOLUTION, api_token_create
from bianzhi.core.dates import SHANGHAI
from bianzhi.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


def test_created_token_is_shown_once_and_stored_only_as_its_digest(personas, api):
    response = api(personas["leader"], "POST", "/tokens", json={"name": "人事系统同步"}, session=True)
    assert response.status_code == 201
    created = response.json()
    secret = created["token"]
    assert secret.startswith("bzt_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=created["id"])
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.name, stored.prefix, stored.digest} and secret.startswith(stored.prefix)
    listed = api(personas["leader"], "GET", "/tokens").json()
    assert created["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)
    record = ChangeRecord.objects.get(entity="接口令牌", key=f"leader/{created['id']}")
    assert secret not in str(record.after) and record.change_set.user == personas["leader"].user


def test_token_authenticates_its_user_and_records_last_use(personas, api):
    token = ApiToken.objects.get(user=personas["inspector"].user, name="主令牌")
    assert token.last_used_at is None
    me = api(personas["inspector"], "GET", "/me").json()
    assert me["username"] == "inspector" and me["authenticated_by"] == "token"
    assert me["roles"] == [{"role": "inspector", "label": "检查人员", "unit": None}]
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # Within the resolution the time is not rewritten on every call; after it, it is.
    api(personas["inspector"], "GET", "/me")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - LAST_USED_RESOLUTION)
    api(personas["inspector"], "GET", "/me")
    token.refresh_from_db()
    assert token.last_used_at > first - LAST_USED_RESOLUTION


def test_revoked_token_is_refused(personas, api):
    leader = personas["leader"]
    main = ApiToken.objects.get(user=leader.user, name="主令牌")
    assert api(leader, "DELETE", f"/tokens/{main.pk}").status_code == 204
    response = api(leader, "GET", "/me")
    assert response.status_code == 401
    assert response.json()["message"] == "令牌无效、已撤销或已过期"
    assert response["WWW-Authenticate"].startswith("Bearer")
    main.refresh_from_db()
    assert main.revoked_at is not None  # kept for the record
    listed = api(leader, "GET", "/tokens", session=True).json()
    assert {t["id"]: t["active"] for t in listed}[main.pk] is False


def test_expired_token_is_refused(personas, api):
    persona = personas["auditor"]
    ApiToken.objects.filter(user=persona.user, name="主令牌").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api(persona, "GET", "/me").status_code == 401
    ApiToken.objects.filter(user=persona.user, name="主令牌").update(expires_at=timezone.now() + dt.timedelta(days=1))
    assert api(persona, "GET", "/me").status_code == 200


def test_token_with_expiry_from_the_api(personas, api):
    # Within the maximum lifetime (tests/accounts/test_token_lifetime.py).
    day = timezone.localdate() + dt.timedelta(days=30)
    response = api(
        personas["officer"], "POST", "/tokens", json={"name": "临时", "expires_at": f"{day}T00:00:00"}, session=True
    )
    assert response.status_code == 201
    expires = dt.datetime.fromisoformat(response.json()["expires_at"].replace("Z", "+00:00"))
    assert expires == dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)  # without zone: Beijing time
    past = api(
        personas["officer"],
        "POST",
        "/tokens",
        json={"name": "过去", "expires_at": "2020-01-01T00:00:00+08:00"},
        session=True,
    )
    assert past.status_code == 422 and "晚于" in past.json()["message"]


def test_inactive_users_token_is_refused(personas, api):
    persona = personas["officer"]
    persona.user.is_active = False
    persona.user.save()
    assert api(persona, "GET", "/me").status_code == 401


def test_unknown_or_malformed_token_is_refused(personas, api, client):
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer bzt_not-a-token"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic YTpi"}).status_code == 401
    body = client.get("/api/v1/me").json()
    assert body["code"] == "unauthenticated" and "令牌" in body["message"]


def test_a_user_cannot_revoke_another_users_token(personas, api):
    other = ApiToken.objects.get(user=personas["leader"].user, name="备用令牌")
    assert api(personas["admin"], "DELETE", f"/tokens/{other.pk}").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_token_cannot_create_another_token(personas, api):
    response = api(personas["admin"], "POST", "/tokens", json={"name": "后门"})
    assert response.status_code == 403 and "bianzhi token create" in response.json()["message"]


def test_session_writes_need_the_csrf_token(personas, api):
    without = api(personas["admin"], "POST", "/tokens", json={"name": "x"}, session=True, csrf=False)
    assert without.status_code == 403 and "CSRF" in without.json()["message"]
    assert api(personas["admin"], "GET", "/me", session=True, csrf=False).json()["authenticated_by"] == "session"
    assert api(personas["admin"], "POST", "/tokens", json={"name": "x"}, session=True).status_code == 201


def test_service_refuses_a_blank_name_or_past_expiry(personas):
    from bianzhi.accounts.services import AccountError

    with pytest.raises(AccountError):
        api_token_create(user=personas["admin"].user, name="  ")
    with pytest.raises(AccountError):
        api_token_create(user=personas["admin"].user, name="x", expires_at=timezone.now())
