"""Models of bianzhi.matters (see the package docstring)."""

from __future__ import annotations
