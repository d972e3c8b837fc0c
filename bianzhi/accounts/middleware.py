"""Keeps a session that still owes its second factor (bianzhi/accounts/two_factor.py) on the second step.

Installed right after django-otp's ``OTPMiddleware``. Every page, the admin included, redirects such a
session to the verification page (or, without a confirmed authenticator, to the enrolment page), with the
page it asked for as ``next``; only those two pages, logging out and the static files stay open. The API
answers such a session itself (``bianzhi/api/auth.py``: 403 ``otp_required``), and API tokens never
need a second factor.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from bianzhi.accounts import two_factor

VERIFY_URL = "web:account:verify"
ENROL_URL = "web:account:two_factor"
OPEN_URLS = (VERIFY_URL, ENROL_URL, "web:logout")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._held(request):
            return self._second_step(request)
        return self.get_response(request)

    @staticmethod
    def _held(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith("/api/") or path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return False
        if path in {reverse(name) for name in OPEN_URLS}:
            return False
        return two_factor.pending(request)

    @staticmethod
    def _second_step(request: HttpRequest) -> HttpResponse:
        name = VERIFY_URL if two_factor.confirmed_device(request.user) is not None else ENROL_URL
        target = reverse(name)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):  # an htmx partial: make the browser load the whole page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
