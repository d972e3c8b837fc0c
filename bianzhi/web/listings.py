"""The tables of the pages and their filters (django-filter). Each reads through a selector of
``bianzhi.web.selectors`` (scoped by the permission choke point) and masks ID numbers in its rows."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bianzhi.accounts.permissions import Action, can
from bianzhi.accounts.privacy import (
    LookupLimitExceeded,
    client_origin,
    record_full_number_search,
    sees_every_number,
    shown_text,
)
from bianzhi.core.dates import END
from bianzhi.core.models import ChangeRecord, ChangeSet
from bianzhi.registry import selectors as registry
from bianzhi.registry.choices import (
    LoanStatus,
    PersonCategory,
    PersonStatus,
    PositionCategory,
    Sequence,
    StaffingType,
    UnitKind,
)
from bianzhi.registry.models import PersonVersion, Suspension, TurnoverLoan, UnitVersion
from bianzhi.supervision.models import Alert, Severity
from bianzhi.web import selectors
from bianzhi.web.tables import Column, FilterSet, Row, Table, rows_matching

COLOUR_LABELS = {
    "red": _("Red (high)"),
    "yellow": _("Yellow (medium)"),
    "blue": _("Blue (low)"),
    "green": _("Green (none)"),
}
SEVERITY_RANK = selectors.SEVERITY_RANK


def _set_choices(filterset: FilterSet, name: str, choices: list[tuple[str, str]]) -> None:
    field = filterset.form.fields[name]
    field.choices = [("", field.choices[0][1] if list(field.choices) else "---"), *choices]  # type: ignore[attr-defined]


def unit_url(code: str, day: Any) -> str:
    return reverse("web:unit_detail", args=[code]) + f"?as_of={day.isoformat()}"


# ---------------------------------------------------------------- units (the tree browser)


class UnitFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="filter_q")
    sequence = django_filters.ChoiceFilter(
        label=_("Sequence"), choices=Sequence.choices, empty_label=_("All sequences")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=UnitKind.choices, empty_label=_("All kinds"))
    region = django_filters.ChoiceFilter(label=_("Division"), choices=[], empty_label=_("All divisions"))
    colour = django_filters.ChoiceFilter(
        label=_("Alert colour"),
        choices=list(COLOUR_LABELS.items()),
        empty_label=_("All colours"),
        method="filter_colour",
    )

    class Meta:
        model = UnitVersion
        fields: list[str] = []

    colours: dict[str, str] = {}

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(name__icontains=value.strip()) | Q(unit__code__iexact=value.strip()))

    def filter_colour(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == selectors.GREEN:
            return queryset.exclude(unit__code__in=list(self.colours))
        return queryset.filter(unit__code__in=[code for code, colour in self.colours.items() if colour == value])


class UnitTreeTable(Table):
    """The unit tree as of D: each visible unit in tree order, indented under its parent, with its
    own figures (summed per type, never netted) and the colour of its alerts."""

    name = "units"
    title = _("Units")
    filterset_class = UnitFilter
    per_page = 50
    columns = [
        Column("name", _("Unit"), order="tree", kind="tree", link="url"),
        Column("code", _("Code"), order="code"),
        Column("kind", _("Kind"), order="kind"),
        Column("sequence", _("Sequence"), order="sequence"),
        Column("region_label", _("Division"), order="region"),
        Column("approved", _("Approved"), order="approved", kind="number"),
        Column("actual", _("Actual"), order="actual", kind="number"),
        Column("vacancy", _("Vacancy"), order="vacancy", kind="number"),
        Column("over", _("Over"), order="over", kind="number"),
        Column("suspended", _("Suspended"), order="suspended", kind="bool"),
        Column("colour", _("Alerts"), order="colour_rank", kind="colour"),
    ]

    def source(self) -> QuerySet[UnitVersion]:
        return selectors.unit_tree_versions(user=self.user, day=self.day)

    @cached_property
    def alerts(self) -> selectors.DayAlerts:
        return self.context.get("alerts") or selectors.day_alerts(user=self.user, day=self.day)

    def prepare_filterset(self, filterset: FilterSet) -> None:
        _set_choices(filterset, "region", selectors.region_choices(user=self.user, day=self.day))
        filterset.colours = self.alerts.colours()  # type: ignore[attr-defined]

    def after_filter(self, items: QuerySet[Any]) -> list[Row]:
        order = selectors.tree_order(user=self.user, day=self.day)
        figures = registry.unit_figures(self.day)
        colours = self.alerts.colours()
        regions = selectors.division_names()
        suspended = selectors.suspended_unit_ids(user=self.user, day=self.day)
        ranks = {"red": 3, "yellow": 2, "blue": 1, "green": 0}
        rows = []
        for version in items:
            position, depth = order.get(version.unit_id, (len(order), 0))
            unit = figures.get(version.unit_id)
            staffing = unit.staffing.values() if unit else []
            colour = colours.get(version.unit.code, selectors.GREEN)
            rows.append(
                {
                    "tree": position,
                    "depth": depth,
                    "name": version.name,
                    "url": unit_url(version.unit.code, self.day),
                    "code": version.unit.code,
                    "kind": version.kind,
                    "sequence": version.sequence,
                    "region": version.region,
                    "region_label": f"{version.region} {regions.get(version.region, '')}".strip(),
                    "approved": sum(f.approved for f in staffing),
                    "actual": sum(f.actual for f in staffing),
                    "vacancy": sum(f.vacancy for f in staffing),
                    "over": sum(f.over for f in staffing),
                    "suspended": version.unit_id in suspended,
                    "colour": colour,
                    "colour_label": COLOUR_LABELS[colour],
                    "colour_rank": ranks[colour],
                }
            )
        rows.sort(key=lambda r: r["tree"])
        return rows


# ---------------------------------------------------------------- people


class PersonFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or full ID number"), method="filter_q")
    unit = django_filters.ChoiceFilter(label=_("Unit"), field_name="unit__code", choices=[], empty_label=_("All units"))
    staffing_type = django_filters.ChoiceFilter(
        label=_("Staffing type"), choices=StaffingType.choices, empty_label=_("All staffing types")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=PersonCategory.choices, empty_label=_("All categories")
    )
    position_category = django_filters.ChoiceFilter(
        label=_("Leader position"), choices=PositionCategory.choices, empty_label=_("All positions")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=PersonStatus.choices, empty_label=_("All statuses"), method="filter_status"
    )
    #: the day the table looks at (PersonTable.prepare_filterset): a person's status is dated
    day: dt.date | None = None

    class Meta:
        model = PersonVersion
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(PersonVersion.with_status_on(self.day, value))

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(selectors.person_search_filter(value))


class PersonTable(Table):
    """People as of D (on a unit's page: those on staff there), ID numbers masked per role.

    For a user who sees some of them masked (domain.md §11), sorting by retirement month sorts on
    the year shown, and a search by a whole ID number is counted and logged
    (``record_full_number_search``): past the hour's limit the table is empty and says why."""

    name = "people"
    title = _("People")
    filterset_class = PersonFilter
    default_sort = ""
    columns = [
        Column("name", _("Full name"), order="name"),
        Column("id_number", _("ID number")),
        Column("gender", _("Gender"), order="gender"),
        Column("birth_date", _("Birth date"), kind="date"),
        Column("age", _("Age"), kind="number"),
        Column("unit_name", _("Unit"), order="unit__code", link="unit_url"),
        Column("staffing_type", _("Staffing type"), order="staffing_type"),
        Column("category", _("Category"), order="category"),
        Column("post", _("Post"), order="post"),
        Column("position_category", _("Leader position"), order="position_category"),
        Column("status", _("Status"), order="status"),
        Column("entry_date", _("Entry date"), order="entry_date", kind="date"),
        Column("retirement_month", _("Retirement month"), order="retirement_month"),
    ]

    def source(self) -> QuerySet[PersonVersion]:
        unit = self.context.get("unit")
        qs = selectors.person_list(user=self.user, day=self.day, unit=unit, on_staff=unit is not None)
        if self.refusal:
            qs = qs.none()
        if self.masked:
            qs = qs.annotate(retirement_year=ExtractYear("retirement_month"))
        return qs.order_by("unit__code", "name", "person_id")

    @cached_property
    def masked(self) -> bool:
        return selectors.masks_someone(self.user)

    @cached_property
    def refusal(self) -> str:  # type: ignore[override]
        """The Chinese refusal of a full-number search past the limit ("" when none)."""
        text = self.params.get(self.param("q"), "")
        try:
            record_full_number_search(self.user, text, door=self.request.path, origin=client_origin(self.request))
        except LookupLimitExceeded as refused:
            return str(refused)
        return ""

    def order_for(self, column: Column) -> str:
        if column.key == "retirement_month" and self.masked:
            return "retirement_year"  # the year the user sees, not the hidden month
        return column.order

    def prepare_filterset(self, filterset: FilterSet) -> None:
        filterset.day = self.day  # type: ignore[attr-defined]
        if self.context.get("unit") is not None:
            del filterset.form.fields["unit"]
        else:
            _set_choices(filterset, "unit", selectors.unit_choices(user=self.user, day=self.day))

    @cached_property
    def unit_names(self) -> dict[int, str]:
        return selectors.unit_names_as_of(selectors.visible_unit_ids(user=self.user), self.day)

    def to_row(self, item: PersonVersion) -> Row:
        row = selectors.person_row(user=self.user, version=item, day=self.day, unit_names=self.unit_names)
        row["unit_url"] = unit_url(item.unit.code, self.day)
        return row


# ---------------------------------------------------------------- alerts


class AlertFilter(FilterSet):
    rule = django_filters.ChoiceFilter(label=_("Rule"), choices=[], empty_label=_("All rules"))
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Severity.choices, empty_label=_("All severities")
    )
    unit = django_filters.CharFilter(label=_("Unit (code or name)"))
    sequence = django_filters.ChoiceFilter(
        label=_("Sequence"), choices=Sequence.choices, empty_label=_("All sequences")
    )

    class Meta:
        model = Alert
        fields: list[str] = []


