"""用编与职数审批 (issue 14, interchange.md §3): annual plans, staffing- and position-use requests, approval slips, onboarding, leaving and write-off."""
