"""The tables of the pages and their filters (django-filter). Each reads through a selector of
``bianzhi.web.selectors`` (scoped by the permission choke point) and masks ID numbers in its rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode
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
from bianzhi.registry.choices import (
    LoanStatus,
    PersonCategory,
    PersonStatus,
    PositionCategory,
    Sequence,
    StaffingType,
    UnitKind,
)
from bianzhi.registry.models import PersonVersion, Suspension, TurnoverLoan, Unit, UnitVersion
from bianzhi.registry.trees import subtree_ids
from bianzhi.supervision.models import Alert, Severity
from bianzhi.web import people, selectors
from bianzhi.web.tables import Column, FilterSet, Row, Table, rows_matching
from bianzhi.web.tree import UnitTree, unit_tree

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
    staffing_type = django_filters.ChoiceFilter(
        label=_("Staffing type"),
        choices=StaffingType.choices,
        empty_label=_("All staffing types"),
        method="filter_staffing_type",
    )
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
    # A subtree total's rows (issue 16): the unit and its descendants, whose own figures add up to it.
    under = django_filters.CharFilter(label=_("Unit and its subordinates (code)"), method="filter_under")

    class Meta:
        model = UnitVersion
        fields: list[str] = []

    colours: dict[str, str] = {}
    #: the day the tree looks at (UnitTreeTable.prepare_filterset)
    day: dt.date | None = None

    def filter_under(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(unit_id__in=selectors.subtree_unit_ids(code=value.strip(), day=self.day))

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(name__icontains=value.strip()) | Q(unit__code__iexact=value.strip()))

    def filter_staffing_type(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # Not a narrowing: the tree stays whole and its figures are those of the one type.
        return queryset

    def filter_colour(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == selectors.GREEN:
            return queryset.exclude(unit__code__in=list(self.colours))
        return queryset.filter(unit__code__in=[code for code, colour in self.colours.items() if colour == value])


#: the tree's figures add the staffing types together unless the filter picks one (issue 16: never without saying so)
TREE_SUM_HELP = _("All staffing types added together, unless one staffing type is chosen in the filter.")
TREE_GAP_HELP = _(
    "All staffing types added together, unless one is chosen in the filter; summed unit by unit and type by type, "
    "never netted."
)


class UnitTreeTable(Table):
    """The unit tree as of D (bianzhi/web/tree.py): the top units (a unit HR officer's own units),
    each expandable into its affiliated units and its folded 内设机构 (loaded on demand from
    ``web:unit_children``); each row with its own figures and its total with its descendants
    (summed per type, never netted). A narrowing filter lists the matching units in tree order,
    indented by their depth, without expand buttons (a match's matching descendants are listed).
    Sorting orders siblings within their parent; the export is the whole tree with 层级, 上级机构代码
    and an Excel outline."""

    name = "units"
    title = _("Units")
    filterset_class = UnitFilter
    per_page = 50
    columns = [
        Column("name", _("Unit"), order="tree", kind="tree", link="url"),
        Column("code", _("Code"), order="code"),
        Column("kind", _("Kind"), order="kind"),
        # Each figure links to its rows (issue 16): a unit's own figures to its staffing table and its
        # people on staff; a total to the subtree's units (whose own figures add up to it) and people.
        Column("approved", _("Approved"), order="approved", kind="number", help=TREE_SUM_HELP, link="staffing_url"),
        Column("actual", _("Actual"), order="actual", kind="number", help=TREE_SUM_HELP, link="actual_url"),
        Column("vacancy", _("Vacancy"), order="vacancy", kind="number", help=TREE_GAP_HELP, link="staffing_url"),
        Column("over", _("Over"), order="over", kind="number", help=TREE_GAP_HELP, link="staffing_url"),
        # Under a "with subordinates" heading on the page (web/_unit_tree.html); named in full in the export.
        Column(
            "total_approved",
            _("Approved"),
            order="total_approved",
            kind="number",
            help=TREE_SUM_HELP,
            link="subtree_url",
        ),
        Column(
            "total_actual",
            _("Actual"),
            order="total_actual",
            kind="number",
            help=TREE_SUM_HELP,
            link="total_actual_url",
        ),
        Column(
            "total_vacancy", _("Vacancy"), order="total_vacancy", kind="number", help=TREE_GAP_HELP, link="subtree_url"
        ),
        Column("total_over", _("Over"), order="total_over", kind="number", help=TREE_GAP_HELP, link="subtree_url"),
        Column("suspended", _("Suspended"), order="suspended", kind="bool"),
        Column("colour", _("Alerts"), order="colour_rank", kind="colour"),
    ]
    #: the figure columns grouped under one heading on the page
    groups = {
        "approved": "own",
        "actual": "own",
        "vacancy": "own",
        "over": "own",
        "total_approved": "total",
        "total_actual": "total",
        "total_vacancy": "total",
        "total_over": "total",
    }
    #: the columns of the Excel copy: the tree's level and parent first, so that it survives
    export_columns = [
        Column("level", _("Level"), kind="number"),
        Column("parent_code", _("Parent unit code")),
        Column("name", _("Unit")),
        Column("code", _("Code")),
        Column("kind", _("Kind")),
        Column("sequence", _("Sequence")),
        Column("region_label", _("Division")),
        *columns[3:7],
        Column("total_approved", _("Approved with subordinates"), kind="number"),
        Column("total_actual", _("Actual with subordinates"), kind="number"),
        Column("total_vacancy", _("Vacancy with subordinates"), kind="number"),
        Column("total_over", _("Over with subordinates"), kind="number"),
        *columns[11:],
    ]
    #: columns whose first click sorts descending (the largest vacancy or excess first)
    descending_first = frozenset({"vacancy", "over", "total_vacancy", "total_over"})
    #: the filters that narrow the tree to matching units (the staffing type only changes figures)
    narrowing = ("q", "sequence", "kind", "region", "colour", "under")

    def source(self) -> QuerySet[UnitVersion]:
        return selectors.unit_tree_versions(user=self.user, day=self.day)

    @cached_property
    def alerts(self) -> selectors.DayAlerts:
        return self.context.get("alerts") or selectors.day_alerts(user=self.user, day=self.day)

    def prepare_filterset(self, filterset: FilterSet) -> None:
        _set_choices(filterset, "region", selectors.region_choices(user=self.user, day=self.day))
        filterset.colours = self.alerts.colours()  # type: ignore[attr-defined]
        filterset.day = self.day  # type: ignore[attr-defined]

    @cached_property
    def values(self) -> dict[str, Any]:
        return self.filterset.cleaned() if self.filterset is not None else {}

    @cached_property
    def tree(self) -> UnitTree:
        return unit_tree(
            user=self.user,
            day=self.day,
            staffing_type=self.values.get("staffing_type", ""),
            colours=self.alerts.colours(),
            labels=COLOUR_LABELS,
        )

    @property
    def narrowed(self) -> bool:
        return any(name in self.values for name in self.narrowing)

    @property
    def sort_key(self) -> tuple[str, bool]:
        """The row key siblings are sorted on and whether descending ("" for the tree order)."""
        if not self.sort:
            return "", False
        column = next(c for c in self.columns if c.key == self.sort.removeprefix("-"))
        key = "code" if column.order == "tree" else column.order
        return key, self.sort.startswith("-")

    def after_filter(self, items: QuerySet[Any]) -> list[Row]:
        tree = self.tree
        key, descending = self.sort_key
        parent = self.context.get("parent")
        if parent is not None:
            ids = tree.siblings(tree.children.get(parent, []), key, descending)
        elif self.narrowed:
            matched = set(items.values_list("unit_id", flat=True))
            ids = [i for i in tree.walk(tree.roots, key, descending) if i in matched]
        else:
            ids = tree.siblings(tree.roots, key, descending)
        return [self.linked(tree.rows[i]) for i in ids if i in tree.rows]

    def linked(self, row: Row) -> Row:
        """The row with the links of its figures: the rows behind each (of the filter's staffing type)."""
        staffing_type = self.values.get("staffing_type", "")
        typed = {"staffing_type": staffing_type} if staffing_type else {}
        on_staff = {"status": PersonStatus.ON_STAFF, **typed}
        staffing = urlencode({"as_of": self.day.isoformat(), **{f"staffing-{k}": v for k, v in typed.items()}})
        return {
            **row,
            "staffing_url": reverse("web:unit_detail", args=[row["code"]]) + f"?{staffing}#table-staffing",
            "actual_url": people_url(self.day, unit=row["code"], **on_staff),
            "total_actual_url": people_url(self.day, unit=row["code"], subtree="true", **on_staff),
            "subtree_url": reverse("web:unit_list")
            + "?"
            + urlencode({"as_of": self.day.isoformat(), "under": row["code"], **typed}),
        }

    @cached_property
    def _sorted(self) -> list[Row]:  # type: ignore[override]
        # Already ordered in after_filter: siblings within their parent, never a flat re-sort.
        return self._filtered  # type: ignore[return-value]

    def rows(self) -> Iterator[Row]:
        """The export: the matching units when narrowed, else the whole tree depth first."""
        if self.narrowed or self.context.get("parent") is not None:
            yield from self._sorted
            return
        key, descending = self.sort_key
        for unit_id in self.tree.walk(self.tree.roots, key, descending):
            yield self.tree.rows[unit_id]

    @property
    def unit_counts(self) -> tuple[int, int]:
        """(机构, 内设机构) in the tree, or among the matching units when narrowed."""
        if self.narrowed:
            return self.tree.counts({r["unit_id"] for r in self._sorted})
        return self.tree.counts(set(self.tree.rows))

    @property
    def header(self) -> list[dict[str, Any]]:
        cells = super().header
        for cell in cells:
            key = cell["column"].key
            cell["group"] = self.groups.get(key, "")
            if key in self.descending_first and not cell["direction"]:
                cell["url"] = self.url(sort=f"-{key}", page=None)
        return cells

    @property
    def children_query(self) -> str:
        """The parameters a row's children are fetched with: the day, the sort, the staffing type."""
        query = QueryDict(mutable=True)
        query["as_of"] = self.day.isoformat()
        if self.sort:
            query["sort"] = self.sort
        if self.values.get("staffing_type"):
            query["staffing_type"] = self.values["staffing_type"]
        return query.urlencode()

    def child_rows(self) -> list[list[dict[str, Any]]]:
        """Every child row of the ``parent`` unit (no pages: a unit's children are few)."""
        return [self.cells(row) for row in self._sorted]


# ---------------------------------------------------------------- people


class PersonFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or full ID number"), method="filter_q")
    # a searchable picker (a datalist of the user's units), not a select of hundreds of options
    unit = django_filters.CharFilter(label=_("Unit (name or code)"), method="filter_unit", widget=people.UnitPicker())
    # with the unit's subordinates (a subtree total's people, issue 16): read by filter_unit
    subtree = django_filters.BooleanFilter(
        label=_("Include subordinate units"),
        method="filter_subtree",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
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
    # the units of one sequence as of D (the board's 党委序列 / 政府序列 figures, issue 15)
    sequence = django_filters.ChoiceFilter(
        label=_("Sequence"), choices=Sequence.choices, empty_label=_("All sequences"), method="filter_sequence"
    )
    # on staff by default (PersonTable.source reads it): the box lists those not on staff too
    everyone = django_filters.BooleanFilter(
        label=_("Include people not on staff"),
        method="filter_everyone",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    #: the day the table looks at (PersonTable.prepare_filterset): a person's status is dated
    day: dt.date | None = None

    class Meta:
        model = PersonVersion
        fields: list[str] = []

    def filter_unit(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        named = UnitVersion.objects.filter(name=value).values("unit_id")
        if self.form.cleaned_data.get("subtree"):
            codes = {value, *Unit.objects.filter(pk__in=named).values_list("code", flat=True)}
            ids: set[int] = set()
            for code in codes:
                ids |= selectors.subtree_unit_ids(code=code, day=self.day)
            return queryset.filter(unit_id__in=ids)
        return queryset.filter(Q(unit__code=value) | Q(unit_id__in=named))

    def filter_subtree(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return queryset  # read by filter_unit

    def filter_everyone(self, queryset: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return queryset

    def filter_sequence(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        in_sequence = UnitVersion.objects.filter(UnitVersion.as_of(self.day), sequence=value)
        return queryset.filter(unit_id__in=in_sequence.values("unit_id"))

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
        Column("name", _("Full name"), order="name", link="person_url"),
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
        qs = selectors.person_list(user=self.user, day=self.day, unit=unit, on_staff=self.on_staff_only)
        if self.refusal:
            qs = qs.none()
        if self.masked:
            qs = qs.annotate(retirement_year=ExtractYear("retirement_month"))
        return qs.order_by("unit__code", "name", "person_id")

    @cached_property
    def on_staff_only(self) -> bool:
        """On staff by default; everyone with the box ticked or a status asked for."""
        everyone = self.params.get(self.param("everyone"), "") in ("on", "true", "True", "1")
        return not everyone and not self.params.get(self.param("status"))

    @cached_property
    def hint(self) -> str:
        """Why a partial ID number finds nobody (it is never searched, domain.md §11)."""
        if people.partial_number(self.params.get(self.param("q"), "")):
            return "请输入完整的 18 位身份证号；出于隐私保护不支持按部分号码查询"
        return ""

    @cached_property
    def _sorted(self) -> Any:
        """Names in pinyin order, surnames read as surnames (``web.pinyin``), by default and when
        sorting by name; other columns sort in the database."""
        items = self._filtered
        if self.sort.removeprefix("-") in ("", "name") and isinstance(items, QuerySet):
            return people.PinyinOrdered(items, self.to_row, descending=self.sort == "-name")
        return super()._sorted

    @cached_property
    def masked(self) -> bool:
        return selectors.masks_someone(self.user)

    @cached_property
    def refusal(self) -> str:  # type: ignore[override]
        """The Chinese refusal of a full-number search past the limit, or the hint that part of a
        number is never searched ("" when none)."""
        text = self.params.get(self.param("q"), "")
        if self.hint:
            return self.hint
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
        filterset.form.fields["everyone"].choices = [(True, "是")]  # type: ignore[attr-defined] # the export's conditions
        if self.context.get("unit") is not None:
            del filterset.form.fields["unit"]
        else:
            picker = filterset.form.fields["unit"].widget
            picker.options = selectors.unit_choices(user=self.user, day=self.day)  # type: ignore[attr-defined]

    @cached_property
    def unit_names(self) -> dict[int, str]:
        return selectors.unit_names_as_of(selectors.visible_unit_ids(user=self.user), self.day)

    def to_row(self, item: PersonVersion) -> Row:
        row = selectors.person_row(user=self.user, version=item, day=self.day, unit_names=self.unit_names)
        row["unit_url"] = unit_url(item.unit.code, self.day)
        row["person_url"] = people.person_url(row["ref"], self.day)
        return row


# ---------------------------------------------------------------- alerts


class AlertFilter(FilterSet):
    rule = django_filters.ChoiceFilter(label=_("Rule"), choices=[], empty_label=_("All rules"))
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Severity.choices, empty_label=_("All severities")
    )
    unit = django_filters.CharFilter(label=_("Unit (code or name)"))
    # with the unit's subordinates (the board's department figures, issue 15): read by AlertTable.filter_rows
    subtree = django_filters.BooleanFilter(
        label=_("Include subordinate units"),
        method="filter_subtree",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    sequence = django_filters.ChoiceFilter(
        label=_("Sequence"), choices=Sequence.choices, empty_label=_("All sequences")
    )

    class Meta:
        model = Alert
        fields: list[str] = []

    def filter_subtree(self, queryset: Any, name: str, value: bool) -> Any:
        return queryset


class AlertTable(Table):
    """Alerts as of D (the latest stored run of that day, or evaluated on the spot)."""

    name = "alerts"
    title = _("Alerts")
    filterset_class = AlertFilter
    default_sort = "-severity"
    columns = [
        Column("severity", _("Severity"), order="severity_rank", kind="severity"),
        Column("rule_name", _("Rule"), order="rule"),
        Column("rule_description", _("What the rule forbids")),
        Column("unit_name", _("Unit"), order="unit", link="unit_url"),
        Column("unit", _("Code"), order="unit"),
        Column("sequence", _("Sequence"), order="sequence"),
        Column("region_label", _("Division"), order="region"),
        Column("person_name", _("Person"), link="person_url"),
        Column("person", _("ID number")),
        Column("message", _("Message")),
    ]

    @cached_property
    def alerts(self) -> selectors.DayAlerts:
        return self.context.get("alerts") or selectors.day_alerts(user=self.user, day=self.day)

    def source(self) -> list[Row]:
        unit = self.context.get("unit")
        alerts = [(i, a) for i, a in enumerate(self.alerts.rows) if unit is None or a["unit"] == unit.code]
        descriptions = selectors.rule_descriptions()
        # A unit's alert is in the unit's division (as of the day) when the rule names none.
        codes = {a["unit"] for _i, a in alerts if a["unit"] and not a["region"]}
        unit_regions = dict(
            UnitVersion.objects.filter(UnitVersion.as_of(self.day), unit__code__in=codes).values_list(
                "unit__code", "region"
            )
        )
        names = selectors.division_names()
        openable = people.openable_refs(user=self.user, refs={a.get("person_ref", "") for _i, a in alerts})
        rows = []
        for index, alert in alerts:
            region = alert["region"] or unit_regions.get(alert["unit"], "")
            rows.append(
                {
                    **alert,
                    "index": index,
                    "severity_rank": SEVERITY_RANK.get(alert["severity"], 0),
                    "unit_url": unit_url(alert["unit"], self.day) if alert["unit"] else "",
                    "rule_description": descriptions.get(alert["rule"], ""),
                    "region": region,
                    "region_label": f"{region} {names.get(region, '')}".strip(),
                    # the person's page, when the alert names one the viewer may open
                    "person_url": people.person_url(alert["person_ref"], self.day)
                    if alert.get("person_ref") in openable
                    else "",
                }
            )
        return rows

    def prepare_filterset(self, filterset: FilterSet) -> None:
        _set_choices(filterset, "rule", sorted(selectors.rule_names().items(), key=lambda item: item[0]))
        if self.context.get("unit") is not None:
            for name in ("unit", "subtree", "sequence"):
                del filterset.form.fields[name]

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        rows = rows_matching(
            rows, rule=values.get("rule"), severity=values.get("severity"), sequence=values.get("sequence")
        )
        unit = (values.get("unit") or "").strip()
        if unit and values.get("subtree"):
            top = Unit.objects.filter(code=unit).values_list("pk", flat=True).first()
            ids = subtree_ids([top], day=self.day) if top is not None else set()
            codes = set(Unit.objects.filter(pk__in=ids).values_list("code", flat=True))
            rows = [r for r in rows if r["unit"] in codes]
        elif unit and any(r["unit"] == unit for r in self._source):
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


#: What the figure headings say on hover (domain.md §3): how each is counted.
VACANCY_HELP = _(
    "Vacancies are summed unit by unit and type by type, never netted: one unit's excess does not fill "
    "another unit's vacancy."
)
OVER_HELP = _(
    "Excesses are summed unit by unit and type by type, never netted: another unit's vacancy does not "
    "cancel a unit's excess."
)
RESERVED_HELP = _(
    "In transit: the places still open on approved, unexpired staffing-use slips. They are reserved for "
    "people not yet on staff and are deducted from the usable staffing."
)
USABLE_HELP = _("Usable staffing = approved − actual − in transit (negative when over-staffed).")
APPROVED_HELP = _("Approved = the quota plus the turnover loans in use on the day.")

_FIGURE_COLUMNS = [
    Column("approved", _("Approved"), order="approved", kind="number", help=APPROVED_HELP),
    Column("actual", _("Actual"), order="actual", kind="number", link="actual_url"),
    Column("vacancy", _("Vacancy"), order="vacancy", kind="number", help=VACANCY_HELP),
    Column("vacancy_rate", _("Vacancy rate"), order="vacancy_rate", kind="percent"),
    Column("over", _("Over"), order="over", kind="number", help=OVER_HELP),
    Column("reserved", _("Reserved"), order="reserved", kind="number", help=RESERVED_HELP),
    Column("usable", _("Usable"), order="usable", kind="number", help=USABLE_HELP),
]


def people_url(day: Any, **filters: str) -> str:
    """The people list as of D filtered to the rows behind a figure (on staff, of a type)."""
    return reverse("web:person_list") + "?" + urlencode({"as_of": day.isoformat(), **filters})


def unit_people_url(code: str, day: Any, **filters: str) -> str:
    """A unit page's own people table (on staff there) filtered to the rows behind a figure."""
    query = urlencode({"as_of": day.isoformat(), **{f"people-{k}": v for k, v in filters.items()}})
    return reverse("web:unit_detail", args=[code]) + f"?{query}#table-people"


class ScopeFiguresTable(Table):
    """The home page's figures: the user's units rolled up per staffing type."""

    name = "figures"
    title = _("Staffing in my scope")
    filterset_class = StaffingTypeFilter
    columns = [Column("staffing_type", _("Staffing type"), order="staffing_type"), *_FIGURE_COLUMNS]

    def source(self) -> list[Row]:
        figures: selectors.ScopeFigures = self.context["figures"]
        return [
            {
                "staffing_type": staffing_type,
                **selectors.figures_row(values),
                "actual_url": people_url(self.day, status=PersonStatus.ON_STAFF, staffing_type=staffing_type),
            }
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
        unit = self.context["unit"]
        rows = selectors.unit_staffing_rows(unit=unit, day=self.day)
        for row in rows:
            row["actual_url"] = unit_people_url(unit.code, self.day, staffing_type=row["staffing_type"])
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
    """Leader positions (职数) against leaders on staff: 职数 headings (核定职数/实配/空缺/超配), not
    the staffing figures' 空编/超编."""

    name = "positions"
    title = _("Leader positions and leaders")
    filterset_class = PositionFilter
    columns = [
        Column("category", _("Leader position"), order="category"),
        Column("approved", _("Approved positions"), order="approved", kind="number"),
        Column("actual", _("Leaders on staff"), order="actual", kind="number", link="actual_url"),
        Column("vacancy", _("Vacant positions"), order="vacancy", kind="number"),
        Column("over", _("Leaders over the positions"), order="over", kind="number"),
    ]

    def source(self) -> list[Row]:
        values = list(PositionCategory.values)
        unit = self.context["unit"]
        rows = selectors.unit_position_rows(unit=unit, day=self.day)
        for row in rows:
            row["actual_url"] = unit_people_url(unit.code, self.day, position_category=row["category"])
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