class AlertTable(Table):
    """Alerts as of D (the latest stored run of that day, or evaluated on the spot)."""

    name = "alerts"
    title = _("Alerts")
    filterset_class = AlertFilter
    default_sort = "-severity"
    columns = [
        Column("severity", _("Severity"), order="severity_rank", kind="severity"),
        Column("rule_name", _("Rule"), order="rule"),
        Column("unit_name", _("Unit"), order="unit", link="unit_url"),
        Column("unit", _("Code"), order="unit"),
        Column("sequence", _("Sequence"), order="sequence"),
        Column("region", _("Division"), order="region"),
        Column("person", _("ID number")),
        Column("message", _("Message")),
    ]

    @cached_property
    def alerts(self) -> selectors.DayAlerts:
        return self.context.get("alerts") or selectors.day_alerts(user=self.user, day=self.day)

    def source(self) -> list[Row]:
        unit = self.context.get("unit")
        rows = []
        for index, alert in enumerate(self.alerts.rows):
            if unit is not None and alert["unit"] != unit.code:
                continue
            rows.append(
                {
                    **alert,
                    "index": index,
                    "severity_rank": SEVERITY_RANK.get(alert["severity"], 0),
                    "unit_url": unit_url(alert["unit"], self.day) if alert["unit"] else "",
                }
            )
        return rows

    def prepare_filterset(self, filterset: FilterSet) -> None:
        _set_choices(filterset, "rule", sorted(selectors.rule_names().items(), key=lambda item: item[0]))
        if self.context.get("unit") is not None:
            for name in ("unit", "sequence"):
                del filterset.form.fields[name]

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        rows = rows_matching(
            rows, rule=values.get("rule"), severity=values.get("severity"), sequence=values.get("sequence")
        )
        unit = (values.get("unit") or "").strip()
        if unit and any(r["unit"] == unit for r in self._source):
            rows = [r for r in rows if r["unit"] == unit]
        elif unit:
            rows = [r for r in rows if unit in r["unit_name"]]
        return rows


