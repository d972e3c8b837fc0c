"""Notifications (站内通知): tell users that something needs them (issues 14/15).

:func:`notify` stores one :class:`~bianzhi.core.models.Notification` per recipient: the users given,
and/or the users whose role grant covers a unit (an 编办管理员, 编办业务人员, 领导, 检查人员 or 审计员 grant
covers every unit; a 单位人事干部 grant the unit named and its subtree as of today), narrowed to ``roles``.
With ``email=True`` and an e-mail server configured (setting ``EMAIL_HOST``), each recipient with an
address also gets the notification by e-mail once the transaction commits (failures are logged, never
raised). Reading marks them read (:func:`mark_read`); :func:`unread_count` feeds the navigation badge.

Notifications are messages, not register facts: they are not written to the change log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from bianzhi.core.dates import today
from bianzhi.core.models import Notification

logger = logging.getLogger(__name__)

TITLE_MAX = 200
URL_MAX = 500
#: The roles whose grant names a unit (its subtree); every other role covers the whole district.
SCOPED_ROLE = "unit_hr"
ADMIN_ROLE = "admin"


def _unit_ancestry(unit_id: int, day: dt.date) -> set[int]:
    """The unit and every unit above it as of ``day`` (following the parent of the versions in force)."""
    unit_version = apps.get_model("registry", "UnitVersion")
    found = {unit_id}
    current: int | None = unit_id
    for _step in range(100):  # a tree is never this deep; guards against a cycle in bad data
        parent = (
            unit_version.objects.filter(unit_id=current, valid_from__lte=day, valid_to__gt=day)
            .values_list("parent_id", flat=True)
            .first()
        )
        if parent is None or parent in found:
            break
        found.add(parent)
        current = parent
    return found


def users_covering(unit: Any, roles: Iterable[str] = ()) -> QuerySet[Any]:
    """Active users with a grant (of one of ``roles``, or any role when empty) that covers ``unit`` (a
    Unit or its pk) today. A superuser counts as 编办管理员."""
    from bianzhi.accounts.models import RoleGrant  # accounts sits above core: imported when called

    user_model = get_user_model()
    unit_id = getattr(unit, "pk", unit)
    wanted = {str(role) for role in roles}
    grants = RoleGrant.objects.all()
    if wanted:
        grants = grants.filter(role__in=wanted)
    district_wide = grants.exclude(role=SCOPED_ROLE).values("user_id")
    scoped = grants.filter(role=SCOPED_ROLE, unit_id__in=_unit_ancestry(int(unit_id), today())).values("user_id")
    users = user_model.objects.filter(is_active=True)
    covering = users.filter(pk__in=district_wide) | users.filter(pk__in=scoped)
    if not wanted or ADMIN_ROLE in wanted:
        covering = covering | users.filter(is_superuser=True)
    return covering.distinct()


def users_with_roles(roles: Iterable[str]) -> QuerySet[Any]:
    """Active users holding any of ``roles`` (on any unit); superusers count as 编办管理员."""
    from bianzhi.accounts.models import RoleGrant

    user_model = get_user_model()
    wanted = {str(role) for role in roles}
    users = user_model.objects.filter(is_active=True)
    holding = users.filter(pk__in=RoleGrant.objects.filter(role__in=wanted).values("user_id"))
    if ADMIN_ROLE in wanted:
        holding = holding | users.filter(is_superuser=True)
    return holding.distinct()


def _local_url(url: str) -> str:
    """Only a path of this site (``/approvals/12/``): anything else is dropped (and logged), so a
    notification never links elsewhere."""
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url and len(url) <= URL_MAX:
        return url
    logger.warning("notification link dropped, not a local path: %r", url[:100])
    return ""


def email_configured() -> bool:
    """Whether an e-mail server is configured: ``EMAIL_HOST`` set in the settings (Django's default
    "localhost" alone does not count)."""
    return bool(getattr(settings, "EMAIL_HOST", "")) and bool(cast(Any, settings).is_overridden("EMAIL_HOST"))


def _send_emails(rows: list[tuple[str, str, str, str]]) -> None:
    site = str(getattr(settings, "BIANZHI_SITE_URL", "") or "").rstrip("/")
    for address, title, body, url in rows:
        text = body
        if url:
            text = f"{body}\n\n{site}{url}" if site else f"{body}\n\n（请登录平台查看：{url}）"
        try:
            send_mail(title, text.strip(), None, [address], fail_silently=False)
        except Exception:  # a mail server down must not undo the work that notified
            logger.exception("notification e-mail to %s failed", address)


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any] | None = None,
    unit: Any = None,
    roles: Iterable[str] = (),
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "",
    email: bool = False,
    exclude: Any = None,
) -> int:
    """Notify users; the number of notifications stored.

    The recipients are ``recipients`` (users), plus, with ``unit`` (a Unit or its pk), the active users
    whose grant covers it narrowed to ``roles``; with ``roles`` but no ``unit``, every active user holding
    one of them. Each user is notified once; ``exclude`` (a user, e.g. the one acting) is left out.
    ``url`` must be a path of this site. With ``email=True`` they are also e-mailed when a server is
    configured (after the commit)."""
    title = " ".join((title or "").split())[:TITLE_MAX]
    if not title:
        raise ValueError("通知标题不能为空")
    roles = tuple(roles)
    users: dict[int, Any] = {}
    for user in recipients or ():
        if user is not None and getattr(user, "is_active", True) and user.pk is not None:
            users.setdefault(user.pk, user)
    if unit is not None:
        for user in users_covering(unit, roles):
            users.setdefault(user.pk, user)
    elif roles:
        for user in users_with_roles(roles):
            users.setdefault(user.pk, user)
    if exclude is not None:
        users.pop(getattr(exclude, "pk", exclude), None)
    if not users:
        return 0
    link = _local_url(url)
    Notification.objects.bulk_create(
        [Notification(user_id=pk, kind=kind[:32], title=title, body=body, url=link) for pk in sorted(users)]
    )
    if email and email_configured():
        rows = [(u.email, title, body, link) for u in users.values() if getattr(u, "email", "")]
        if rows:
            transaction.on_commit(lambda: _send_emails(rows))
    return len(users)


def _pk(user: Any) -> int:
    """The user's pk, 0 (nobody) for an anonymous user or ``None``."""
    return int(getattr(user, "pk", None) or 0)


def unread(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user_id=_pk(user), read_at__isnull=True)


def unread_count(user: Any) -> int:
    """The number of the user's unread notifications (0 for an anonymous user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return unread(user).count()


def for_user(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each."""
    rows = Notification.objects.filter(user_id=_pk(user))
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    unread_first = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    return rows.annotate(unread_first=unread_first).order_by("unread_first", "-created_at", "-id")


@transaction.atomic
def mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications ``ids`` (all when ``None``) read; the number newly marked. Another
    user's notification is never touched."""
    rows = unread(user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
