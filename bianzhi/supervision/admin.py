from django.contrib import admin

from bianzhi.accounts.addresses import client_address
from bianzhi.core.admin import ReadOnlyAdmin
from bianzhi.supervision.models import Alert, MonitoringRun, RuleSetting
from bianzhi.supervision.rulebook import all_rules
from bianzhi.supervision.services import rule_setting_update


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    """Switch rules on or off and tune them; every change is logged through the service."""

    list_display = ("rule", "rule_name", "enabled", "severity", "params", "updated_at")
    fields = ("rule", "enabled", "severity", "params", "param_help")

    @admin.display(description="规则名称")
    def rule_name(self, obj):
        names = {r.id: r.name for r in all_rules()}
        return names.get(obj.rule, "")

    @admin.display(description="参数说明")
    def param_help(self, obj):
        """Each parameter of the rule (checked against this schema when saved; the model's
        ``clean`` turns a bad value into a form error naming it)."""
        rules = [r for r in all_rules() if r.id == obj.rule] if obj and obj.rule else all_rules()
        lines = [
            f"{rule.id}.{name}：{param.label}（默认 {param.default!r}）— {param.help}"
            for rule in rules
            for name, param in rule.param_schema.items()
        ]
        return "\n".join(lines) or "无参数"

    def get_readonly_fields(self, request, obj=None):
        return ("rule", "param_help") if obj else ("param_help",)

    def save_model(self, request, obj, form, change):
        saved = rule_setting_update(
            rule=obj.rule,
            enabled=obj.enabled,
            severity=obj.severity,
            params=obj.params,
            user=request.user,
            origin=client_address(request) or "",
            reason="编办管理员在数据管理后台修改监测规则设置",
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
    # The person is an ID number and the message may quote one: the whole number only, never part of one.
    search_fields = ("unit_code", "=person")
