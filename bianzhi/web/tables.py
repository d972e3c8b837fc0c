"""Tables of the pages: one small framework so that every table is sortable, paginated, filterable
(django-filter) and exportable to Excel with the same filters and the same masking.

A table reads its rows through a selector (already scoped by the permission choke point), lets its
FilterSet narrow them, sorts, and turns each item into a *row*: a dict of display values in which
ID numbers are already masked for the user. The page and the workbook are built from the same rows,
so an export never shows more than the page.

Query parameters are prefixed with the table's ``prefix`` (``people-sort``, ``people-page``,
``people-name``), so several tables live on one page; a page's main table has no prefix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.functional import Promise

from bianzhi.accounts.permissions import Action

Row = dict[str, Any]
Label = str | Promise


@dataclass(frozen=True)
class Column:
    """One column. ``order`` makes it sortable: an ORM ordering for querysets, the row key to sort
    on for tables built as lists. ``kind`` decides display and Excel format:
    text, number, percent, date, severity (高/中/低 badge), colour (alert colour dot), tree (indented
    by the row's ``depth``). ``link`` names the row key that holds the cell's URL; ``help`` is what
    the heading says on hover (how the figure is counted)."""

    key: str
    label: Label
    order: str = ""
    kind: str = "text"
    link: str = ""
    help: Label = ""

    @property
    def numeric(self) -> bool:
        return self.kind in {"number", "percent"}


class FilterSet(django_filters.FilterSet):
    """A django-filter FilterSet whose widgets carry Bootstrap's small form classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
            if not isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("placeholder", str(field.label or ""))

    def cleaned(self) -> dict[str, Any]:
        """The valid filter values (an invalid field counts as not given)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return {k: v for k, v in getattr(self.form, "cleaned_data", {}).items() if v not in (None, "", [])}


class Table:
    """Subclasses state ``name``, ``title``, ``columns`` and ``source``; querysets also ``to_row``,
    lists may override ``filter_rows`` to apply their FilterSet's values."""

    name: ClassVar[str]
    title: ClassVar[Label]
    columns: ClassVar[list[Column]]
    filterset_class: ClassVar[type[FilterSet] | None] = None
    default_sort: ClassVar[str] = ""
    per_page: ClassVar[int] = 25
    #: what the user must be allowed to do to see (and export) this table
    action: ClassVar[Action] = Action.VIEW
    empty_text: ClassVar[Label] = ""
    #: why the table shows nothing although rows may match (a refused search), shown above it and
    #: stated in its export; "" for none
    refusal: str = ""

    def __init__(self, *, request: HttpRequest, day: dt.date, prefix: str | None = None, **context: Any) -> None:
        self.request = request
        self.user = request.user
        self.day = day
        self.prefix = self.name if prefix is None else prefix
        self.params: QueryDict = request.GET
        self.context = context

    # ------------------------------------------------------------ to override

    def source(self) -> QuerySet[Any] | list[Row]:
        raise NotImplementedError

    def to_row(self, item: Any) -> Row:
        """A queryset item as a row (mask personal data here)."""
        return dict(item)

    def filter_rows(self, rows: list[Row], values: dict[str, Any]) -> list[Row]:
        """A list table's filtering with its FilterSet's cleaned values."""
        return rows

    def prepare_filterset(self, filterset: FilterSet) -> None:
        """Hook to fill choices that depend on the user or the day."""

    def after_filter(self, items: QuerySet[Any]) -> QuerySet[Any] | list[Row]:
        """Hook between filtering and sorting (a tree turns its queryset into ordered rows here)."""
        return items

    def order_for(self, column: Column) -> str:
        """What sorting by ``column`` orders on (``column.order``; a table may sort a masked
        reader's rows on what they are shown instead)."""
        return column.order

    # ------------------------------------------------------------ parameters

    def param(self, name: str) -> str:
        return f"{self.prefix}-{name}" if self.prefix else name

    @cached_property
    def filterset(self) -> FilterSet | None:
        if self.filterset_class is None:
            return None
        source = self._source
        queryset = source if isinstance(source, QuerySet) else self.filterset_class._meta.model._default_manager.none()
        filterset = self.filterset_class(
            self.params, queryset=queryset, request=self.request, prefix=self.prefix or None
        )
        self.prepare_filterset(filterset)
        return filterset

    @cached_property
    def _source(self) -> QuerySet[Any] | list[Row]:
        return self.source()

    @cached_property
    def sort(self) -> str:
        """The validated sort key, ``-`` first for descending; empty for the natural order."""
        raw = self.params.get(self.param("sort"), self.default_sort)
        key = raw.removeprefix("-")
        if any(c.key == key and c.order for c in self.columns):
            return raw
        return self.default_sort

    # ------------------------------------------------------------ rows

    @cached_property
    def _filtered(self) -> QuerySet[Any] | list[Row]:
        source = self._source
        fs = self.filterset
        if isinstance(source, QuerySet):
            items = fs.qs if fs is not None else source
            return self.after_filter(items)
        return self.filter_rows(source, fs.cleaned() if fs is not None else {})

    @cached_property
    def _sorted(self) -> QuerySet[Any] | list[Row]:
        items = self._filtered
        if not self.sort:
            return items
        descending = self.sort.startswith("-")
        column = next(c for c in self.columns if c.key == self.sort.removeprefix("-"))
        if isinstance(items, QuerySet):
            order = self.order_for(column)
            fields = [f"-{order}" if descending else order, "-pk" if descending else "pk"]
            return items.order_by(*fields)
        key = self.order_for(column)
        present = [r for r in items if r.get(key) not in (None, "")]
        missing = [r for r in items if r.get(key) in (None, "")]
        return sorted(present, key=lambda r: _sortable(r[key]), reverse=descending) + missing

    def rows(self) -> Iterator[Row]:
        """Every row (all pages), for the export."""
        items = self._sorted
        if isinstance(items, QuerySet):
            for item in items.iterator(chunk_size=2000):
                yield self.to_row(item)
        else:
            yield from items

    @cached_property
    def page(self) -> Page:
        paginator = Paginator(self._sorted, self.per_page)
        page = paginator.get_page(self.params.get(self.param("page")))
        if isinstance(self._sorted, QuerySet):
            page.object_list = [self.to_row(item) for item in page.object_list]
        return page

    @property
    def count(self) -> int:
        return self.page.paginator.count

    # ------------------------------------------------------------ links for the template

    def url(self, **changes: str | None) -> str:
        """This page's URL with some of this table's parameters changed (``None`` removes one)."""
        query = self.params.copy()
        query.pop("export", None)
        for name, value in changes.items():
            key = self.param(name) if name != "export" else name
            if value is None:
                query.pop(key, None)
            else:
                query[key] = value
        encoded = query.urlencode()
        return f"{self.request.path}?{encoded}" if encoded else self.request.path

    @property
    def header(self) -> list[dict[str, Any]]:
        cells = []
        for column in self.columns:
            cell: dict[str, Any] = {"column": column, "label": column.label, "url": "", "direction": ""}
            if column.order:
                if self.sort == column.key:
                    cell["direction"], target = "asc", f"-{column.key}"
                elif self.sort == f"-{column.key}":
                    cell["direction"], target = "desc", column.key
                else:
                    target = column.key
                cell["url"] = self.url(sort=target, page=None)
            cells.append(cell)
        return cells

    @property
    def export_url(self) -> str:
        return self.url(export=self.name, page=None)

    @property
    def reset_url(self) -> str:
        query = self.params.copy()
        for key in list(query):
            if self.prefix and key.startswith(self.param("")):
                query.pop(key)
        if not self.prefix and self.filterset is not None:
            for name in self.filterset.form.fields:
                query.pop(name, None)
        encoded = query.urlencode()
        return f"{self.request.path}?{encoded}" if encoded else self.request.path

    @property
    def page_links(self) -> list[dict[str, Any]]:
        page = self.page
        total = page.paginator.num_pages
        if total <= 1:
            return []
        numbers = sorted({1, total, *range(max(1, page.number - 2), min(total, page.number + 2) + 1)})
        links: list[dict[str, Any]] = []
        previous = 0
        for number in numbers:
            if number - previous > 1:
                links.append({"gap": True})
            links.append({"number": number, "url": self.url(page=str(number)), "current": number == page.number})
            previous = number
        return links

    @property
    def hidden_params(self) -> list[tuple[str, str]]:
        """Parameters the filter form keeps (other tables', the "as of" day), not its own."""
        own = set(self.filterset.form.fields) if self.filterset is not None else set()
        own_keys = {self.param(name) for name in own} | {self.param("page"), "export"}
        return [(k, v) for k, values in self.params.lists() for v in values if k not in own_keys]

    @property
    def filters_active(self) -> bool:
        """Whether some filter of this table is given (its folded filter form then shows open)."""
        values = self.filterset.cleaned() if self.filterset is not None else {}
        return any(value is not False for value in values.values())  # an unticked box is no filter

    @property
    def dom_id(self) -> str:
        return f"table-{self.name}"

    def cells(self, row: Row) -> list[dict[str, Any]]:
        return [
            {"column": c, "value": row.get(c.key), "url": row.get(c.link) if c.link else "", "row": row}
            for c in self.columns
        ]

    @property
    def page_rows(self) -> list[list[dict[str, Any]]]:
        return [self.cells(row) for row in self.page.object_list]


def _sortable(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    return value


def rows_matching(rows: Iterable[Row], **wanted: Any) -> list[Row]:
    """Rows whose values equal every given (non-empty) value."""
    checks = {k: v for k, v in wanted.items() if v not in (None, "")}
    return [r for r in rows if all(r.get(k) == v for k, v in checks.items())]
