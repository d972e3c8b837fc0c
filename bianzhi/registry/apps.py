from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "bianzhi.registry"
    label = "registry"
    verbose_name = "机构编制实名制"

    def ready(self) -> None:
        from bianzhi.registry import permissions

        permissions.register()
