"""The rule registry (domain.md §4): one place where every monitoring rule is registered.

A rule is a small class in ``bianzhi/supervision/rules/`` decorated with ``@register``; adding a
rule touches that one file. Its ``evaluate`` reads the register through SQL-backed selectors and
returns alerts with the keys of interchange.md §2.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, ClassVar

Alert = dict[str, Any]


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]  # Chinese name
    description: ClassVar[str]  # cites the negative-list item it enforces
    severity: ClassVar[str]  # default: 高 / 中 / 低
    order: ClassVar[int]  # position in interchange.md §2's table (output sort order)
    default_params: ClassVar[dict[str, Any]] = {}

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        """Alerts as of ``day``; with ``units``, only those about these units (or, for a
        division-wide rule, about the divisions they belong to) — the incremental path."""
        raise NotImplementedError


_RULES: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    if cls.id in _RULES and _RULES[cls.id] is not cls:
        raise ValueError(f"规则 {cls.id} 重复注册")
    _RULES[cls.id] = cls
    return cls


def _discover() -> None:
    from bianzhi.supervision import rules

    for module in pkgutil.iter_modules(rules.__path__):
        importlib.import_module(f"{rules.__name__}.{module.name}")


def all_rules() -> list[type[Rule]]:
    """Every registered rule, in the order of interchange.md §2."""
    if not _RULES:
        _discover()
    return sorted(_RULES.values(), key=lambda r: (r.order, r.id))


def get_rule(rule_id: str) -> type[Rule]:
    all_rules()
    return _RULES[rule_id]


@dataclass(frozen=True)
class EffectiveRule:
    rule: type[Rule]
    enabled: bool
    severity: str
    params: dict[str, Any]


def effective_rules() -> list[EffectiveRule]:
    """Rules with the administrator's settings applied (a missing setting means the defaults)."""
    from bianzhi.supervision.models import RuleSetting

    settings = {s.rule: s for s in RuleSetting.objects.all()}
    result = []
    for rule in all_rules():
        setting = settings.get(rule.id)
        result.append(
            EffectiveRule(
                rule=rule,
                enabled=setting.enabled if setting else True,
                severity=(setting.severity if setting and setting.severity else rule.severity),
                params={**rule.default_params, **(setting.params if setting else {})},
            )
        )
    return result