# ---------------------------------------------------------------- a unit's tables


class StaffingTypeFilter(FilterSet):
    staffing_type = django_filters.ChoiceFilter(
        label=_("Staffing type"), choices=StaffingType.choices, empty_label=_("All staffing types")
    )

    class Meta:
        model = TurnoverLoan
        fields: list[str] = []


_FIGURE_COLUMNS = [
    Column("approved", _("Approved"), order="approved", kind="number"),
    Column("actual", _("Actual"), order="actual", kind="number"),
    Column("vacancy", _("Vacancy"), order="vacancy", kind="number"),
    Column("vacancy_rate", _("Vacancy rate"), order="vacancy_rate", kind="percent"),
    Column("over", _("Over"), order="over", kind="number"),
    Column("reserved", _("Reserved"), order="reserved", kind="number"),
    Column("usable", _("Usable"), order="usable", kind="number"),
]


class ScopeFiguresTable(Table):
    """The home page's figures: the user's units rolled up per staffing type."""

    name = "figures"
    title = _("Staffing in my scope")
    filterset_class = StaffingTypeFilter
    columns = [Column("staffing_type", _("Staffing type"), order="staffing_type"), *_FIGURE_COLUMNS]

    def source(self) -> list[Row]:
        figures: selectors.ScopeFigures = self.context["figures"]
        return [
            {"staffing_type": staffing_type, **selectors.figures_row(values)}
            for staffing_type, values in sorted(figures.staffing.items(), key=lambda item: _type_order(item[0]))
        ]

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        return rows_matching(rows, staffing_type=values.get("staffing_type"))


