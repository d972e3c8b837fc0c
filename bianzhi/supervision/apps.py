from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "bianzhi.supervision"
    label = "supervision"
    verbose_name = "监督预警"

    def ready(self) -> None:
        from bianzhi.supervision import permissions

        permissions.register()
