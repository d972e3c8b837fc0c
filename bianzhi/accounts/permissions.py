"""The permission choke point (domain.md §11, architecture.md "Where code goes" 2).

Every read of the register goes through ``restrict(queryset, user, action)`` and every decision on
one unit through ``can(user, action, unit=...)``, whichever door the user came through (pages, API,
commands). What a role may do is stated once, in :data:`ROLE_ACTIONS`; which units a 单位人事干部
grant covers is the unit's subtree as of today.

accounts sits below registry (architecture.md "Imports flow one way"), so the apps that own the
data register how their models are scoped (:func:`register_scope`) and registry registers how a
unit's subtree is found (:func:`register_subtree_resolver`); nothing here imports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q, QuerySet

from bianzhi.accounts.models import Role, RoleGrant


class Action(StrEnum):
    """What a user may want to do."""

    VIEW = "view"  # read the register, figures, alerts and forecasts
    CHANGE = "change"  # write register facts: units, quotas, positions, loans, limits, suspensions
    CHANGE_PEOPLE = "change_people"  # write the roster: onboarding, changes and leaving
    IMPORT = "import"  # upload, validate and confirm workbooks; bulk rows
    MONITOR = "monitor"  # store a monitoring run
    VIEW_CHANGELOG = "view_changelog"  # read the change log
    VIEW_FULL_ID = "view_full_id"  # see ID numbers whole
    MANAGE_TOKENS = "manage_tokens"  # create, list and revoke one's own API tokens
    CONFIGURE_RULES = "configure_rules"  # switch monitoring rules on or off, set severity and parameters
    CONFIGURE_CALENDAR = "configure_calendar"  # edit the 工作日历 (days off, make-up working days, years complete)
    MANAGE_USERS = "manage_users"  # create users, set display names, grant and revoke roles, reset passwords, lock
    REQUEST_STAFFING = "request_staffing"  # draft, submit and withdraw staffing- and position-use requests (用编申请)
    APPROVE = "approve"  # approve, reject or return staffing- and position-use requests (核准), approve annual plans
    WRITE_OFF = "write_off"  # write off the staffing of people who left (核销)


#: domain.md §11 as a table: the actions each role may take (within its scope).
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OFFICER: frozenset(
        {
            Action.VIEW,
            Action.CHANGE,
            Action.CHANGE_PEOPLE,
            Action.IMPORT,
            Action.MONITOR,
            Action.VIEW_CHANGELOG,
            Action.VIEW_FULL_ID,
            Action.MANAGE_TOKENS,
            Action.CONFIGURE_RULES,
            Action.CONFIGURE_CALENDAR,
            Action.REQUEST_STAFFING,
            Action.APPROVE,
            Action.WRITE_OFF,
        }
    ),
    Role.UNIT_HR: frozenset(
        {Action.VIEW, Action.CHANGE_PEOPLE, Action.VIEW_FULL_ID, Action.MANAGE_TOKENS, Action.REQUEST_STAFFING}
    ),
    Role.LEADER: frozenset({Action.VIEW, Action.MANAGE_TOKENS, Action.APPROVE}),
    Role.INSPECTOR: frozenset({Action.VIEW, Action.MANAGE_TOKENS}),
    Role.AUDITOR: frozenset({Action.VIEW, Action.VIEW_CHANGELOG, Action.MANAGE_TOKENS}),
}

#: Roles whose grant covers only a unit's subtree.
SCOPED_ROLES = frozenset({Role.UNIT_HR})


@dataclass(frozen=True)
class Scope:
    """The units on which a user may take an action: all (``everything``) or the set ``units``."""

    everything: bool
    units: frozenset[int]

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.units

    def covers(self, unit_id: int | None) -> bool:
        """Whether the action is allowed on data of ``unit_id`` (``None``: district-wide data)."""
        if self.everything:
            return True
        return unit_id is not None and unit_id in self.units


EVERYTHING = Scope(everything=True, units=frozenset())
NOTHING = Scope(everything=False, units=frozenset())

# ---------------------------------------------------------------- hooks filled by the apps that own the data

#: ids of the given units and of all their descendants as of today (registered by registry).
SubtreeResolver = Callable[[Iterable[int]], set[int]]
_subtree_resolver: SubtreeResolver | None = None

#: model → a function turning a set of unit ids into the filter of that model's rows on those
#: units, or ``None`` for district-wide data (limits, the change log) that only unscoped roles see.
UnitFilter = Callable[[frozenset[int]], Q]
_SCOPES: dict[type[models.Model], UnitFilter | None] = {}


def register_subtree_resolver(resolver: SubtreeResolver) -> None:
    global _subtree_resolver
    _subtree_resolver = resolver


def register_scope(model: type[models.Model], unit_filter: UnitFilter | None) -> None:
    """Declare how ``restrict`` narrows ``model`` to a set of units (``None``: not unit data)."""
    _SCOPES[model] = unit_filter


def subtree(unit_ids: Iterable[int]) -> set[int]:
    if _subtree_resolver is None:
        raise ImproperlyConfigured("registry 尚未注册机构下属范围的查找函数")
    return _subtree_resolver(unit_ids)


# ---------------------------------------------------------------- decisions


def roles_of(user: Any) -> list[tuple[str, int | None]]:
    """(role, unit id) of every grant of an active user; a superuser is 编办管理员."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cached = getattr(user, "_bianzhi_roles", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user_id=user.pk).values_list("role", "unit_id"))
        if user.is_superuser:
            cached.append((Role.ADMIN, None))
        user._bianzhi_roles = cached
    return cached


