"""问题整改: the pages. Names ``web:problems:<view>``."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "problems"

urlpatterns: list[URLPattern] = []
