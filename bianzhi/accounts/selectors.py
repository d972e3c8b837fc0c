"""Reads for accounts: a user's tokens and role grants."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from bianzhi.accounts.models import ApiToken, RoleGrant


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """A user's own tokens, newest first (revoked and expired ones included, for the record)."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def api_token_get(*, user: Any, token_id: int) -> ApiToken | None:
    """One of the user's own tokens; another user's token is not found."""
    return ApiToken.objects.filter(user_id=user.pk, pk=token_id).first()


def role_grant_list(*, user: Any) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user_id=user.pk).select_related("unit").order_by("role", "unit__code")
