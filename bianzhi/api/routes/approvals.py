"""用编审批: the API operations (interchange.md §3 fixes some of them)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["用编审批"])
