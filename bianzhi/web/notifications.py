"""通知 pages: the user's own notifications, unread first (bianzhi/core/notifications.py).

Every logged-in user sees only their own. Opening one marks it read and goes to its page; "mark all
read" marks every unread one. Free text goes through ``shown_text`` for the roles that see ID numbers
masked (domain.md §11), whatever the sender wrote.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bianzhi.accounts.privacy import sees_every_number, shown_text
from bianzhi.core.models import Notification
from bianzhi.core.notifications import for_user, mark_read, unread_count
from bianzhi.web.selectors import user_grants

app_name = "notifications"

PAGE_SIZE = 50


def _row(notification: Notification, whole: bool) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": shown_text(notification.title, whole=whole),
        "body": shown_text(notification.body, whole=whole),
        "url": notification.url,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = for_user(request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    whole = sees_every_number(request.user)
    context = {
        "nav": "notifications",
        "grants": user_grants(user=request.user),
        "title": _("Notifications"),
        "page": page,
        "rows": [_row(n, whole) for n in page.object_list],
        "unread_only": unread_only,
        "unread": unread_count(request.user),
    }
    return render(request, "web/notifications/list.html", context)


def _back(request: HttpRequest) -> str:
    target = str(request.POST.get("next", ""))
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/notifications/"


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Mark one of the user's notifications read; with ``open=1`` go to its page."""
    notification = Notification.objects.filter(pk=pk, user_id=request.user.pk or 0).first()
    if notification is None:  # another user's notification is not found, like one that does not exist
        raise Http404(_("No such notification."))
    mark_read(user=request.user, ids=[notification.pk])
    if request.POST.get("open") == "1" and notification.url:
        return redirect(notification.url)
    return redirect(_back(request))


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponseBase:
    mark_read(user=request.user)
    return redirect(_back(request))


urlpatterns = [
    path("", notification_list, name="notification_list"),
    path("<int:pk>/read/", notification_read, name="notification_read"),
    path("read-all/", notification_read_all, name="notification_read_all"),
]
