"""The pages' permission matrix (domain.md §11), generated: every page and every Excel export of
every table on it × every persona (编办管理员, 编办业务人员, 单位人事干部 of A, 单位人事干部 of B, 领导,
检查人员, 审计员, a user without a role, and nobody logged in).

Allowed personas get 200 (an .xlsx for an export); a unit HR officer who opens another unit's page or
export by URL gets 404 (its existence is not disclosed); any other refusal is 403; without a login
every page redirects to the login page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import PERSONA_ROLES
from django.test import Client

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EVERY_ROLE = frozenset({"admin", "officer", "hr_a", "hr_b", "leader", "inspector", "auditor"})
LOG_READERS = frozenset({"admin", "officer", "auditor"})
SEES_A = EVERY_ROLE - {"hr_b"}
SEES_B = EVERY_ROLE - {"hr_a"}
LOGGED_IN = EVERY_ROLE | {"nobody"}

UNIT_TABLES = ("staffing", "positions", "loans", "people", "alerts", "suspensions", "versions")


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    allowed: frozenset[str]
    hidden: frozenset[str] = frozenset()  # refused with 404 rather than 403

    @property
    def is_export(self) -> bool:
        return "export=" in self.url


def _unit_targets(code: str, sees: frozenset[str], other_hr: str) -> list[Target]:
    base = f"/units/{code}/?as_of=2026-06-30"
    hidden = frozenset({other_hr})
    targets = [Target(f"unit_{code}", base, sees, hidden)]
    targets += [Target(f"unit_{code}-export_{t}", f"{base}&export={t}", sees, hidden) for t in UNIT_TABLES]
    targets.append(Target(f"unit_{code}-export_changes", f"{base}&export=changes", LOG_READERS, hidden))
    return targets


TARGETS: list[Target] = [
    Target("home", "/", LOGGED_IN),
    Target("home-export_figures", "/?export=figures", EVERY_ROLE),
    Target("home-export_alerts", "/?export=alerts", EVERY_ROLE),
    Target("unit_list", "/units/", EVERY_ROLE),
    Target("unit_list-export_units", "/units/?export=units", EVERY_ROLE),
    Target("unit_list-filtered", "/units/?sequence=政府&colour=red&as_of=2026-06-30", EVERY_ROLE),
    *_unit_targets("A", SEES_A, "hr_b"),
    Target("unit_A-01", "/units/A-01/", SEES_A, frozenset({"hr_b"})),
    Target("unit_AS", "/units/AS/", SEES_A, frozenset({"hr_b"})),
    *_unit_targets("B", SEES_B, "hr_a"),
    Target("unit_BS-export_people", "/units/BS/?export=people", SEES_B, frozenset({"hr_a"})),
    Target("unit_missing", "/units/NOPE/", frozenset(), frozenset(EVERY_ROLE)),
    Target("unit_children_A", "/units/A/children/?as_of=2026-06-30", SEES_A, frozenset({"hr_b"})),
    Target("unit_children_BS", "/units/BS/children/", SEES_B, frozenset({"hr_a"})),
    Target("unit_children_missing", "/units/NOPE/children/", frozenset(), frozenset(EVERY_ROLE)),
    Target("person_list", "/people/", EVERY_ROLE),
    Target("person_list-search", "/people/?q=张三", EVERY_ROLE),
    Target("person_list-export_people", "/people/?export=people", EVERY_ROLE),
    Target("alert_list", "/alerts/?as_of=2026-06-30", EVERY_ROLE),
    Target("alert_list-export_alerts", "/alerts/?as_of=2026-06-30&export=alerts&severity=高", EVERY_ROLE),
    Target("alert_list-live", "/alerts/?as_of=2026-05-31", EVERY_ROLE),
]


def expected_status(target: Target, persona: str) -> int:
    if persona == "anonymous":
        return 302
    if persona in target.allowed:
        return 200
    if persona in target.hidden:
        return 404
    return 403


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_page_is_allowed_and_refused_by_role(personas, target: Target):
    failures = []
    for name in PERSONA_ROLES:
        client = Client()
        persona = personas[name]
        if persona.user is not None:
            client.force_login(persona.user, backend=BACKEND)
        response = client.get(target.url)
        expected = expected_status(target, name)
        if response.status_code != expected:
            failures.append(f"{name}: {response.status_code}, expected {expected}")
            continue
        if expected == 302:
            assert response["Location"].startswith("/login/?next="), response["Location"]
        elif expected == 200 and target.is_export:
            assert response["Content-Type"] == XLSX
            assert response.content[:2] == b"PK"
        elif expected == 200:
            assert response["Content-Type"].startswith("text/html")
    assert not failures, f"{target.name}: " + "; ".join(failures)


def test_every_page_and_table_is_in_the_matrix():
    """A new page or table must be added to the matrix above."""
    from django.urls import get_resolver

    from bianzhi.web import listings

    names = {p.name for p in get_resolver("bianzhi.web.urls").url_patterns if getattr(p, "name", None)}
    covered = {
        "home",
        "login",
        "logout",
        "unit_list",
        "unit_detail",
        "unit_children",
        "person_list",
        "person_detail",
        "alert_list",
    }
    # The browser import pages have their own matrix (tests/web/test_imports.py).
    assert {n for n in names if not n.startswith("import")} <= covered
    tables = {cls.name for cls in listings.UNIT_PAGE_TABLES}
    assert tables == {*UNIT_TABLES, "changes"}


#: A person's page (issue 16) by the opaque ref of someone in A, in B, and of nobody.
PERSON_TARGETS = [
    ("PA", SEES_A, frozenset({"hr_b"})),
    ("PB", SEES_B, frozenset({"hr_a"})),
    ("", frozenset(), EVERY_ROLE),
]


@pytest.mark.parametrize(("key", "allowed", "hidden"), PERSON_TARGETS, ids=["person_A", "person_B", "person_missing"])
def test_a_persons_page_is_allowed_and_refused_by_role(personas, key, allowed, hidden):
    from conftest import PEOPLE

    from bianzhi.accounts.privacy import person_ref
    from bianzhi.registry.models import Person

    pk = Person.objects.get(id_number=PEOPLE[key]["身份证号"]).pk if key else 0
    target = Target(f"person_{key}", f"/people/{person_ref(pk)}/?as_of=2026-06-30", allowed, frozenset(hidden))
    test_page_is_allowed_and_refused_by_role(personas, target)
