"""Role grants and API tokens in the admin: read-only, since grants change through ``bianzhi grant``
and tokens through their user, both logged."""

from django.contrib import admin

from bianzhi.accounts.models import ApiToken, RoleGrant
from bianzhi.core.admin import ReadOnlyAdmin


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "unit", "granted_at", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__code")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    search_fields = ("user__username", "name", "prefix")
    exclude = ("digest",)
