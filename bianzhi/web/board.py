"""全局一屏: the pages. Names ``web:board:<view>``."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "board"

urlpatterns: list[URLPattern] = []
