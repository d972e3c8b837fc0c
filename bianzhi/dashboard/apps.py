from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "bianzhi.dashboard"
    label = "dashboard"
    verbose_name = "全局一屏"
