"""The rule registry (domain.md §4): one place where every monitoring rule is registered.

A rule is a small class in ``bianzhi/supervision/rules/`` decorated with ``@register``; adding a
rule touches that one file. Its ``evaluate`` reads the register through SQL-backed selectors and
returns alerts with the keys of interchange.md §2.

A rule's parameters are described by its ``param_schema`` (type, range, Chinese label and help):
values are checked against it when a setting is saved (:func:`validate_params`), and a bad value
already stored falls back to the default with a warning (:func:`effective_rules`), so one bad
setting never breaks a monitoring run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
from dataclasses import dataclass, field
from typing import Any, ClassVar

Alert = dict[str, Any]

logger = logging.getLogger(__name__)


class ParamError(ValueError):
    """A rule parameter that does not fit the rule's schema; the message (Chinese) names it."""

    def __init__(self, message: str, *, param: str = "") -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Param:
    """One parameter of a rule: its type (``float``, ``int`` or ``bool``), default, inclusive range,
    whether it may be empty (``None``), and the Chinese label and help shown where it is edited."""

    type: type
    default: Any
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = False

    def clean(self, name: str, value: Any) -> Any:
        """``value`` checked and converted to the parameter's type, or :class:`ParamError`."""
        where = f"参数“{self.label}”（{name}）"
        if value is None:
            if self.nullable:
                return None
            raise ParamError(f"{where}不能为空", param=name)
        if self.type is bool:
            if isinstance(value, bool):
                return value
            raise ParamError(f"{where}应为是或否，而不是“{value}”", param=name)
        # JSON numbers only: "20%" or "0.2" as text is refused, and so is true/false (bool is an int).
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if self.type is int:
            if not numeric or (isinstance(value, float) and not value.is_integer()):
                raise ParamError(f"{where}应为整数，而不是“{value}”{self._range_hint()}", param=name)
            value = int(value)
        elif self.type is float:
            if not numeric or value != value:  # NaN
                raise ParamError(f"{where}应为数值，而不是“{value}”{self._range_hint()}", param=name)
            value = float(value)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ParamError(f"{where}超出范围：“{value}”{self._range_hint()}", param=name)
        return value

    def _range_hint(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"，应在 {_number(self.minimum)} 到 {_number(self.maximum)} 之间"
        if self.minimum is not None:
            return f"，应不小于 {_number(self.minimum)}"
        if self.maximum is not None:
            return f"，应不大于 {_number(self.maximum)}"
        return ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]  # Chinese name
    description: ClassVar[str]  # cites the negative-list item it enforces
    severity: ClassVar[str]  # default: 高 / 中 / 低
    order: ClassVar[int]  # position in interchange.md §2's table (output sort order)
    #: each parameter: type, default, range, Chinese label and help (see :class:`Param`)
    param_schema: ClassVar[dict[str, Param]] = {}
    #: the defaults of ``param_schema``, filled in for every subclass
    default_params: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.default_params = {name: param.default for name, param in cls.param_schema.items()}

    def evaluate(self, day: dt.date, params: dict[str, Any], units: frozenset[int] | None = None) -> list[Alert]:
        """Alerts as of ``day``; with ``units``, only those about these units (or, for a
        division-wide rule, about the divisions they belong to) — the incremental path."""
        raise NotImplementedError

    def coverage(self, day: dt.date, units: frozenset[int]) -> tuple[frozenset[int], frozenset[str]]:
        """The units and divisions whose alerts of this rule ``evaluate(day, params, units)``
        computes afresh: what a partial run replaces when laid over a full run (domain.md §4)."""
        return units, frozenset()


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


def validate_params(rule: type[Rule], params: Any) -> dict[str, Any]:
    """``params`` checked against the rule's schema and converted (an integer rate becomes a
    float); :class:`ParamError` names the first parameter that does not fit."""
    if not isinstance(params, dict):
        raise ParamError(f"规则 {rule.id} 的参数应为“名称: 值”的对象")
    unknown = sorted(set(params) - set(rule.param_schema))
    if unknown:
        raise ParamError(f"规则 {rule.id} 没有参数：{'、'.join(unknown)}", param=unknown[0])
    return {name: rule.param_schema[name].clean(name, value) for name, value in params.items()}


def stored_params(rule: type[Rule], stored: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The parameters a run uses: the defaults, overridden by every stored value that fits the
    schema; a stored value that does not (set before it was checked, or by hand) is ignored with
    a warning, never an error."""
    params = dict(rule.default_params)
    warnings: list[str] = []
    if not isinstance(stored, dict):
        if stored not in (None, {}):
            warnings.append(f"规则“{rule.name}”（{rule.id}）保存的参数不是对象，已按默认参数监测")
        return params, tuple(warnings)
    for name, value in stored.items():
        param = rule.param_schema.get(name)
        if param is None:
            warnings.append(f"规则“{rule.name}”（{rule.id}）没有参数 {name}，保存的值已忽略")
            continue
        try:
            params[name] = param.clean(name, value)
        except ParamError as exc:
            warnings.append(f"规则“{rule.name}”（{rule.id}）：{exc}；已按默认值 {param.default!r} 监测")
    return params, tuple(warnings)


@dataclass(frozen=True)
class EffectiveRule:
    rule: type[Rule]
    enabled: bool
    severity: str
    params: dict[str, Any]
    #: stored settings that could not be used (Chinese), the defaults taking their place
    warnings: tuple[str, ...] = field(default=())


def effective_rules(*, log: bool = False) -> list[EffectiveRule]:
    """Rules with the administrator's settings applied (a missing setting means the defaults; a
    stored parameter or severity that does not fit means its default, with a warning, logged when
    ``log``)."""
    from bianzhi.supervision.models import RuleSetting, Severity

    settings = {s.rule: s for s in RuleSetting.objects.all()}
    result = []
    for rule in all_rules():
        setting = settings.get(rule.id)
        params, warnings = stored_params(rule, setting.params if setting else {})
        severity = rule.severity
        if setting and setting.severity:
            if setting.severity in Severity.values:
                severity = setting.severity
            else:
                warnings += (
                    f"规则“{rule.name}”（{rule.id}）保存的严重程度“{setting.severity}”无效，已按默认 {rule.severity}",
                )
        if log:
            for warning in warnings:
                logger.warning("%s", warning)
        result.append(
            EffectiveRule(
                rule=rule,
                enabled=setting.enabled if setting else True,
                severity=severity,
                params=params,
                warnings=warnings,
            )
        )
    return result