def _type_order(staffing_type: str) -> int:
    values = list(StaffingType.values)
    return values.index(staffing_type) if staffing_type in values else len(values)


class UnitStaffingTable(Table):
    """A unit's staffing per type: quota and loans in use make up the approved number; vacancy and
    usable staffing follow (domain.md §3)."""

    name = "staffing"
    title = _("Staffing, vacancies and usable staffing")
    filterset_class = StaffingTypeFilter
    columns = [
        Column("staffing_type", _("Staffing type"), order="staffing_type"),
        Column("quota", _("Quota"), order="quota", kind="number"),
        Column("loans", _("Turnover loans"), order="loans", kind="number"),
        *_FIGURE_COLUMNS,
    ]

    def source(self) -> list[Row]:
        rows = selectors.unit_staffing_rows(unit=self.context["unit"], day=self.day)
        return sorted(rows, key=lambda r: _type_order(r["staffing_type"]))

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        return rows_matching(rows, staffing_type=values.get("staffing_type"))


class PositionFilter(FilterSet):
    category = django_filters.ChoiceFilter(
        label=_("Leader position"), choices=PositionCategory.choices, empty_label=_("All positions")
    )

    class Meta:
        model = TurnoverLoan
        fields: list[str] = []


class UnitPositionTable(Table):
    name = "positions"
    title = _("Leader positions and leaders")
    filterset_class = PositionFilter
    columns = [
        Column("category", _("Leader position"), order="category"),
        Column("approved", _("Approved"), order="approved", kind="number"),
        Column("actual", _("Leaders on staff"), order="actual", kind="number"),
        Column("vacancy", _("Vacancy"), order="vacancy", kind="number"),
        Column("over", _("Over"), order="over", kind="number"),
    ]

    def source(self) -> list[Row]:
        values = list(PositionCategory.values)
        rows = selectors.unit_position_rows(unit=self.context["unit"], day=self.day)
        return sorted(rows, key=lambda r: values.index(r["category"]) if r["category"] in values else len(values))

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        return rows_matching(rows, category=values.get("category"))


class LoanFilter(StaffingTypeFilter):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LoanStatus.choices, empty_label=_("All statuses"), method="filter_status"
    )
    #: the day the table looks at (LoanTable.prepare_filterset): a loan's status is dated
    day: dt.date | None = None

    def filter_status(self, queryset: QuerySet[TurnoverLoan], name: str, value: str) -> QuerySet[TurnoverLoan]:
        in_use = TurnoverLoan.in_use_on(self.day)
        return queryset.filter(in_use) if value == LoanStatus.IN_USE else queryset.exclude(in_use)


