from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "bianzhi.supervision"
    label = "supervision"
    verbose_name = "监督预警"

    def ready(self) -> None:
        from bianzhi.registry.hooks import on_units_changed
        from bianzhi.supervision import permissions
        from bianzhi.supervision.handlers import refresh_units

        permissions.register()
        on_units_changed(refresh_units)
