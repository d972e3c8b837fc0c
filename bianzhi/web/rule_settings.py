"""监测规则设置 pages: every registered rule with its Chinese name and explanation, and a form per
rule to switch it on or off and set its severity and parameters (domain.md §4).

Only users allowed ``Action.CONFIGURE_RULES`` (编办管理员, 编办业务人员) reach them; every other
role is refused (403). Each change goes through ``rule_setting_update``, which checks the
parameters against the rule's schema and records the change (before and after) in the change log.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bianzhi.accounts.permissions import Action, can
from bianzhi.accounts.privacy import client_origin
from bianzhi.supervision.models import Severity
from bianzhi.supervision.rulebook import EffectiveRule, Param, ParamError, Rule, effective_rules, get_rule
from bianzhi.supervision.services import rule_setting_update
from bianzhi.web.forms import reason_field
from bianzhi.web.selectors import user_grants

app_name = "rules"


def configure_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Log in first; then only users who may change the monitoring rules (the choke point)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can(request.user, Action.CONFIGURE_RULES):
            raise PermissionDenied(_("You may not change the monitoring rules."))
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template_name: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    context = {"nav": "alerts", "grants": user_grants(user=request.user), **context}
    return render(request, template_name, context, status=status)


# ---------------------------------------------------------------- the form


class ParamField(forms.CharField):
    """One parameter of a rule. Its label and help are the rule's own (Chinese), and the typed
    text is checked against the rule's schema, so an error names the parameter (“20%” for a rate
    is refused with the range it should be in)."""

    def __init__(self, name: str, param: Param, **kwargs: Any) -> None:
        self.param_name, self.param = name, param
        widget = forms.TextInput({"class": "form-control", "inputmode": "decimal"})
        super().__init__(label=param.label, help_text=param.help, required=False, widget=widget, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else value

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        parsed: Any = None if text == "" else text
        if parsed is not None and self.param.type in (int, float):
            try:
                number = float(text)
                parsed = int(number) if self.param.type is int and number.is_integer() else number
            except ValueError:
                parsed = text  # refused below, with the parameter's name and range
        try:
            return self.param.clean(self.param_name, parsed)
        except ParamError as exc:
            raise forms.ValidationError(str(exc)) from None


class RuleSettingForm(forms.Form):
    enabled = forms.BooleanField(
        label=gettext_lazy("Enabled"),
        required=False,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
        help_text=gettext_lazy("A rule switched off reports nothing until it is switched on again."),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=Severity.choices,
        widget=forms.Select({"class": "form-select"}),
    )

    def __init__(self, *args: Any, rule: type[Rule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["reason"] = reason_field()
        for name, param in rule.param_schema.items():
            self.fields[f"param_{name}"] = (
                forms.BooleanField(
                    label=param.label,
                    help_text=param.help,
                    required=False,
                    widget=forms.CheckboxInput({"class": "form-check-input"}),
                )
                if param.type is bool
                else ParamField(name, param)
            )

    def add_prefix(self, field_name: str) -> str:
        # Parameters are posted under their own names (``vacancy_rate``), like the API's.
        return field_name.removeprefix("param_")

    def params(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(f"param_{name}") for name in self.rule.param_schema}

    def param_fields(self) -> list[forms.BoundField]:
        return [self[f"param_{name}"] for name in self.rule.param_schema]


def _effective(rule_id: str) -> EffectiveRule:
    for effective in effective_rules():
        if effective.rule.id == rule_id:
            return effective
    raise Http404(_("No such monitoring rule."))


# ---------------------------------------------------------------- views


@require_GET
@configure_required
def setting_list(request: HttpRequest) -> HttpResponse:
    """Every rule: its name, explanation, switch, severity (default and current) and parameters."""
    rules = [
        {
            "effective": effective,
            "params": [
                {"name": name, "param": param, "value": effective.params.get(name)}
                for name, param in effective.rule.param_schema.items()
            ],
        }
        for effective in effective_rules()
    ]
    return _page(
        request, "web/rule_settings/setting_list.html", {"title": _("Monitoring rule settings"), "rules": rules}
    )


@require_http_methods(["GET", "POST"])
@configure_required
def setting_edit(request: HttpRequest, rule: str) -> HttpResponseBase:
    """One rule's form; a valid change is saved (and logged) and leads back to the list."""
    try:
        definition = get_rule(rule)
    except KeyError:
        raise Http404(_("No such monitoring rule.")) from None
    effective = _effective(definition.id)
    initial = {
        "enabled": effective.enabled,
        "severity": effective.severity,
        **{f"param_{name}": value for name, value in effective.params.items()},
    }
    form = RuleSettingForm(request.POST if request.method == "POST" else None, rule=definition, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rule_setting_update(
                    rule=definition.id,
                    enabled=form.cleaned_data["enabled"],
                    severity=form.cleaned_data["severity"],
                    params=form.params(),
                    user=request.user,
                    origin=client_origin(request),
                    reason=form.cleaned_data["reason"],
                )
            except ParamError as exc:
                form.add_error(f"param_{exc.param}" if exc.param in definition.param_schema else None, str(exc))
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The settings of the rule were saved and recorded in the change log."))
                return redirect("web:rules:setting_list")
        status = 200
    return _page(
        request,
        "web/rule_settings/setting_edit.html",
        {"title": definition.name, "effective": effective, "form": form},
        status=status,
    )


urlpatterns = [
    path("", setting_list, name="setting_list"),
    path("<str:rule>/", setting_edit, name="setting_edit"),
]
