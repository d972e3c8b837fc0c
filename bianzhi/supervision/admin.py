from django.contrib import admin

from bianzhi.core.admin import ReadOnlyAdmin
from bianzhi.supervision.models import Alert, MonitoringRun, RuleSetting
from bianzhi.supervision.rulebook import all_rules
from bianzhi.supervision.services import rule_setting_update


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    """Switch rules on or off and tune them; every change is logged through the service."""

    list_display = ("rule", "rule_name", "enabled", "severity", "params", "updated_at")
    fields = ("rule", "enabled", "severity", "params")

    @admin.display(description="规则名称")
    def rule_name(self, obj):
        names = {r.id: r.name for r in all_rules()}
        return names.get(obj.rule, "")

    def get_readonly_fields(self, request, obj=None):
        return ("rule",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = rule_setting_update(
            rule=obj.rule,
            enabled=obj.enabled,
            severity=obj.severity,
            params=obj.params,
            user=request.user,
            origin=request.META.get("REMOTE_ADDR", ""),
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


class AlertInline(admin.TabularInline):
    model = Alert
    fields = ("rule", "severity", "unit_code", "region", "person", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonitoringRun)
class MonitoringRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "as_of", "started_at", "finished_at", "alert_count", "scope")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("run", "rule", "severity", "unit_code", "region", "person", "message")
    list_filter = ("rule", "severity", "run__as_of")
    search_fields = ("unit_code", "person", "message")
