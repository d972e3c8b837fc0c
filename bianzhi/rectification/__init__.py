"""问题整改 (issue 15, domain.md §9, interchange.md §3): problems, rectification notices, answers, verification and the suspension linkage."""
