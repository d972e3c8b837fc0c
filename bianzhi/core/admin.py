"""The change log in the admin: read-only, append-only."""

from django.contrib import admin

from bianzhi.core.models import ChangeRecord, ChangeSet, WorkCalendarDay, WorkCalendarYear


class ReadOnlyAdmin(admin.ModelAdmin):
    """The register changes only through services and imports, which log every change."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangeRecordInline(admin.TabularInline):
    model = ChangeRecord
    fields = ("entity", "key", "action", "before", "after")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChangeSet)
class ChangeSetAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "source",
        "actor",
        "reason",
        "document_number",
        "effective",
        "bypasses_approval",
    )
    list_filter = ("source", "bypasses_approval")
    search_fields = ("actor", "reason", "document_number")
    inlines = [ChangeRecordInline]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "change_set", "entity", "key", "action")
    list_filter = ("entity", "action")
    search_fields = ("=key",)  # a key is often an ID number: the whole key only, never part of one


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(ReadOnlyAdmin):
    """Read-only here: the 工作日历 page (web) writes it through the logging services."""

    list_display = ("day", "kind", "note")
    list_filter = ("kind",)
    date_hierarchy = "day"


@admin.register(WorkCalendarYear)
class WorkCalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "complete", "note")
    list_filter = ("complete",)
