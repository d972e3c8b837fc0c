"""Forms of the pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy


class LoginForm(AuthenticationForm):
    """Django's login form with Bootstrap's classes (django-axes watches every attempt)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-control", "id": f"id_{name}"})
        self.fields["username"].widget.attrs["autofocus"] = True


def reason_field(**kwargs: Any) -> forms.CharField:
    """The reason every write from the pages records in the change log (issue 13: required, and
    whitespace alone — a full-width space included — is no reason)."""
    return forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=500,
        error_messages={"required": gettext_lazy("Please give the reason for the change.")},
        widget=forms.TextInput({"class": "form-control", "maxlength": "500"}),
        **kwargs,
    )


def posted_reason(request: HttpRequest) -> str:
    """The reason posted with a one-button form (remove, mark), stripped; ``""`` when there is none."""
    return str(request.POST.get("reason", "")).strip()[:500]
