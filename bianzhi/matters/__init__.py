"""机构编制事项 (issue 14, domain.md §2): matters with their workflow and execution, and the ledger (台账)."""
