"""用户管理 pages, for the 编办管理员 alone (``Action.MANAGE_USERS``; issue 16): the users with their
display names, roles (a 单位人事干部's unit subtree), whether they are locked, their last login and
whether they have enrolled an authenticator; a form to create a user (a password given or generated
and shown once), and per user: the display name, roles granted and revoked (a unit picker for
单位人事干部), a generated temporary password (shown once), lock and unlock.

Every write asks for a reason and goes through the accounts services (bianzhi/accounts/users.py,
``role_grant_create``/``role_grant_revoke``); the audit hook records each into the change log with
the administrator's display name, the client address and the reason. Every other role gets 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.accounts.permissions import Action, can
from bianzhi.accounts.privacy import client_origin
from bianzhi.accounts.services import AccountError, role_grant_create, role_grant_revoke
from bianzhi.accounts.users import (
    PasswordGiven,
    user_create,
    user_password_reset,
    user_rename,
    user_set_active,
)
from bianzhi.core.changelog import change_origin, display_name
from bianzhi.core.dates import END
from bianzhi.registry.models import Unit, UnitVersion
from bianzhi.web.forms import reason_field
from bianzhi.web.selectors import user_grants

app_name = "users"


def manage_users_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Log in first; then only the 编办管理员 (the choke point's ``MANAGE_USERS``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can(request.user, Action.MANAGE_USERS):
            raise PermissionDenied(_("Only the administrator manages users."))
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template_name: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    context = {"nav": "users", "grants": user_grants(user=request.user), **context}
    return render(request, template_name, context, status=status)


# ---------------------------------------------------------------- what the pages show


@dataclass(frozen=True)
class GrantRow:
    pk: int
    role: str
    label: str
    unit_code: str
    unit_name: str


@dataclass(frozen=True)
class UserRow:
    user: User
    grants: list[GrantRow]
    two_factor: bool
    locked_out: bool

    @property
    def superuser(self) -> bool:
        return bool(self.user.is_superuser)


def _unit_names(unit_ids: set[int]) -> dict[int, tuple[str, str]]:
    """unit id → (code, current name)."""
    return {
        v.unit_id: (v.unit.code, v.name)
        for v in UnitVersion.objects.filter(unit_id__in=unit_ids, valid_to=END).select_related("unit")
    }


def _locked_out(usernames: list[str]) -> set[str]:
    """The usernames django-axes refuses now (too many failed logins within the cool-off)."""
    since = timezone.now() - dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    attempts = AccessAttempt.objects.filter(
        username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )
    return set(attempts.values_list("username", flat=True))


def user_rows(users: list[User]) -> list[UserRow]:
    """Each user with their grants (units named), authenticator and lockout: four queries in all."""
    ids = [u.pk for u in users]
    grants = list(RoleGrant.objects.filter(user_id__in=ids))
    names = _unit_names({g.unit_id for g in grants if g.unit_id})
    order = list(Role.values)
    by_user: dict[int, list[GrantRow]] = {}
    for grant in sorted(grants, key=lambda g: (order.index(g.role), g.unit_id or 0)):
        code, name = names.get(grant.unit_id, ("", "")) if grant.unit_id else ("", "")
        by_user.setdefault(grant.user_id, []).append(GrantRow(grant.pk, grant.role, Role(grant.role).label, code, name))
    enrolled = set(TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True))
    locked = _locked_out([u.username for u in users])
    return [UserRow(u, by_user.get(u.pk, []), u.pk in enrolled, u.username in locked) for u in users]


def unit_choices() -> list[tuple[str, str]]:
    """(code, name) of every unit standing today, for the unit picker."""
    return list(UnitVersion.objects.filter(valid_to=END).order_by("unit__code").values_list("unit__code", "name"))


# ---------------------------------------------------------------- forms


def _text(label: Any, **kwargs: Any) -> forms.CharField:
    attrs = {"class": "form-control", **kwargs.pop("attrs", {})}
    return forms.CharField(label=label, widget=forms.TextInput(attrs), **kwargs)


class UserCreateForm(forms.Form):
    username = _text(gettext_lazy("Username"), max_length=150, attrs={"autocomplete": "off"})
    name = _text(gettext_lazy("Display name"), max_length=150, required=False)
    password = forms.CharField(
        label=gettext_lazy("Initial password"),
        required=False,
        strip=False,
        help_text=gettext_lazy("Leave empty to have one generated; it is shown once, after the user is created."),
        widget=forms.PasswordInput({"class": "form-control", "autocomplete": "new-password"}),
    )
    reason = reason_field()


class RenameForm(forms.Form):
    name = _text(gettext_lazy("Display name"), max_length=150, required=False)
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rename_%s")  # ids apart from the grant form's
        super().__init__(*args, **kwargs)


class GrantForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Role.choices, widget=forms.Select({"class": "form-select"})
    )
    unit = _text(
        gettext_lazy("Unit (for unit HR)"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Type a unit code or name and pick it from the list; the grant covers its subtree."),
        attrs={"list": "unit-options", "autocomplete": "off"},
    )
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "grant_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        role, code = data.get("role"), (data.get("unit") or "").strip()
        data["unit_object"] = None
        if role == Role.UNIT_HR:
            if not code:
                self.add_error("unit", _("A unit HR officer needs the unit whose subtree they manage."))
            else:
                # the picker fills the code; a code typed with its name after it is accepted too
                code = code.split()[0]
                unit = Unit.objects.filter(code=code).first()
                if unit is None:
                    self.add_error("unit", _("No unit has this code."))
                data["unit_object"] = unit
        elif code:
            self.add_error("unit", _("Only a unit HR officer's role names a unit; the others cover the district."))
        return data


class ReasonForm(forms.Form):
    reason = reason_field()


def _detail_context(
    request: HttpRequest,
    user: User,
    *,
    rename: RenameForm | None = None,
    grant: GrantForm | None = None,
    reason: ReasonForm | None = None,
) -> dict[str, Any]:
    return {
        "title": _("User %(name)s") % {"name": display_name(user)},
        "row": user_rows([user])[0],
        "subject": user,
        "rename_form": rename or RenameForm(initial={"name": user.get_full_name()}),
        "grant_form": grant or GrantForm(),
        "reason_form": reason or ReasonForm(),
        "units": unit_choices(),
        "is_self": user.pk == request.user.pk,
    }


def _password_page(request: HttpRequest, given: PasswordGiven, *, created: bool) -> HttpResponse:
    """The password, shown this once (the reply is no-store, bianzhi/web/middleware.py)."""
    title = _("User created") if created else _("Password reset")
    return _page(request, "web/users/password_shown.html", {"title": title, "given": given, "created": created})


# ---------------------------------------------------------------- views


@require_GET
@manage_users_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = list(User.objects.order_by("username"))
    return _page(request, "web/users/user_list.html", {"title": _("User management"), "rows": user_rows(users)})


@require_http_methods(["GET", "POST"])
@manage_users_required
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            given = user_create(
                username=form.cleaned_data["username"],
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
                by=request.user,
                origin=client_origin(request),
                reason=form.cleaned_data["reason"],
            )
        except AccountError as exc:
            form.add_error(None, str(exc))
        else:
            return _password_page(request, given, created=True)
    return _page(request, "web/users/user_new.html", {"title": _("New user"), "form": form})


@require_GET
@manage_users_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    return _page(request, "web/users/user_detail.html", _detail_context(request, user))


def _done(request: HttpRequest, user: User, message: str) -> HttpResponseBase:
    messages.success(request, message)
    return redirect("web:users:user_detail", pk=user.pk)


@require_POST
@manage_users_required
def user_name(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = get_object_or_404(User, pk=pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            user_rename(
                user=user,
                name=form.cleaned_data["name"],
                by=request.user,
                origin=client_origin(request),
                reason=form.cleaned_data["reason"],
            )
        except AccountError as exc:
            form.add_error("name", str(exc))
        else:
            return _done(request, user, _("The display name was saved and recorded in the change log."))
    return _page(request, "web/users/user_detail.html", _detail_context(request, user, rename=form), status=400)


@require_POST
@manage_users_required
def grant_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = get_object_or_404(User, pk=pk)
    form = GrantForm(request.POST)
    if form.is_valid():
        try:
            with change_origin(source="web", origin=client_origin(request), reason=form.cleaned_data["reason"]):
                role_grant_create(
                    user=user,
                    role=form.cleaned_data["role"],
                    unit=form.cleaned_data["unit_object"],
                    granted_by=request.user,
                    actor=display_name(request.user),
                    source="web",
                )
        except AccountError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, user, _("The role was granted and recorded in the change log."))
    return _page(request, "web/users/user_detail.html", _detail_context(request, user, grant=form), status=400)


@require_POST
@manage_users_required
def grant_revoke(request: HttpRequest, pk: int, grant: int) -> HttpResponseBase:
    user = get_object_or_404(User, pk=pk)
    role_grant = get_object_or_404(RoleGrant, pk=grant, user=user)
    form = ReasonForm(request.POST)
    if form.is_valid():
        if role_grant.role == Role.ADMIN and user.pk == request.user.pk:
            form.add_error(None, _("You cannot take the administrator's role away from yourself."))
        else:
            with change_origin(source="web", origin=client_origin(request), reason=form.cleaned_data["reason"]):
                role_grant_revoke(
                    grant=role_grant, revoked_by=request.user, actor=display_name(request.user), source="web"
                )
            return _done(request, user, _("The role was revoked and recorded in the change log."))
    return _page(request, "web/users/user_detail.html", _detail_context(request, user, reason=form), status=400)


@require_POST
@manage_users_required
def password_reset(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = get_object_or_404(User, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        given = user_password_reset(
            user=user, by=request.user, origin=client_origin(request), reason=form.cleaned_data["reason"]
        )
        return _password_page(request, given, created=False)
    return _page(request, "web/users/user_detail.html", _detail_context(request, user, reason=form), status=400)


@require_POST
@manage_users_required
def user_lock(request: HttpRequest, pk: int) -> HttpResponseBase:
    """``active=0`` locks the user, ``active=1`` unlocks them (and lifts failed-login lockouts)."""
    user = get_object_or_404(User, pk=pk)
    form = ReasonForm(request.POST)
    active = request.POST.get("active") == "1"
    if form.is_valid():
        try:
            user_set_active(
                user=user,
                active=active,
                by=request.user,
                origin=client_origin(request),
                reason=form.cleaned_data["reason"],
            )
        except AccountError as exc:
            form.add_error(None, str(exc))
        else:
            message = _("The user was unlocked.") if active else _("The user was locked: they can no longer log in.")
            return _done(request, user, message)
    return _page(request, "web/users/user_detail.html", _detail_context(request, user, reason=form), status=400)


urlpatterns = [
    path("", user_list, name="user_list"),
    path("new/", user_new, name="user_new"),
    path("<int:pk>/", user_detail, name="user_detail"),
    path("<int:pk>/name/", user_name, name="user_name"),
    path("<int:pk>/grants/", grant_new, name="grant_new"),
    path("<int:pk>/grants/<int:grant>/revoke/", grant_revoke, name="grant_revoke"),
    path("<int:pk>/password/", password_reset, name="password_reset"),
    path("<int:pk>/lock/", user_lock, name="user_lock"),
]
