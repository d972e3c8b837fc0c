"""机构编制事项: the API operations (interchange.md §3 fixes some of them)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["机构编制事项"])
