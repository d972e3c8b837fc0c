from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from bianzhi.core.admin import ReadOnlyAdmin
from bianzhi.supervision.models import Alert, AlertTrack, MonitoringRun, RuleSetting
from bianzhi.supervision.rulebook import all_rules


@admin.register(RuleSetting)
class RuleSettingAdmin(ReadOnlyAdmin):
    """Read-only here: a rule is switched on or off and tuned on the 监测规则设置 page (/alerts/rules/,
    bianzhi/web/rule_settings.py), with a form per parameter, a reason and the change log — never as
    raw JSON in the admin."""

    list_display = ("rule", "rule_name", "enabled", "severity", "params", "updated_at", "page_link")
    fields = ("page_link", "rule", "rule_name", "enabled", "severity", "params", "param_help", "updated_at")
    readonly_fields = fields

    @admin.display(description="规则名称")
    def rule_name(self, obj):
        names = {r.id: r.name for r in all_rules()}
        return names.get(obj.rule, "")

    @admin.display(description="参数说明")
    def param_help(self, obj):
        rules = [r for r in all_rules() if r.id == obj.rule]
        lines = [
            f"{name}：{param.label}（默认 {param.default!r}）— {param.help}"
            for rule in rules
            for name, param in rule.param_schema.items()
        ]
        return "\n".join(lines) or "无参数"

    @admin.display(description="修改")
    def page_link(self, obj):
        url = reverse("web:rules:setting_edit", args=[obj.rule])
        return format_html('<a href="{}">在监测规则设置页面修改</a>', url)

    def changelist_view(self, request, extra_context=None):
        self.message_user(
            request,
            format_html(
                '监测规则在<a href="{}">监测规则设置页面</a>开启、关闭和调整参数，此处只读。',
                reverse("web:rules:setting_list"),
            ),
        )
        return super().changelist_view(request, extra_context)


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
    list_display = ("id", "as_of", "started_at", "finished_at", "alert_count", "scope", "tracked")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("run", "rule", "severity", "unit_code", "region", "person", "message")
    list_filter = ("rule", "severity", "run__as_of")
    # The person is an ID number and the message may quote one: the whole number only, never part of one.
    search_fields = ("unit_code", "=person")


@admin.register(AlertTrack)
class AlertTrackAdmin(ReadOnlyAdmin):
    """预警历史: written by the monitoring runs only (bianzhi/supervision/history.py)."""

    list_display = ("rule", "severity", "unit_code", "region", "person", "first_seen_on", "last_seen_on", "cleared_on")
    list_filter = ("rule", "severity", "first_seen_on", "cleared_on")
    search_fields = ("unit_code", "=person")