class LoanTable(Table):
    name = "loans"
    title = _("Turnover loans")
    filterset_class = LoanFilter
    columns = [
        Column("staffing_type", _("Staffing type"), order="staffing_type"),
        Column("quantity", _("Quantity"), order="quantity", kind="number"),
        Column("start_date", _("Start date"), order="start_date", kind="date"),
        Column("due_date", _("Due date"), order="due_date", kind="date"),
        Column("status", _("Status"), order="status"),
        Column("returned_date", _("Actual return date"), order="returned_on", kind="date"),
        Column("overdue", _("Overdue"), kind="bool"),
    ]

    def source(self) -> QuerySet[TurnoverLoan]:
        return selectors.loan_list(user=self.user, unit=self.context["unit"], day=self.day)

    def prepare_filterset(self, filterset: FilterSet) -> None:
        filterset.day = self.day  # type: ignore[attr-defined]

    def to_row(self, item: TurnoverLoan) -> Row:
        return {
            "staffing_type": item.staffing_type,
            "quantity": item.quantity,
            "start_date": item.start_date,
            "due_date": item.due_date,
            "status": item.status_on(self.day),
            "returned_date": item.returned_on if item.returned_on and item.returned_on <= self.day else None,
            "overdue": item.is_in_use(self.day) and item.due_date < self.day,
        }


