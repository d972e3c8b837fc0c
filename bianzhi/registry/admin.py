"""The register in Django's admin (Chinese), read-only until the web pages arrive: every change goes
through the import or a service so that it is validated and logged."""

from django.contrib import admin

from bianzhi.core.admin import ReadOnlyAdmin
from bianzhi.registry import models


class UnitVersionInline(admin.TabularInline):
    model = models.UnitVersion
    fk_name = "unit"
    fields = ("valid_from", "valid_to", "name", "kind", "parent", "sequence", "region", "approved_divisions")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "current_name", "established", "abolished")
    search_fields = ("code", "versions__name")
    inlines = [UnitVersionInline]

    @admin.display(description="机构名称")
    def current_name(self, obj):
        version = obj.versions.order_by("-valid_from").first()
        return version.name if version else ""


@admin.register(models.UnitVersion)
class UnitVersionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "name", "kind", "sequence", "region", "valid_from", "valid_to")
    list_filter = ("kind", "sequence", "region")
    search_fields = ("unit__code", "name")


@admin.register(models.StaffingQuota)
class StaffingQuotaAdmin(ReadOnlyAdmin):
    list_display = ("unit", "staffing_type", "approved", "valid_from", "valid_to")
    list_filter = ("staffing_type",)
    search_fields = ("unit__code",)


@admin.register(models.PositionQuota)
class PositionQuotaAdmin(ReadOnlyAdmin):
    list_display = ("unit", "category", "approved", "valid_from", "valid_to")
    list_filter = ("category",)
    search_fields = ("unit__code",)


@admin.register(models.TurnoverLoan)
class TurnoverLoanAdmin(ReadOnlyAdmin):
    list_display = ("unit", "staffing_type", "quantity", "start_date", "due_date", "status", "valid_from", "valid_to")
    list_filter = ("status", "staffing_type")
    search_fields = ("unit__code",)


@admin.register(models.InstitutionLimit)
class InstitutionLimitAdmin(ReadOnlyAdmin):
    list_display = ("region", "category", "limit", "valid_from", "valid_to")


@admin.register(models.Division)
class DivisionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")


class PersonVersionInline(admin.TabularInline):
    model = models.PersonVersion
    fields = (
        "valid_from",
        "valid_to",
        "name",
        "unit",
        "staffing_type",
        "category",
        "position_category",
        "status",
        "entry_date",
        "left_on",
        "written_off_date",
        "retirement_month",
        "approved_retirement_month",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("id_number",)
    # A person is found by the whole ID number (or a name), never by part of a number.
    search_fields = ("=id_number", "versions__name")
    inlines = [PersonVersionInline]


@admin.register(models.PersonVersion)
class PersonVersionAdmin(ReadOnlyAdmin):
    list_display = (
        "person",
        "name",
        "unit",
        "staffing_type",
        "category",
        "position_category",
        "status",
        "left_on",
        "valid_from",
        "valid_to",
    )
    list_filter = ("status", "staffing_type", "category", "position_category")
    search_fields = ("=person__id_number", "name", "unit__code")


@admin.register(models.Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "reason", "source", "started_on", "planned_end", "lifted_on")
