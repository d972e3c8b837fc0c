"""The client's real address, behind as many trusted reverse proxies as ``settings.TRUSTED_PROXIES`` says.

Each trusted proxy appends the address it received the request from to ``X-Forwarded-For`` (nginx's
``proxy_add_x_forwarded_for``), so with N trusted hops the client is the N-th entry counted from the
right; whatever a client wrote into the header itself stands further left and is never read. With no
trusted proxy (the default) the header is ignored altogether and ``REMOTE_ADDR`` is the client, so a
client cannot choose the address its failed logins are counted against (django-axes calls
:func:`client_address` through ``AXES_CLIENT_IP_CALLABLE``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _address(text: str) -> str | None:
    """``text`` as a normalised IP address (a port or IPv6 brackets removed), or ``None``."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.5:51000
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: Any) -> str | None:
    """The address of the client that sent ``request`` (see the module's doc), ``None`` if unknown."""
    meta = getattr(request, "META", {})
    remote = _address(str(meta.get("REMOTE_ADDR", "")))
    hops = int(getattr(settings, "TRUSTED_PROXIES", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [entry for entry in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if entry.strip()]
    if len(forwarded) < hops:
        # Fewer entries than trusted proxies: the request did not come through all of them (or one is
        # misconfigured); the nearest sender is the best that can be trusted.
        return remote
    return _address(forwarded[-hops]) or remote
