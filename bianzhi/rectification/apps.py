from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "bianzhi.rectification"
    label = "rectification"
    verbose_name = "问题整改"

    def ready(self) -> None:
        from bianzhi.rectification import permissions

        permissions.register()
        try:  # the monitoring helper's daily scheduler, where it exists
            from bianzhi.supervision.scheduler import register_daily  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            return
        from bianzhi.rectification.services import problems_escalate_overdue

        register_daily(problems_escalate_overdue)
