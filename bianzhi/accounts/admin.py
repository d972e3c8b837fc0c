"""Users, groups, role grants and API tokens in the admin (the 编办管理员's only, admin_site.py).

Every change of who may do what is logged by the audit hook (audit.py) whichever door it comes
through; here one save in the admin — the user and its groups and permissions, say — is one change
set, named after the administrator and the address. Grants are given and taken away here or with
``bianzhi grant`` (never edited: a different grant is a new one); tokens change through their user.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from django.http import HttpRequest

from bianzhi.accounts import admin_third_party  # noqa: F401  (axes, TOTP devices and task results, in Chinese)
from bianzhi.accounts.audit import logged_change
from bianzhi.accounts.models import ApiToken, Role, RoleGrant
from bianzhi.core.admin import ReadOnlyAdmin

_PENDING = "_bianzhi_admin_pending_save"


class OneChangeSetPerSave(admin.ModelAdmin):
    """Saves the object and its many-to-many fields and inlines in one logged change set.

    The admin calls ``save_model`` and then ``save_related`` once the whole form is valid; the object
    is saved with its relations in ``save_related``, inside the change set, so a form that is refused
    leaves no empty change set behind."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        setattr(request, _PENDING, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj = request.__dict__.pop(_PENDING, form.instance)
        with logged_change():
            super().save_model(request, obj, form, change)
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with logged_change():
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with logged_change():
            super().delete_queryset(request, queryset)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(OneChangeSetPerSave, UserAdmin):
    pass


@admin.register(Group)
class AuditedGroupAdmin(OneChangeSetPerSave, GroupAdmin):
    pass


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ("user", "role", "unit")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, unit = data.get("role"), data.get("unit")
        if role == Role.UNIT_HR and unit is None:
            self.add_error("unit", "单位人事干部必须指定所管理的机构（该机构及其全部下属机构）")
        elif role and role != Role.UNIT_HR and unit is not None:
            self.add_error("unit", f"{Role(role).label}的管理范围是全区，不能指定机构")
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(OneChangeSetPerSave):
    form = RoleGrantForm
    list_display = ("user", "role", "unit", "granted_at", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__code")
    autocomplete_fields = ("user", "unit")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.granted_by = request.user.get_username()
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    search_fields = ("user__username", "name", "prefix")
    exclude = ("digest",)