def scope(user: Any, action: Action | str) -> Scope:
    """The units on which ``user`` may take ``action``. Cached on the user object, so one request
    computes each subtree once."""
    action = Action(action)
    cache: dict[Action, Scope] | None = getattr(user, "_bianzhi_scopes", None)
    if cache is None:
        cache = {}
        if user is not None:
            user._bianzhi_scopes = cache
    if action in cache:
        return cache[action]
    roots: set[int] = set()
    result = NOTHING
    if action == Action.MANAGE_TOKENS and getattr(user, "is_active", False) and user.is_authenticated:
        # One's own tokens are no unit's data: every active user manages them (a token of a user
        # without a role opens nothing).
        cache[action] = EVERYTHING
        return EVERYTHING
    for role, unit_id in roles_of(user):
        if action not in ROLE_ACTIONS.get(role, frozenset()):
            continue
        if role not in SCOPED_ROLES:
            result = EVERYTHING
            break
        if unit_id is not None:
            roots.add(unit_id)
    if result is not EVERYTHING and roots:
        result = Scope(everything=False, units=frozenset(subtree(roots)))
    cache[action] = result
    return result


def forget(user: Any) -> None:
    """Drop the cached roles and scopes of ``user`` (after its grants changed)."""
    for attribute in ("_bianzhi_roles", "_bianzhi_scopes"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def can(user: Any, action: Action | str, unit: Any = None) -> bool:
    """Whether ``user`` may take ``action`` on the data of ``unit`` (a Unit or its id); without a
    unit, on district-wide data — which only roles that cover the whole district may touch."""
    unit_id = getattr(unit, "pk", unit)
    return scope(user, action).covers(unit_id)


def can_somewhere(user: Any, action: Action | str) -> bool:
    """Whether ``user`` may take ``action`` on at least some units (e.g. to offer a page or endpoint)."""
    return not scope(user, action).nothing


M = TypeVar("M", bound=models.Model)


def restrict(queryset: QuerySet[M], user: Any, action: Action | str) -> QuerySet[M]:
    """The single choke point: ``queryset`` narrowed to the rows ``user`` may take ``action`` on."""
    model = queryset.model
    if model not in _SCOPES:
        raise ImproperlyConfigured(f"{model.__name__} 没有登记权限范围（register_scope）")
    allowed = scope(user, action)
    if allowed.everything:
        return queryset
    unit_filter = _SCOPES[model]
    if allowed.nothing or unit_filter is None:
        return queryset.none()
    return queryset.filter(unit_filter(allowed.units))


# ---------------------------------------------------------------- ID numbers (domain.md §11)

_ID = re.compile(r"[0-9]{17}[0-9X]")


def mask_id_number(id_number: str) -> str:
    """``330602********123X``: the region and the last four characters stay, the birth date and
    sequence are hidden."""
    if len(id_number) != 18:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * 8}{id_number[-4:]}"


def sees_full_id(user: Any, unit: Any) -> bool:
    """ID numbers are shown whole to administrators, staffing officers and the HR officer of the
    person's own unit subtree; masked to everyone else (domain.md §11)."""
    return can(user, Action.VIEW_FULL_ID, unit)


def id_for(user: Any, id_number: str, unit: Any) -> str:
    return id_number if sees_full_id(user, unit) else mask_id_number(id_number)


def mask_ids_in_text(text: str, id_numbers: Iterable[str] | None = None) -> str:
    """Replace the given ID numbers (every 18-character ID-like run when ``None``) in free text."""
    if id_numbers is None:
        return _ID.sub(lambda m: mask_id_number(m.group(0)), text)
    for number in id_numbers:
        if number:
            text = text.replace(number, mask_id_number(number))
    return text
