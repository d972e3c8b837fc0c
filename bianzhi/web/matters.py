"""机构编制事项: the pages. Names ``web:matters:<view>``."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "matters"

urlpatterns: list[URLPattern] = []
