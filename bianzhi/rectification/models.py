"""Models of bianzhi.rectification (see the package docstring)."""

from __future__ import annotations
