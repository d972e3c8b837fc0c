"""A problem's free text as a reader sees it (domain.md §11).

Text is masked like every free text (``shown_text``: ID numbers). A problem raised from an alert
quotes the alert's message, which may name a month derived from a person's birth date (a retirement
month): for a masked role that month is shown as its year, and text that would give it away during
its own year is withheld — the rule the alerts page follows (``web.selectors.shown_alert_text``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bianzhi.accounts.privacy import shown_text

#: alert data keys holding a month derived from a birth date
BIRTH_DERIVED_KEYS = ("retirement_month",)
WITHHELD = "（含个人出生信息，已隐藏）"


def shown_problem_text(problem: Any, text: str, *, whole: bool, day: dt.date) -> str:
    if whole or not text:
        return text
    alert = getattr(problem, "alert", None)
    derived: list[str] = []
    if alert is not None:
        data = alert.data or {}
        for key in BIRTH_DERIVED_KEYS:
            month = str(data.get(key) or "")
            if len(month) >= 7 and month[:4].isdigit():
                if int(month[:4]) >= day.year:
                    return WITHHELD if month[:7] in text else shown_text(text, whole=False)
                derived.append(month[:7])
        person = str(alert.person or "")
        if len(person) == 18 and person[6:14].isdigit():
            birth = person[6:14]
            derived += [f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", f"{birth[:4]}-{birth[4:6]}"]
    for value in derived:
        text = re.sub(rf"(?<![0-9]){re.escape(value)}(?![0-9])(?!-[0-9])", value[:4], text)
    return shown_text(text, whole=False)
