"""Every change of who may do what reaches the change log, whichever door (issue 13, "Audit").

Users (name, e-mail, active, staff, superuser, and a changed password as a flag — never the hash),
their groups and permissions, groups and their permissions, and role grants are recorded by model
signals, so the admin, ``createsuperuser``/``changepassword``, ``bianzhi grant`` and any code that
saves them are all logged alike. A change made while a change set is open is recorded into it;
otherwise the hook opens one that says who acted and from where:

- during a request (``request_context.RequestContextMiddleware``): the request's user and client
  address, source 网页 (接口 for the API), reason “用户与权限变更（管理后台）” in the admin;
- during a management command: source 命令行, actor “命令行 <operating-system user>”, the host;
- otherwise: source 业务办理.

A login's ``last_login`` update is not a change of who may do what and writes nothing; neither does
a password hash upgraded by Django on login, nor anything while ``migrate`` runs or a fixture loads.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, identify_hasher, is_password_usable
from django.contrib.auth.models import Group
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.accounts.request_context import request_in_progress
from bianzhi.core.changelog import Change, change_context, open_change_set, record_changes
from bianzhi.core.cli import command_actor
from bianzhi.core.models import ChangeSet

USER = "用户"
GROUP = "用户组"
GRANT = "角色授权"

#: the User fields that say who someone is and what they may do, with their label in the log
USER_FIELDS = {
    "username": "用户名",
    "first_name": "名",
    "last_name": "姓",
    "email": "电子邮箱",
    "is_active": "启用",
    "is_staff": "可进入管理后台",
    "is_superuser": "超级用户",
}
PASSWORD_SET = "已设置密码"  # nosec B105 # a change-log label, not a password
PASSWORD_CHANGED = "密码已修改"  # nosec B105 # a change-log label, not a password
GROUPS = "用户组"
PERMISSIONS = "权限"
MEMBERS = "成员"
NAME = "名称"

#: commands during which nothing is logged: the log's own tables may be half built
SILENT_COMMANDS = frozenset({"migrate"})

_BEFORE = "_bianzhi_audit_before"
_M2M_BEFORE = "_bianzhi_audit_m2m_before"


# ---------------------------------------------------------------- who, from where


def _running_command() -> str | None:
    """The name of the innermost management command this code runs in, if any (``call_command`` and
    the ``bianzhi`` console script alike)."""
    from django.core.management.base import BaseCommand

    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "execute" and isinstance(frame.f_locals.get("self"), BaseCommand):
            return type(frame.f_locals["self"]).__module__.rpartition(".")[2]
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _door() -> dict[str, Any]:
    """The change set's who, source, origin and reason for a change made here and now."""
    request = request_in_progress()
    if request is not None:
        from bianzhi.accounts.addresses import client_address

        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            user = None
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.namespaces:
            source, reason = "web", "用户与权限变更（管理后台）"
        elif request.path_info.startswith("/api/"):
            source, reason = "api", "用户与权限变更（接口）"
        else:
            source, reason = "web", "用户与权限变更（网页）"
        origin = client_address(request) or request.META.get("REMOTE_ADDR", "")
        return {"source": source, "user": user, "origin": str(origin)[:200], "reason": reason}
    command = _running_command()
    if command is not None:
        return {
            "source": "command",
            "actor": command_actor(),
            "origin": socket.gethostname()[:200],
            "reason": f"用户与权限变更（命令 {command}）",
        }
    return {"source": "service", "reason": "用户与权限变更"}


def logged_change() -> contextlib.AbstractContextManager[ChangeSet]:
    """A change set for several changes of who may do what made at once (one save in the admin)."""
    return change_context(**_door())


def _record(changes: list[Change]) -> None:
    if not changes:
        return
    if open_change_set() is not None:
        record_changes(changes)
        return
    with change_context(**_door()):
        record_changes(changes)


def _silent(kwargs: dict[str, Any]) -> bool:
    """Fixtures load raw rows; ``migrate`` may run before the change log's tables are complete."""
    return bool(kwargs.get("raw")) or _running_command() in SILENT_COMMANDS


# ---------------------------------------------------------------- users


def _user_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {label: values[field] for field, label in USER_FIELDS.items()}


def _user_values(user: Any) -> dict[str, Any]:
    return {field: getattr(user, field) for field in (*USER_FIELDS, "password")}


