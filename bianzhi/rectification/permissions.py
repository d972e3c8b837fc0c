"""Who may do what with problems (domain.md §11, interchange.md §3 "Supervision").

Seeing a problem follows the register: ``restrict(Problem…, user, Action.VIEW)`` (a 单位人事干部 sees
the problems of its unit's subtree only). The loop's own steps are decided here, from the user's role
grants (the choke point's ``roles_of`` and ``subtree``), so every door asks the same questions:

* raise (立项): 编办业务人员, 检查人员, 编办管理员;
* answer (反馈整改): the unit's 单位人事干部 (its subtree), 编办业务人员, 编办管理员;
* return / close (退回 / 销号) and attachments by the office: 编办业务人员, 编办管理员.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from bianzhi.accounts import permissions
from bianzhi.accounts.models import Role
from bianzhi.accounts.permissions import Action, can, roles_of

RAISERS = frozenset({Role.ADMIN, Role.OFFICER, Role.INSPECTOR})
VERIFIERS = frozenset({Role.ADMIN, Role.OFFICER})

REFUSE_RAISE = "无权立项：需要编办业务人员、检查人员或编办管理员角色"
REFUSE_ANSWER = "无权反馈整改：需要该机构的单位人事干部、编办业务人员或编办管理员角色"
REFUSE_VERIFY = "无权退回或销号：需要编办业务人员或编办管理员角色"


def register() -> None:
    from bianzhi.rectification.models import Problem, ProblemAttachment, ProblemStep

    permissions.register_scope(Problem, lambda ids: Q(unit_id__in=ids))
    permissions.register_scope(ProblemStep, lambda ids: Q(problem__unit_id__in=ids))
    permissions.register_scope(ProblemAttachment, lambda ids: Q(problem__unit_id__in=ids))


def _roles(user: Any) -> set[str]:
    return {role for role, _unit in roles_of(user)}


def may_see(user: Any, unit: Any) -> bool:
    return can(user, Action.VIEW, unit)


def may_raise(user: Any) -> bool:
    return bool(_roles(user) & RAISERS)


def may_verify(user: Any) -> bool:
    return bool(_roles(user) & VERIFIERS)


def may_answer(user: Any, unit: Any) -> bool:
    """The office anywhere; a 单位人事干部 on its own unit's subtree."""
    if may_verify(user):
        return True
    unit_id = getattr(unit, "pk", unit)
    roots = {grant_unit for role, grant_unit in roles_of(user) if role == Role.UNIT_HR and grant_unit is not None}
    return bool(roots) and unit_id in permissions.subtree(roots)


def may_attach(user: Any, unit: Any) -> bool:
    """Attachments: whoever may answer (evidence) or raise (an inspection's report)."""
    return may_answer(user, unit) or may_raise(user)