class SuspensionFilter(FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[("in_force", _("In force")), ("lifted", _("Lifted"))],
        empty_label=_("All"),
        method="filter_state",
    )

    class Meta:
        model = Suspension
        fields: list[str] = []

    day: Any = None

    def filter_state(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        in_force = Suspension.in_force_on(self.day)
        return queryset.filter(in_force) if value == "in_force" else queryset.exclude(in_force)


class SuspensionTable(Table):
    name = "suspensions"
    title = _("Suspension of approvals")
    filterset_class = SuspensionFilter
    columns = [
        Column("in_force", _("In force"), kind="bool"),
        Column("reason", _("Reason"), order="reason"),
        Column("source", _("Source"), order="source"),
        Column("started_on", _("Started"), order="started_on", kind="date"),
        Column("planned_end", _("Planned end"), order="planned_end", kind="date"),
        Column("lifted_on", _("Lifted"), order="lifted_on", kind="date"),
        Column("lift_reason", _("Reason for lifting")),
    ]

    def source(self) -> QuerySet[Suspension]:
        return selectors.suspension_list(user=self.user, unit=self.context["unit"])

    def prepare_filterset(self, filterset: FilterSet) -> None:
        filterset.day = self.day  # type: ignore[attr-defined]

    @cached_property
    def whole(self) -> bool:
        return sees_every_number(self.user)

    def to_row(self, item: Suspension) -> Row:
        in_force = item.started_on <= self.day and (item.lifted_on is None or item.lifted_on > self.day)
        return {
            "in_force": in_force,
            "reason": shown_text(item.reason, whole=self.whole),
            "source": shown_text(item.source, whole=self.whole),
            "started_on": item.started_on,
            "planned_end": item.planned_end,
            "lifted_on": item.lifted_on,
            "lift_reason": shown_text(item.lift_reason, whole=self.whole),
        }


class VersionFilter(FilterSet):
    name = django_filters.CharFilter(label=_("Name"), lookup_expr="icontains")

    class Meta:
        model = UnitVersion
        fields: list[str] = []


class VersionTable(Table):
    """The unit's history: each period of its attributes (its effective-dated versions)."""

    name = "versions"
    title = _("Periods of the unit's attributes")
    filterset_class = VersionFilter
    default_sort = "-valid_from"
    columns = [
        Column("valid_from", _("Valid from"), order="valid_from", kind="date"),
        Column("valid_to", _("Valid until"), order="valid_to", kind="date"),
        Column("current", _("As of the day"), kind="bool"),
        Column("name", _("Name"), order="name"),
        Column("kind", _("Kind"), order="kind"),
        Column("parent", _("Parent unit"), order="parent__code"),
        Column("sequence", _("Sequence"), order="sequence"),
        Column("region", _("Division"), order="region"),
        Column("rank", _("Rank"), order="rank"),
        Column("approved_divisions", _("Approved internal divisions"), order="approved_divisions", kind="number"),
    ]

    def source(self) -> QuerySet[UnitVersion]:
        return selectors.unit_version_history(user=self.user, unit=self.context["unit"])

    def to_row(self, item: UnitVersion) -> Row:
        return {
            "valid_from": None if item.valid_from.year == 1 else item.valid_from,
            "valid_to": None if item.valid_to == END else item.valid_to,
            "current": item.valid_from <= self.day < item.valid_to,
            "name": item.name,
            "kind": item.kind,
            "parent": item.parent.code if item.parent is not None else "",
            "sequence": item.sequence,
            "region": item.region,
            "rank": item.rank,
            "approved_divisions": item.approved_divisions,
        }


class ChangeFilter(FilterSet):
    entity = django_filters.ChoiceFilter(
        label=_("Record"), choices=[(e, e) for e in selectors.UNIT_ENTITIES], empty_label=_("All records")
    )
    action = django_filters.ChoiceFilter(
        label=_("Change"), choices=ChangeRecord.Action.choices, empty_label=_("All changes")
    )

    class Meta:
        model = ChangeRecord
        fields: list[str] = []


class ChangeTable(Table):
    """The change log's records about the unit (who, when, from where, why, before and after)."""

    name = "changes"
    title = _("Change log")
    filterset_class = ChangeFilter
    action = Action.VIEW_CHANGELOG
    default_sort = "-time"
    columns = [
        Column("time", _("Time"), order="change_set__created_at", kind="datetime"),
        Column("actor", _("By"), order="change_set__actor"),
        Column("source", _("Source"), order="change_set__source"),
        Column("entity", _("Record"), order="entity"),
        Column("key", _("Key"), order="key"),
        Column("action", _("Change"), order="action"),
        Column("document_number", _("Document number"), order="change_set__document_number"),
        Column("reason", _("Reason")),
        Column("difference", _("Before → after")),
    ]

    def source(self) -> QuerySet[ChangeRecord]:
        return selectors.unit_change_records(user=self.user, unit=self.context["unit"])

    @cached_property
    def whole(self) -> bool:
        """Free text may quote anyone's number: whole only for those who see every number."""
        return sees_every_number(self.user)

    def to_row(self, item: ChangeRecord) -> Row:
        whole = self.whole
        change_set = item.change_set
        return {
            "time": change_set.created_at,
            "actor": change_set.actor,
            "source": ChangeSet.Source(change_set.source).label,
            "entity": item.entity,
            "key": shown_text(item.key, whole=whole),
            "action": ChangeRecord.Action(item.action).label,
            "document_number": shown_text(change_set.document_number, whole=whole),
            "reason": shown_text(change_set.reason, whole=whole),
            "difference": change_difference(item.before, item.after, whole=whole),
        }


#: Fields of a person record that are part of the ID number (dropped for a masked reader) and that
#: are months derived from it (shown as their year), domain.md §11.
BIRTH_FIELDS = frozenset({"出生日期", "birth_date"})
BIRTH_MONTH_FIELDS = frozenset(
    {"法定退休月份", "退休月份", "批准退休年月", "retirement_month", "approved_retirement_month"}
)


def change_difference(before: dict[str, Any] | None, after: dict[str, Any] | None, *, whole: bool) -> str:
    """A change record's ``field：before → after`` parts as the reader may see them: whole, or with
    ID numbers masked, no birth date and birth-derived months reduced to their year."""
    before, after = before or {}, after or {}
    parts = []
    for key in [*before, *(k for k in after if k not in before)]:
        if not whole and key in BIRTH_FIELDS:
            continue
        old, new = _shown_field(key, before.get(key), whole), _shown_field(key, after.get(key), whole)
        if old == new:
            continue
        if key not in before:
            parts.append(f"{key}：{_text(new)}")
        else:
            parts.append(f"{key}：{_text(old)} → {_text(new)}")
    return shown_text("；".join(parts), whole=whole)


def _shown_field(key: str, value: Any, whole: bool) -> Any:
    if whole or key not in BIRTH_MONTH_FIELDS or value in (None, ""):
        return value
    return str(value)[:4]


def _text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


UNIT_PAGE_TABLES: list[type[Table]] = [
    UnitStaffingTable,
    UnitPositionTable,
    LoanTable,
    PersonTable,
    AlertTable,
    SuspensionTable,
    VersionTable,
    ChangeTable,
]


def tables_for(user: Any, classes: list[type[Table]]) -> list[type[Table]]:
    """The tables the user may see (the change log only for the roles that read it)."""
    return [t for t in classes if t.action == Action.VIEW or can(user, t.action)]
