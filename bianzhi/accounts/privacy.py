"""What a masked role may learn about a person (domain.md §11), in one place for every door.

A role that does not see a person's ID number whole never learns a hidden digit by any road:

* **no value derived from the birth date finer than the year** — :func:`shown_age` is the age in
  whole years as of 1 January of the day viewed (sweeping ``as_of`` through a year changes
  nothing); :func:`shown_month` gives a retirement month as its year only;
* **opaque person ids** — :func:`person_ref` turns a person's primary key into a token that says
  nothing about the number, nor about the order people were stored in (SM4 under a key derived
  from ``SECRET_KEY``); :func:`person_pk` turns it back. Pages and links use it, never the number;
* **full-number searches are rate-limited and logged** — :func:`record_full_number_search`,
  called by every search that is given a whole 18-character number by such a user, stores an
  :class:`~bianzhi.accounts.models.IdNumberLookup` row and raises :class:`LookupLimitExceeded`
  past ``BIANZHI_ID_LOOKUP_LIMIT`` (default 20) searches in the last hour.

``sees_full_id(user, unit)`` (bianzhi.accounts.permissions) decides who is masked; the helpers
here take its answer as ``whole``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import re
from typing import Any

from django.conf import settings
from django.utils import timezone

from bianzhi.accounts.models import IdNumberLookup
from bianzhi.accounts.permissions import Action, mask_id_number, scope

_FULL_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]")
_MAGIC = b"bzp1"
#: an ID number inside free text: 17 digits and a check character not glued to more digits
_ANY_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


# ---------------------------------------------------------------- derived from the birth date


def exact_age(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def shown_age(birth: dt.date, day: dt.date, *, whole: bool) -> int:
    """The age a user sees: exact on ``day`` when they see the number whole, else as of 1 January
    of ``day``'s year (which depends on the birth year alone, give or take a New Year's birthday)."""
    return exact_age(birth, day if whole else dt.date(day.year, 1, 1))


def shown_month(month: dt.date | None, *, whole: bool) -> str:
    """A month derived from the birth date (a retirement month): ``YYYY-MM`` when the user sees the
    number whole, ``YYYY`` otherwise, ``""`` when there is none."""
    if month is None:
        return ""
    return month.strftime("%Y-%m") if whole else month.strftime("%Y")


def shown_birth_date(birth: dt.date | None, *, whole: bool) -> dt.date | None:
    """The birth date is eight of the hidden digits: only for users who see the number whole."""
    return birth if whole else None


# ---------------------------------------------------------------- opaque person ids


@functools.lru_cache(maxsize=4)
def _cipher_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"bianzhi person reference", hashlib.sha256).digest()[:16]


def _sm4(encrypt: bool, block: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.SM4(_cipher_key(settings.SECRET_KEY)), modes.ECB())  # nosec B305 # one 16-byte block: ECB is exactly the block cipher
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(block) + op.finalize()


def person_ref(pk: int) -> str:
    """The opaque id of the person with primary key ``pk`` (26 lowercase letters and digits)."""
    block = _MAGIC + int(pk).to_bytes(12, "big")
    return base64.b32encode(_sm4(True, block)).decode().rstrip("=").lower()


def person_pk(ref: str) -> int | None:
    """The primary key behind an opaque id, or ``None`` for anything that is not one."""
    if len(ref) != 26 or not ref.isascii() or not ref.isalnum():
        return None
    try:
        block = _sm4(False, base64.b32decode(ref.upper() + "======"))
    except (binascii.Error, ValueError):
        return None
    if block[:4] != _MAGIC:
        return None
    return int.from_bytes(block[4:], "big")


# ---------------------------------------------------------------- full-number searches


class LookupLimitExceeded(Exception):
    """Too many full-number searches in the last hour (the message is the Chinese refusal)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"按完整身份证号查询过于频繁：每小时最多 {limit} 次，请稍后再试")


def is_full_number(text: str) -> bool:
    return bool(_FULL_NUMBER.fullmatch(text.strip()))


def lookups_limited(user: Any) -> bool:
    """Whether ``user``'s full-number searches are counted: everyone who does not see every
    number in the district whole (leaders, inspectors, auditors, unit HR officers)."""
    return not scope(user, Action.VIEW_FULL_ID).everything


def lookup_limit() -> int:
    return int(getattr(settings, "ID_LOOKUP_LIMIT", 20))


def record_full_number_search(user: Any, text: str, *, door: str, origin: str = "", found: bool = False) -> None:
    """Log a search for ``text`` when it is a whole ID number and ``user``'s searches are counted;
    raise :class:`LookupLimitExceeded` (logging the refused attempt) once the last hour's searches
    reach the limit. Call it before running the search; ``found`` can be left ``False``."""
    if not is_full_number(text) or not lookups_limited(user):
        return
    number = text.strip().upper()
    limit = lookup_limit()
    since = timezone.now() - dt.timedelta(hours=1)
    recent = IdNumberLookup.objects.filter(user_id=user.pk, at__gte=since, refused=False).count()
    refused = recent >= limit
    IdNumberLookup.objects.create(
        user_id=user.pk, door=door[:64], origin=origin[:200], number=number, found=found, refused=refused
    )
    if refused:
        raise LookupLimitExceeded(limit)


def client_origin(request: Any) -> str:
    """The address a request came from, as the change log records it."""
    from bianzhi.accounts.addresses import client_address

    return (client_address(request) or "")[:200]


# ---------------------------------------------------------------- free text


def sees_every_number(user: Any) -> bool:
    """Whether ``user`` sees every ID number in the district whole (administrators and staffing
    officers); free text shown to anyone else is masked (:func:`shown_text`)."""
    return scope(user, Action.VIEW_FULL_ID).everything


def shown_text(text: str, *, whole: bool) -> str:
    """Free text (a reason, a message, a file name) as a user sees it: every ID-number-like run of
    18 characters masked unless ``whole`` — a reason that quotes a number must not give it away."""
    if whole or not text:
        return text
    return _ANY_NUMBER.sub(lambda m: mask_id_number(m.group(0).upper()), text)
