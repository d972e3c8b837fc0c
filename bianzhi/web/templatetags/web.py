"""Small display filters of the pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

SEVERITY_CLASSES = {"高": "text-bg-danger", "中": "text-bg-warning", "低": "text-bg-info"}


@register.filter
def percent(value: Any) -> str:
    """0.2 → "20.0%"."""
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def severity_class(value: str) -> str:
    return SEVERITY_CLASSES.get(value, "text-bg-secondary")
