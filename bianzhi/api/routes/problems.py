"""问题整改: the API operations (interchange.md §3 fixes some of them)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["问题整改"])
