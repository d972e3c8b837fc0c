"""Models of bianzhi.approvals (see the package docstring)."""

from __future__ import annotations
