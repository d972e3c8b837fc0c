"""Reads of a person's page and the people search (domain.md §11): each through the permission
choke point, every value derived from the ID number masked per role.

A person is found by the opaque id of their page (``person_ref``), never by their number. A user
sees the periods of the person that lie in their scope; a person with none is not found — the
same answer as a ref that names nobody.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bianzhi.accounts.permissions import Action, can, id_for, restrict, sees_full_id
from bianzhi.accounts.privacy import (
    is_full_number,
    person_pk,
    sees_every_number,
    shown_age,
    shown_birth_date,
    shown_month,
    shown_text,
)
from bianzhi.core.dates import BEGINNING, END
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry.models import Person, PersonVersion
from bianzhi.web.pinyin import name_sort_key

#: The change log's entity of a person record (keyed by the ID number).
PERSON_ENTITY = "人员"
#: Digits typed into the people search that are not a whole number: part of one (never searched).
_PARTIAL_NUMBER = re.compile(r"[0-9]{4,17}[0-9Xx]?")


def person_url(ref: str, day: dt.date) -> str:
    return reverse("web:person_detail", args=[ref]) + f"?as_of={day.isoformat()}"


def partial_number(text: str) -> bool:
    """Whether a search text looks like part of an ID number (a hint says it is not searched)."""
    text = text.strip()
    return bool(_PARTIAL_NUMBER.fullmatch(text)) and not is_full_number(text)


# ---------------------------------------------------------------- the person page


@dataclass
class PersonPage:
    """What the user may see of a person: their periods in the user's scope (oldest first), the
    period in force on the day viewed (``current``, ``None`` when they had none in scope then) and
    the latest one (for the heading)."""

    person: Person
    ref: str
    versions: list[PersonVersion]
    current: PersonVersion | None

    @property
    def latest(self) -> PersonVersion:
        return self.versions[-1]

    @property
    def shown(self) -> PersonVersion:
        return self.current or self.latest


def person_page(*, user: Any, ref: str, day: dt.date) -> PersonPage | None:
    """The person behind ``ref`` as ``user`` may see them, or ``None`` — for a ref that is not one,
    a person who does not exist and a person none of whose periods lie in the user's scope alike."""
    pk = person_pk(ref)
    if pk is None:
        return None
    versions = list(
        restrict(PersonVersion.objects.filter(person_id=pk), user, Action.VIEW)
        .select_related("person", "unit", "change_set")
        .order_by("valid_from")
    )
    if not versions:
        return None
    current = next((v for v in versions if v.valid_from <= day < v.valid_to), None)
    return PersonPage(person=versions[0].person, ref=ref, versions=versions, current=current)


def person_summary(*, user: Any, page: PersonPage, day: dt.date, unit_names: dict[int, str]) -> dict[str, Any]:
    """The heading of the page: the person as of the day (or their latest period in scope), the ID
    number, birth date, age and retirement months masked per role (domain.md §11)."""
    version = page.shown
    whole = sees_full_id(user, version.unit_id)
    return {
        "name": version.name,
        "id_number": id_for(user, page.person.id_number, version.unit_id),
        "gender": version.gender,
        "birth_date": shown_birth_date(version.birth_date, whole=whole),
        "age": shown_age(version.birth_date, day, whole=whole),
        "unit_code": version.unit.code,
        "unit_name": unit_names.get(version.unit_id, version.unit.code),
        "staffing_type": version.staffing_type,
        "category": version.category,
        "post": version.post,
        "position_category": version.position_category,
        "status": version.status_on(day),
        "on_staff": version.is_on_staff(day),
        "entry_date": version.entry_date,
        "left_date": version.left_on if version.left_on and version.left_on <= day else None,
        "retirement_month": shown_month(version.retirement_month, whole=whole),
        "approved_retirement_month": shown_month(version.approved_retirement_month, whole=whole),
        "whole": whole,
        "in_force": page.current is not None,
    }


def person_periods(*, user: Any, page: PersonPage, day: dt.date, unit_names: dict[int, str]) -> list[dict[str, Any]]:
    """Every period of the person in the user's scope, newest first: unit, staffing type, status,
    post and position category, with the change set's 文号 and reason (ID numbers in them masked
    for those who do not see every number)."""
    free_text_whole = sees_every_number(user)
    rows = []
    for version in reversed(page.versions):
        change_set: ChangeSet | None = version.change_set
        rows.append(
            {
                "valid_from": None if version.valid_from == BEGINNING else version.valid_from,
                "valid_to": None if version.valid_to == END else version.valid_to,
                "current": version.valid_from <= day < version.valid_to,
                "unit_code": version.unit.code,
                "unit_name": unit_names.get(version.unit_id, version.unit.code),
                "staffing_type": version.staffing_type,
                "category": version.category,
                "status": version.get_status_display(),
                "post": version.post,
                "position_category": version.position_category,
                "document_number": shown_text(change_set.document_number, whole=free_text_whole) if change_set else "",
                "reason": shown_text(change_set.reason, whole=free_text_whole) if change_set else "",
            }
        )
    return rows


