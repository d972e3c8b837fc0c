"""Monitoring rules, one module each; every module here is discovered by ``rulebook.all_rules``."""
