"""The auditor's page of the change log's hash chain: /changes/verify/ recomputes the chain
(core/chain.py, as ``bianzhi audit verify`` does) and shows whether it is intact, or the first
change set whose stored values no longer give its digest. For the roles that read the change log
(``Action.VIEW_CHANGELOG``: 审计员, 编办业务人员, 编办管理员); every other role is refused (403).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bianzhi.accounts.permissions import Action, can
from bianzhi.core.chain import verify
from bianzhi.web.selectors import user_grants

app_name = "audit"


@require_GET
def chain_verify(request: HttpRequest) -> HttpResponse:
    """Recompute the chain now and show the result, the number checked and the time taken."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, Action.VIEW_CHANGELOG):
        raise PermissionDenied(_("Only the roles that read the change log may verify it."))
    result = verify()
    context = {
        "nav": "home",
        "grants": user_grants(user=request.user),
        "title": _("Change log verification"),
        "result": result,
        "first": result.broken[0] if result.broken else None,
    }
    return render(request, "web/audit/verify.html", context)


urlpatterns = [
    path("verify/", chain_verify, name="verify"),
]