def _rehashed(old: str, user: Any, update_fields: Any) -> bool:
    """Whether a new hash is Django upgrading the stored hash of the same password on login
    (``check_password``'s setter saves only the password, after forgetting the raw one)."""
    if update_fields is None or set(update_fields) != {"password"} or getattr(user, "_password", None) is not None:
        return False
    if not is_password_usable(old) or not is_password_usable(user.password):
        return False
    try:
        old_hasher = identify_hasher(old)
    except ValueError:
        return False
    preferred = get_hasher()
    return old_hasher.algorithm != preferred.algorithm or preferred.must_update(old)


def _user_pre_save(sender: type[Model], instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login
    if instance.pk is None or instance._state.adding or _silent(kwargs):
        return
    old = sender._default_manager.filter(pk=instance.pk).values(*USER_FIELDS, "password").first()  # type: ignore[attr-defined]
    setattr(instance, _BEFORE, old)


def _user_post_save(
    sender: type[Model], instance: Any, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if _silent(kwargs):
        return
    old = instance.__dict__.pop(_BEFORE, None)
    if created:
        after = {**_user_fields(_user_values(instance)), PASSWORD_SET: instance.has_usable_password()}
        _record([Change(USER, instance.get_username(), "create", None, after)])
        return
    if old is None:
        return  # a row that was not there before it was saved: nothing to compare
    new = _user_values(instance)
    fields = USER_FIELDS if update_fields is None else [f for f in USER_FIELDS if f in update_fields]
    before = {USER_FIELDS[f]: old[f] for f in fields if old[f] != new[f]}
    after = {USER_FIELDS[f]: new[f] for f in fields if old[f] != new[f]}
    password_saved = update_fields is None or "password" in update_fields
    if (
        password_saved
        and old["password"] != new["password"]
        and not _rehashed(old["password"], instance, update_fields)
    ):
        before[PASSWORD_CHANGED], after[PASSWORD_CHANGED] = False, True
        was_usable, usable = is_password_usable(old["password"]), is_password_usable(new["password"])
        if was_usable != usable:
            before[PASSWORD_SET], after[PASSWORD_SET] = was_usable, usable
    if after:
        _record([Change(USER, instance.get_username(), "update", before, after)])


def _user_pre_delete(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    if _silent(kwargs):
        return
    state = {
        **_user_fields(_user_values(instance)),
        PASSWORD_SET: instance.has_usable_password(),
        GROUPS: _group_names(instance),
        PERMISSIONS: _permission_names(instance.user_permissions),
    }
    setattr(instance, _BEFORE, state)


def _user_post_delete(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    before = instance.__dict__.pop(_BEFORE, None)
    if before is not None:
        _record([Change(USER, before["用户名"], "delete", before, None)])


# ---------------------------------------------------------------- groups


def _group_names(user: Any) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def _permission_names(manager: Any) -> list[str]:
    return sorted(f"{app}.{codename}" for app, codename in manager.values_list("content_type__app_label", "codename"))


def _member_names(group: Group) -> list[str]:
    return sorted(group.user_set.values_list(get_user_model().USERNAME_FIELD, flat=True))


def _group_pre_save(sender: type[Model], instance: Group, **kwargs: Any) -> None:
    if instance.pk is None or instance._state.adding or _silent(kwargs):
        return
    setattr(instance, _BEFORE, Group.objects.filter(pk=instance.pk).values_list("name", flat=True).first())


def _group_post_save(sender: type[Model], instance: Group, created: bool, **kwargs: Any) -> None:
    if _silent(kwargs):
        return
    old = instance.__dict__.pop(_BEFORE, None)
    if created:
        _record([Change(GROUP, instance.name, "create", None, {NAME: instance.name})])
    elif old is not None and old != instance.name:
        _record([Change(GROUP, instance.name, "update", {NAME: old}, {NAME: instance.name})])


def _group_pre_delete(sender: type[Model], instance: Group, **kwargs: Any) -> None:
    if _silent(kwargs):
        return
    state = {
        NAME: instance.name,
        PERMISSIONS: _permission_names(instance.permissions),
        MEMBERS: _member_names(instance),
    }
    setattr(instance, _BEFORE, state)


def _group_post_delete(sender: type[Model], instance: Group, **kwargs: Any) -> None:
    before = instance.__dict__.pop(_BEFORE, None)
    if before is not None:
        _record([Change(GROUP, before[NAME], "delete", before, None)])


# ---------------------------------------------------------------- memberships and permissions (m2m)


def _relations() -> dict[type[Model], tuple[type[Model], str, str, str, Any]]:
    """through model → (owner model, its m2m field, entity, field label, what the owner holds now)."""
    User = get_user_model()
    return {
        User.groups.through: (User, "groups", USER, GROUPS, _group_names),  # type: ignore[attr-defined]
        User.user_permissions.through: (  # type: ignore[attr-defined]
            User,
            "user_permissions",
            USER,
            PERMISSIONS,
            lambda user: _permission_names(user.user_permissions),
        ),
        Group.permissions.through: (
            Group,
            "permissions",
            GROUP,
            PERMISSIONS,
            lambda group: _permission_names(group.permissions),
        ),
    }


def _owner_key(owner: Any) -> str:
    return owner.get_username() if hasattr(owner, "get_username") else owner.name


def _m2m_changed(
    sender: type[Model], instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kwargs: Any
) -> None:
    kind, _, step = action.partition("_")  # pre_add → ("pre", "add")
    relation = _relations().get(sender)
    if relation is None or step not in ("add", "remove", "clear") or _silent(kwargs):
        return
    owner_model, field, entity, label, holdings = relation
    stash: dict[Any, dict[Any, tuple[Any, list[str]]]] = instance.__dict__.setdefault(_M2M_BEFORE, {})
    if kind == "pre":
        if not reverse:
            owners = [instance]
        elif step == "clear":  # from the other side: every owner holding ``instance``
            owners = list(owner_model._default_manager.filter(**{field: instance}))  # type: ignore[attr-defined]
        else:  # from the other side: the owners named
            owners = list(owner_model._default_manager.filter(pk__in=pk_set or ()))  # type: ignore[attr-defined]
        stash[(sender, step)] = {owner.pk: (owner, holdings(owner)) for owner in owners}
        return
    before_by_owner = stash.pop((sender, step), {})
    changes = []
    for owner, before in before_by_owner.values():
        after = holdings(owner)
        if after != before:
            changes.append(Change(entity, _owner_key(owner), "update", {label: before}, {label: after}))
    _record(changes)


# ---------------------------------------------------------------- role grants


def _grant_summary(grant: RoleGrant) -> dict[str, Any]:
    """What the log says of a grant (the same as ``accounts.services`` always wrote)."""
    return {
        "用户": grant.user.get_username(),
        "角色": Role(grant.role).label,
        "机构代码": grant.unit.code if grant.unit_id and grant.unit else None,
    }


def _grant_key(summary_user: str, role: str) -> str:
    return f"{summary_user}/{role}"


def _grant_pre_save(sender: type[Model], instance: RoleGrant, **kwargs: Any) -> None:
    if instance.pk is None or instance._state.adding or _silent(kwargs):
        return
    old = RoleGrant.objects.select_related("user", "unit").filter(pk=instance.pk).first()
    if old is not None:
        setattr(instance, _BEFORE, (old.role, _grant_summary(old)))


def _grant_post_save(sender: type[Model], instance: RoleGrant, created: bool, **kwargs: Any) -> None:
    if _silent(kwargs):
        return
    after = _grant_summary(instance)
    old = instance.__dict__.pop(_BEFORE, None)
    if created:
        _record([Change(GRANT, _grant_key(after["用户"], instance.role), "create", None, after)])
    elif old is not None and old[1] != after:
        _record([Change(GRANT, _grant_key(after["用户"], instance.role), "update", old[1], after)])


def _grant_pre_delete(sender: type[Model], instance: RoleGrant, **kwargs: Any) -> None:
    if not _silent(kwargs):
        setattr(instance, _BEFORE, (instance.role, _grant_summary(instance)))


def _grant_post_delete(sender: type[Model], instance: RoleGrant, **kwargs: Any) -> None:
    old = instance.__dict__.pop(_BEFORE, None)
    if old is not None:
        role, before = old
        _record([Change(GRANT, _grant_key(before["用户"], role), "delete", before, None)])


# ---------------------------------------------------------------- wiring


def connect() -> None:
    """Connect the hook (``AccountsConfig.ready``)."""
    User = get_user_model()
    for signal, receiver, sender in (
        (pre_save, _user_pre_save, User),
        (post_save, _user_post_save, User),
        (pre_delete, _user_pre_delete, User),
        (post_delete, _user_post_delete, User),
        (pre_save, _group_pre_save, Group),
        (post_save, _group_post_save, Group),
        (pre_delete, _group_pre_delete, Group),
        (post_delete, _group_post_delete, Group),
        (pre_save, _grant_pre_save, RoleGrant),
        (post_save, _grant_post_save, RoleGrant),
        (pre_delete, _grant_pre_delete, RoleGrant),
        (post_delete, _grant_post_delete, RoleGrant),
    ):
        signal.connect(receiver, sender=sender, dispatch_uid=f"bianzhi.accounts.audit.{receiver.__name__}")
    for through in _relations():
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"bianzhi.accounts.audit.m2m.{through.__name__}")
