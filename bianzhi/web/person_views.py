"""A person is a page (issue 16): ``/people/<ref>/`` at the opaque id of ``person_ref`` — never the
ID number (domain.md §11). The person as of the day viewed, every period of theirs in the user's
scope, their retirement months, the alerts that name them and the change log's records about them,
masked per role. A ref that names nobody and a person outside the user's scope answer alike (404).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from bianzhi.accounts.permissions import Action, can
from bianzhi.core.dates import today
from bianzhi.web import people, selectors
from bianzhi.web.views import Page


class PersonDetailView(Page):
    template_name = "web/person_detail.html"
    nav = "people"

    def context(self) -> dict[str, Any]:
        user = self.request.user
        ref = self.kwargs["ref"]
        page = people.person_page(user=user, ref=ref, day=self.day)
        if page is None:
            raise Http404(_("No such person, or not one you may see."))
        unit_names = selectors.unit_names_as_of({v.unit_id for v in page.versions}, self.day)
        summary = people.person_summary(user=user, page=page, day=self.day, unit_names=unit_names)
        alerts = selectors.day_alerts(user=user, day=self.day)
        return {
            "title": summary["name"],
            "ref": ref,
            "person": summary,
            "periods": people.person_periods(user=user, page=page, day=self.day, unit_names=unit_names),
            "person_alerts": people.person_alerts(alerts.rows, ref),
            "sees_changelog": can(user, Action.VIEW_CHANGELOG),
            "changes": people.person_change_rows(user=user, page=page),
            "may_correct": can(user, Action.CHANGE_PEOPLE, page.shown.unit),
            # the procedures (issue 14): 离编 of a person on staff today, 核销 of one who left
            "may_leave": page.latest.is_on_staff(today())
            and can(user, Action.REQUEST_STAFFING, page.latest.unit)
            and can(user, Action.CHANGE_PEOPLE, page.latest.unit),
            "may_write_off": not page.latest.is_on_staff(today())
            and page.latest.left_on is not None
            and page.latest.written_off_date is None
            and can(user, Action.WRITE_OFF, page.latest.unit),
        }
