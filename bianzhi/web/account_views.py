"""The user's own account pages (names ``web:account:<view>``): two-factor login and the password.

- ``verify``: the second step of a login: the 6-digit code of the user's authenticator app.
- ``two_factor``: enrol an authenticator (QR code and secret, confirmed by a current code) — the
  first login of a user whose role requires it, or any user who wants it; switch it off again where the
  role does not require it.
- ``password_change``: every user changes their own password; the session stays, the user's API tokens
  are revoked (bianzhi/accounts/signals.py).

The logic lives in bianzhi/accounts/two_factor.py; bianzhi/accounts/middleware.py sends a session that
still owes its second factor here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bianzhi.accounts import two_factor
from bianzhi.accounts.models import ApiToken
from bianzhi.web.selectors import user_grants

app_name = "account"


class CodeForm(forms.Form):
    """A 6-digit code of the authenticator app (spaces are ignored)."""

    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg font-monospace",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": r"[0-9 ]{6,7}",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code


def _next(request: HttpRequest) -> str:
    """Where to go once done: the page asked for before the second step, if it is on this site."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    owing = two_factor.pending(request)
    context = {
        # A session that still owes its code sees no navigation: every page would send it back here.
        "owing": owing,
        "grants": None if owing else user_grants(user=request.user),
        "next": request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or "",
        **context,
    }
    return render(request, template, context, status=status)


def _refused(request: HttpRequest, form: CodeForm, attempt: two_factor.Attempt) -> HttpResponse | None:
    """Explain a refused code on the form, or end here if the session was logged out."""
    if attempt.logged_out:
        messages.error(request, _("Too many wrong codes: you have been logged out. Log in again."))
        return redirect("web:login")
    if attempt.wait:
        form.add_error(
            "code",
            ngettext(
                "Too many wrong codes: wait %(seconds)d second before the next try.",
                "Too many wrong codes: wait %(seconds)d seconds before the next try.",
                attempt.wait,
            )
            % {"seconds": attempt.wait},
        )
    elif attempt.left:
        form.add_error(
            "code",
            ngettext(
                "Wrong or expired code: %(left)d more try before you are logged out.",
                "Wrong or expired code: %(left)d more tries before you are logged out.",
                attempt.left,
            )
            % {"left": attempt.left},
        )
    else:
        form.add_error("code", _("Wrong or expired code."))
    return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the code of the user's confirmed authenticator."""
    if not two_factor.pending(request):
        return HttpResponseRedirect(_next(request))
    if two_factor.confirmed_device(request.user) is None:
        return HttpResponseRedirect(reverse("web:account:two_factor") + "?" + request.GET.urlencode())
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        attempt = two_factor.verify(request, form.cleaned_data["code"])
        if attempt.ok:
            return HttpResponseRedirect(_next(request))
        ended = _refused(request, form, attempt)
        if ended is not None:
            return ended
    elif request.method == "POST":
        attempt = two_factor.failure(request)  # a malformed code is a wrong code too
        if attempt.logged_out:
            return _refused(request, form, attempt) or redirect("web:login")
    return _page(request, "web/account/verify.html", {"form": form, "title": _("Two-factor login")})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (or see that one is enrolled, and switch it off where allowed)."""
    user = request.user
    owing = two_factor.pending(request)
    device = two_factor.confirmed_device(user)
    if device is not None and owing:
        # Enrolling another authenticator needs the code of the one already enrolled.
        return HttpResponseRedirect(reverse("web:account:verify") + "?" + request.GET.urlencode())
    required = two_factor.required(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "enrol")
        if action == "remove" and device is not None and not required:
            if form.is_valid() and two_factor.remove(request, form.cleaned_data["code"]):
                messages.success(request, _("Two-factor login is off."))
                return redirect("web:account:two_factor")
            if form.is_valid():
                form.add_error("code", _("Wrong or expired code."))
        elif action == "enrol" and device is None:
            if form.is_valid():
                attempt = two_factor.enrolment_confirm(request, form.cleaned_data["code"])
                if attempt.ok:
                    messages.success(
                        request, _("Two-factor login is on: from now on you enter a code after your password.")
                    )
                    return HttpResponseRedirect(_next(request))
                ended = _refused(request, form, attempt)
                if ended is not None:
                    return ended
            elif owing:
                attempt = two_factor.failure(request)
                if attempt.logged_out:
                    return _refused(request, form, attempt) or redirect("web:login")
    context: dict[str, Any] = {"form": form, "device": device, "required": required, "title": _("Two-factor login")}
    if device is None:
        context["enrolment"] = two_factor.enrolment_start(user)
    return _page(request, "web/account/two_factor.html", context)


def _live_tokens(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new password twice, the validators of the settings).
    The session stays (``update_session_auth_hash``); the user's API tokens are revoked."""

    template_name = "web/account/password_change.html"
    success_url = reverse_lazy("web:account:password_change")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        for field in form.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "title": _("Change password"),
                "grants": user_grants(user=self.request.user),
                "tokens": _live_tokens(self.request.user).count(),
            }
        )
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        had_tokens = _live_tokens(self.request.user).exists()
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Your password has been changed. Your API tokens no longer work: create new ones.")
            if had_tokens
            else _("Your password has been changed."),
        )
        return response


urlpatterns = [
    path("verify/", verify, name="verify"),
    path("two-factor/", two_factor_settings, name="two_factor"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
]