def person_alerts(alert_rows: list[dict[str, Any]], ref: str) -> list[dict[str, Any]]:
    """The alerts of the day (already scoped and masked, ``web.selectors.day_alerts``) naming the person."""
    return [row for row in alert_rows if row.get("person_ref") == ref]


def person_change_records(*, user: Any, page: PersonPage) -> QuerySet[ChangeRecord]:
    """The change log's records about the person (entity 人员, keyed by their number), for the
    roles that read the change log; none for the others."""
    qs = ChangeRecord.objects.filter(entity=PERSON_ENTITY, key=page.person.id_number)
    return (
        restrict(qs, user, Action.VIEW_CHANGELOG)
        .select_related("change_set", "change_set__user")
        .order_by("-change_set__created_at", "-pk")
    )


def person_change_rows(*, user: Any, page: PersonPage) -> list[dict[str, Any]]:
    from bianzhi.web.listings import change_difference

    if not can(user, Action.VIEW_CHANGELOG):
        return []
    whole = sees_every_number(user)
    rows = []
    for record in person_change_records(user=user, page=page)[:200]:
        change_set = record.change_set
        actor = change_set.actor or (change_set.user.get_username() if change_set.user_id and change_set.user else "")
        rows.append(
            {
                "time": change_set.created_at,
                "actor": actor,
                "source": ChangeSet.Source(change_set.source).label,
                "action": ChangeRecord.Action(record.action).label,
                "document_number": shown_text(change_set.document_number, whole=whole),
                "reason": shown_text(change_set.reason, whole=whole),
                "difference": change_difference(record.before, record.after, whole=whole),
            }
        )
    return rows


# ---------------------------------------------------------------- the people search in pinyin order


def visible_person_ids(*, user: Any, person_ids: set[int]) -> set[int]:
    """Which of these people the user may open (some period of theirs lies in the user's scope)."""
    if not person_ids:
        return set()
    qs = PersonVersion.objects.filter(person_id__in=person_ids)
    return set(restrict(qs, user, Action.VIEW).values_list("person_id", flat=True))


def openable_refs(*, user: Any, refs: set[str]) -> set[str]:
    """Which of these person refs name someone the user may open (the alerts table links them)."""
    pks = {ref: person_pk(ref) for ref in refs if ref}
    visible = visible_person_ids(user=user, person_ids={pk for pk in pks.values() if pk is not None})
    return {ref for ref, pk in pks.items() if pk in visible}


class PinyinOrdered:
    """A person list in pinyin order of the names, for the paginator: the whole list is read as
    (pk, name) pairs and sorted in Python (a cached key per name), and only the rows of the page
    asked for are read in full and turned into rows."""

    def __init__(
        self, queryset: QuerySet[PersonVersion], to_row: Callable[[PersonVersion], dict[str, Any]], *, descending: bool
    ) -> None:
        pairs = list(queryset.values_list("pk", "name", "person_id"))
        pairs.sort(key=lambda p: (name_sort_key(p[1]), p[2]), reverse=descending)
        self.pks = [p[0] for p in pairs]
        self.queryset = queryset
        self.to_row = to_row

    def __len__(self) -> int:
        return len(self.pks)

    def _rows(self, pks: list[int]) -> list[dict[str, Any]]:
        items = self.queryset.model.objects.select_related("person", "unit").in_bulk(pks)
        return [self.to_row(items[pk]) for pk in pks if pk in items]

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        return self._rows(self.pks[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self.pks), 2000):
            yield from self._rows(self.pks[start : start + 2000])


# ---------------------------------------------------------------- the searchable unit picker


class UnitPicker(forms.TextInput):
    """A text box with a ``<datalist>`` of the user's units: the browser searches the list as the
    user types a name or code (no 484-option select); the value sent is the unit's code."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.options: list[tuple[str, str]] = []

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or name}-options"
        box = super().render(name, value, {**attrs, "list": list_id, "autocomplete": "off"}, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', self.options)
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)
