"""全局一屏掌控 (issue 15, S3.2.2): the one-screen board and its data endpoint (interchange.md §3)."""
