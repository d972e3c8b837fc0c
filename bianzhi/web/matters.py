"""机构编制事项 and the ledger (台账): the pages. Names ``web:matters:<view>``.

* ``matter_list`` — the matters the user may see (a unit HR officer: those of its units), filterable;
* ``matter_new`` / ``matter_edit`` — the editor, its fields chosen by the kind (officers, administrator);
* ``matter_detail`` — the matter, its change, its timeline and countersignatures, and the buttons of
  the steps the user may take; ``matter_step`` (POST only) takes one; ``matter_document`` downloads
  the decision as Word or PDF;
* ``ledger`` — a unit's ledger with a date slider; ``ledger_register`` the htmx partial of the
  unit's register as of the slider's day.

Every write goes through ``bianzhi.matters.services``; a refusal is shown as the service words it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from bianzhi.accounts.permissions import Action, can_somewhere
from bianzhi.accounts.privacy import client_origin, sees_every_number, shown_text
from bianzhi.core.changelog import change_origin
from bianzhi.core.dates import today
from bianzhi.core.models import ChangeSet
from bianzhi.matters import selectors, services
from bianzhi.matters.documents import change_lines, matter_document
from bianzhi.matters.models import Matter, MatterKind, MatterState
from bianzhi.registry.choices import PositionCategory, Rank, Sequence, StaffingType, UnitKind
from bianzhi.web.selectors import unit_choices

app_name = "matters"


def _viewer(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Logged in, with a role that reads the register (a user without one is refused)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_somewhere(request.user, Action.VIEW):
            raise PermissionDenied(_("You have no role that may see staffing matters."))
        return view(request, *args, **kwargs)

    return wrapper


def _matter_or_404(request: HttpRequest, pk: int) -> Matter:
    matter = selectors.matter_get(user=request.user, pk=pk)
    if matter is None:
        raise Http404(_("No such matter, or it is not within your units."))
    return matter


# ---------------------------------------------------------------- list


@require_GET
@_viewer
def matter_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.matter_list(
        user=request.user,
        state=state if state in MatterState.values else "",
        kind=kind if kind in MatterKind.values else "",
        q=q,
    ).prefetch_related("units")[:500]
    whole = sees_every_number(request.user)
    rows = [
        {
            "matter": m,
            "title": shown_text(m.title, whole=whole),
            "document_number": shown_text(m.document_number, whole=whole),
            "units": "、".join(sorted(u.code for u in m.units.all())),
        }
        for m in qs
    ]
    return render(
        request,
        "web/matters/matter_list.html",
        {
            "title": _("Staffing matters"),
            "nav": "matters",
            "rows": rows,
            "states": MatterState.choices,
            "kinds": MatterKind.choices,
            "state": state,
            "kind": kind,
            "q": q,
            "may_drive": services.may_drive(request.user),
        },
    )


# ---------------------------------------------------------------- editor


def _select(choices: list[tuple[str, str]], *, required: bool = False, label: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", "—"), *choices],
        required=required,
        widget=forms.Select({"class": "form-select"}),
    )


def _int(label: str, *, minimum: int = 0) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=minimum,
        max_value=999_999,
        widget=forms.NumberInput({"class": "form-control"}),
    )


def _text(label: str, *, limit: int = 200, area: bool = False) -> forms.CharField:
    widget = (
        forms.Textarea({"class": "form-control", "rows": 3}) if area else forms.TextInput({"class": "form-control"})
    )
    return forms.CharField(label=label, required=False, max_length=limit, widget=widget)


#: the change fields each kind shows (the common fields are always shown)
_QUOTA_FIELDS = (*(f"staffing_{t}" for t in StaffingType.values), *(f"positions_{c}" for c in PositionCategory.values))
_NEW_UNIT = ("new_code", "new_name", "new_kind", "new_sequence", "new_region", "new_rank")
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    MatterKind.ESTABLISH: (*_NEW_UNIT, "new_parent", *_QUOTA_FIELDS),
    MatterKind.ABOLISH: ("unit",),
    MatterKind.MERGE: ("target", "merged"),
    MatterKind.SPLIT: ("source", *_NEW_UNIT, *_QUOTA_FIELDS, "people"),
    MatterKind.RENAME: ("unit", "name"),
    MatterKind.RERANK: ("unit", "rank"),
    MatterKind.FUNCTIONS: ("unit", "functions"),
    MatterKind.ADD_STAFFING: ("unit", "staffing_type", "delta"),
    MatterKind.REDUCE_STAFFING: ("unit", "staffing_type", "delta"),
    MatterKind.TRANSFER: ("source", "target", "staffing_type", "count"),
    MatterKind.POSITIONS: ("unit", "category", "count"),
    MatterKind.ADD_DIVISION: ("unit", "new_code", "new_name"),
    MatterKind.REMOVE_DIVISION: ("unit",),
    MatterKind.CORRECTION: (),
}
COMMON_FIELDS = ("title", "document_number", "effective", "major", "basis", "countersign_offices")
CORRECTION_FIELDS = ("reason",)


class MatterForm(forms.Form):
    """The editor: the common fields and the change's fields of the kind."""

    title = forms.CharField(label="标题", max_length=200, widget=forms.TextInput({"class": "form-control"}))
    document_number = _text("文号")
    effective = forms.DateField(
        label="拟生效日期", required=False, widget=forms.DateInput({"type": "date", "class": "form-control"})
    )
    major = forms.BooleanField(
        label="重大事项（由党委决定）", required=False, widget=forms.CheckboxInput({"class": "form-check-input"})
    )
    basis = _text("事由与依据", limit=2000, area=True)
    countersign_offices = _text("须会签的单位（以“、”或逗号分隔）")
    reason = _text("撤销更正理由", limit=2000, area=True)
    unit = _select([], label="机构")
    source = _select([], label="划出（原）机构")
    target = _select([], label="划入（合并后）机构")
    merged = forms.MultipleChoiceField(
        label="被合并的机构",
        required=False,
        choices=[],
        widget=forms.SelectMultiple({"class": "form-select", "size": 6}),
    )
    name = _text("新名称")
    rank = _select(Rank.choices, label="新机构规格")
    functions = _text("调整的职责", limit=2000, area=True)
    staffing_type = _select(StaffingType.choices, label="编制类型")
    delta = _int("增减数", minimum=1)
    count = _int("数量（划转数或核定职数）")
    category = _select(PositionCategory.choices, label="职数类别")
    new_code = _text("新机构代码", limit=32)
    new_name = _text("新机构名称")
    new_kind = _select(UnitKind.choices, label="机构类型")
    new_parent = _select([], label="上级机构")
    new_sequence = _select(Sequence.choices, label="序列（无上级机构时必填）")
    new_region = _text("区划代码（无上级机构时必填）", limit=6)
    new_rank = _select(Rank.choices, label="机构规格")
    people = _text("随同转入的人员（身份证号，每行一个）", limit=20_000, area=True)

    def __init__(self, *args: Any, kind: str, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in ("unit", "source", "target", "new_parent"):
            cast(forms.ChoiceField, self.fields[name]).choices = [("", "—"), *units]
        cast(forms.MultipleChoiceField, self.fields["merged"]).choices = units
        for staffing_type in StaffingType.values:
            self.fields[f"staffing_{staffing_type}"] = _int(f"核定{staffing_type}")
        for category in PositionCategory.values:
            self.fields[f"positions_{category}"] = _int(f"核定{category}职数")
        shown = set(COMMON_FIELDS) | set(KIND_FIELDS.get(kind, ()))
        if kind == MatterKind.CORRECTION:
            shown = {"title", "document_number", "effective", "basis", "countersign_offices", *CORRECTION_FIELDS}
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]

    def offices(self) -> list[str]:
        return [
            o.strip() for o in re.split(r"[、,，;；]", self.cleaned_data.get("countersign_offices") or "") if o.strip()
        ]

    def change(self) -> dict[str, Any]:
        """The change's JSON of the kind (the service checks it)."""
        d = self.cleaned_data
        kind = self.kind

        def new_unit(*, parent: bool) -> dict[str, Any]:
            row = {
                "机构代码": d.get("new_code", "").strip(),
                "机构名称": d.get("new_name", "").strip(),
                "机构类型": d.get("new_kind", ""),
                "序列": d.get("new_sequence", ""),
                "区划代码": d.get("new_region", "").strip(),
                "机构规格": d.get("new_rank", ""),
            }
            if parent:
                row["上级机构代码"] = d.get("new_parent", "")
            return {k: v for k, v in row.items() if v}

        def quotas() -> dict[str, Any]:
            staffing = [
                {"编制类型": t, "核定数": d[f"staffing_{t}"]}
                for t in StaffingType.values
                if d.get(f"staffing_{t}") is not None
            ]
            positions = [
                {"职数类别": c, "核定数": d[f"positions_{c}"]}
                for c in PositionCategory.values
                if d.get(f"positions_{c}") is not None
            ]
            return {"staffing": staffing, "positions": positions}

        if kind == MatterKind.ESTABLISH:
            return {"unit": new_unit(parent=True), **quotas()}
        if kind == MatterKind.SPLIT:
            people = [p.strip().upper() for p in (d.get("people") or "").split() if p.strip()]
            return {"source": d.get("source"), "unit": new_unit(parent=False), **quotas(), "people": people}
        if kind == MatterKind.MERGE:
            return {"target": d.get("target"), "merged": list(d.get("merged") or [])}
        if kind == MatterKind.TRANSFER:
            return {
                "from": d.get("source"),
                "to": d.get("target"),
                "staffing_type": d.get("staffing_type"),
                "count": d.get("count"),
            }
        if kind in (MatterKind.ADD_STAFFING, MatterKind.REDUCE_STAFFING):
            return {"unit": d.get("unit"), "staffing_type": d.get("staffing_type"), "delta": d.get("delta")}
        if kind == MatterKind.POSITIONS:
            return {"unit": d.get("unit"), "category": d.get("category"), "count": d.get("count")}
        if kind == MatterKind.RENAME:
            return {"unit": d.get("unit"), "name": d.get("name", "").strip()}
        if kind == MatterKind.RERANK:
            return {"unit": d.get("unit"), "rank": d.get("rank")}
        if kind == MatterKind.FUNCTIONS:
            return {"unit": d.get("unit"), "functions": d.get("functions", "").strip()}
        if kind == MatterKind.ADD_DIVISION:
            return {
                "unit": d.get("unit"),
                "division": {"机构代码": d.get("new_code", "").strip(), "机构名称": d.get("new_name", "").strip()},
            }
        if kind == MatterKind.ABOLISH:
            return {"unit": d.get("unit")}
        if kind == MatterKind.REMOVE_DIVISION:
            return {"division": d.get("unit")}
        return {}


def _initial(matter: Matter) -> dict[str, Any]:
    """The editor's fields from a stored matter."""
    c = matter.change or {}
    initial: dict[str, Any] = {
        "title": matter.title,
        "document_number": matter.document_number,
        "effective": matter.effective,
        "major": matter.major,
        "basis": matter.basis,
        "countersign_offices": "、".join(matter.countersigns.values_list("office", flat=True)),
        "reason": matter.reason,
        "unit": c.get("unit") if isinstance(c.get("unit"), str) else c.get("division", ""),
        "source": c.get("source") or c.get("from", ""),
        "target": c.get("target") or c.get("to", ""),
        "merged": c.get("merged") or [],
        "name": c.get("name", ""),
        "rank": c.get("rank", ""),
        "functions": c.get("functions", ""),
        "staffing_type": c.get("staffing_type", ""),
        "delta": c.get("delta"),
        "count": c.get("count"),
        "category": c.get("category", ""),
        "people": "\n".join(c.get("people") or []),
    }
    unit = (
        c.get("unit")
        if isinstance(c.get("unit"), dict)
        else c.get("division")
        if isinstance(c.get("division"), dict)
        else {}
    )
    if unit:
        initial.update(
            {
                "new_code": unit.get("机构代码", ""),
                "new_name": unit.get("机构名称", ""),
                "new_kind": unit.get("机构类型", ""),
                "new_parent": unit.get("上级机构代码", ""),
                "new_sequence": unit.get("序列", ""),
                "new_region": unit.get("区划代码", ""),
                "new_rank": unit.get("机构规格", ""),
            }
        )
    if matter.kind == MatterKind.ADD_DIVISION:
        initial["unit"] = c.get("unit", "")
    for item in c.get("staffing") or []:
        initial[f"staffing_{item.get('编制类型')}"] = item.get("核定数")
    for item in c.get("positions") or []:
        initial[f"positions_{item.get('职数类别')}"] = item.get("核定数")
    return initial


def _editor(request: HttpRequest, matter: Matter | None) -> HttpResponse:
    if not services.may_drive(request.user):
        raise PermissionDenied(_("Only the staffing office drafts matters."))
    kind = matter.kind if matter else request.GET.get("kind") or request.POST.get("kind") or MatterKind.ADD_STAFFING
    if kind not in MatterKind.values or (matter is None and kind == MatterKind.CORRECTION):
        kind = MatterKind.ADD_STAFFING
    units = unit_choices(user=request.user, day=today())
    data = request.POST if request.method == "POST" else None
    form = MatterForm(data, kind=kind, units=units, initial=_initial(matter) if matter else {})
    if data is not None and form.is_valid():
        try:
            with change_origin(source=ChangeSet.Source.WEB, origin=client_origin(request)):
                common = {
                    "user": request.user,
                    "title": form.cleaned_data["title"],
                    # a correction's replacement is edited through the API; the page keeps it
                    "change": matter.change if matter and kind == MatterKind.CORRECTION else form.change(),
                    "effective": form.cleaned_data.get("effective"),
                    "document_number": form.cleaned_data.get("document_number", ""),
                    "major": form.cleaned_data.get("major", False),
                    "basis": form.cleaned_data.get("basis", ""),
                    "countersign_offices": form.offices(),
                }
                if matter is None:
                    saved = services.matter_create(kind=kind, **common)
                else:
                    saved = services.matter_update(
                        matter=matter,
                        reason=form.cleaned_data.get("reason") if "reason" in form.fields else None,
                        **common,
                    )
        except services.MatterRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The matter is saved as a draft."))
            return redirect("web:matters:matter_detail", pk=saved.pk)
    return render(
        request,
        "web/matters/matter_form.html",
        {
            "title": _("Edit the matter") if matter else _("New staffing matter"),
            "nav": "matters",
            "form": form,
            "kind": kind,
            "kinds": [k for k in MatterKind.choices if k[0] != MatterKind.CORRECTION],
            "matter": matter,
        },
        status=422 if data is not None else 200,
    )


@_viewer
def matter_new(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    return _editor(request, None)


@_viewer
def matter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    matter = _matter_or_404(request, pk)
    if not services.may_drive(request.user):
        raise PermissionDenied(_("Only the staffing office drafts matters."))
    if matter.state != MatterState.DRAFT:
        messages.error(request, _("Only a draft can be edited; return the matter to the draft first."))
        return redirect("web:matters:matter_detail", pk=matter.pk)
    return _editor(request, matter)


# ---------------------------------------------------------------- the matter and its steps


def _actions(user: Any, matter: Matter) -> list[str]:
    """The steps the user may take on the matter now (the buttons shown)."""
    drive, decide = services.may_drive(user), services.may_decide(user)
    state = matter.state
    out = []
    if drive and state == MatterState.DRAFT:
        out += ["edit", "submit"]
    if drive and state == MatterState.SUBMITTED:
        out.append("review")
    if (
        drive
        and state in (MatterState.SUBMITTED, MatterState.REVIEWED)
        and matter.countersigns.filter(signed=False).exists()
    ):
        out.append("countersign")
    if decide and state == MatterState.REVIEWED:
        out.append("decide")
    if (drive and state in (MatterState.SUBMITTED, MatterState.REVIEWED, MatterState.DECIDED)) or (
        decide and state == MatterState.REVIEWED
    ):
        out.append("return")
    if drive and state == MatterState.DECIDED:
        out.append("execute")
    if matter.created_by_id == getattr(user, "pk", None) and state in (
        MatterState.DRAFT,
        MatterState.SUBMITTED,
        MatterState.REVIEWED,
    ):
        out.append("withdraw")
    if (
        drive
        and state == MatterState.EXECUTED
        and not matter.corrections.exclude(state__in=[MatterState.REJECTED, MatterState.WITHDRAWN]).exists()
    ):
        out.append("amend")
    return out


@require_GET
@_viewer
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = _matter_or_404(request, pk)
    whole = sees_every_number(request.user)
    kind = matter.amends.kind if matter.kind == MatterKind.CORRECTION and matter.amends else matter.kind
    change = (matter.change or {}).get("replacement") if matter.kind == MatterKind.CORRECTION else matter.change
    lines = [[label, shown_text(value, whole=whole)] for label, value in change_lines(kind, change or {})]
    state_order = [
        MatterState.DRAFT,
        MatterState.SUBMITTED,
        MatterState.REVIEWED,
        MatterState.DECIDED,
        MatterState.EXECUTED,
    ]
    earlier = state_order[: state_order.index(MatterState(matter.state))] if matter.state in state_order else []
    return render(
        request,
        "web/matters/matter_detail.html",
        {
            "title": shown_text(matter.title, whole=whole),
            "nav": "matters",
            "matter": matter,
            "shown": {
                "basis": shown_text(matter.basis, whole=whole),
                "reason": shown_text(matter.reason, whole=whole),
                "document_number": shown_text(matter.document_number, whole=whole),
            },
            "lines": lines,
            "steps": [{"step": s, "opinion": shown_text(s.opinion, whole=whole)} for s in matter.steps.all()],
            "countersigns": [
                {"row": c, "opinion": shown_text(c.opinion, whole=whole)} for c in matter.countersigns.all()
            ],
            "actions": _actions(request.user, matter),
            "pending_offices": [c.office for c in matter.countersigns.all() if not c.signed],
            "return_targets": [(s.value, s.label) for s in earlier[:3]],
            "progress": [(s.label, s == matter.state or s in earlier) for s in state_order],
            "today": today(),
            "units": sorted(u.code for u in matter.units.all()),
        },
    )


@require_POST
@_viewer
def matter_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one step; a refusal comes back as a message on the matter's page."""
    matter = _matter_or_404(request, pk)
    post = request.POST
    opinion = str(post.get("opinion", "")).strip()[:2000]
    user = request.user
    target = matter
    try:
        with change_origin(source=ChangeSet.Source.WEB, origin=client_origin(request)):
            if action == "submit":
                services.matter_submit(matter=matter, user=user, opinion=opinion)
            elif action == "review":
                services.matter_review(matter=matter, user=user, opinion=opinion)
            elif action == "countersign":
                services.matter_countersign(
                    matter=matter,
                    user=user,
                    office=str(post.get("office", "")),
                    opinion=opinion,
                    agreed=post.get("agreed", "1") == "1",
                )
            elif action == "decide":
                services.matter_decide(matter=matter, user=user, approve=post.get("approve") == "1", opinion=opinion)
            elif action == "return":
                services.matter_return(
                    matter=matter, user=user, to_state=str(post.get("to_state", "")), opinion=opinion
                )
            elif action == "withdraw":
                services.matter_withdraw(matter=matter, user=user, opinion=opinion)
            elif action == "execute":
                day = _day(post.get("effective"))
                services.matter_execute(matter=matter, user=user, effective=day)
            elif action == "amend":
                target = services.matter_amend(
                    matter=matter,
                    user=user,
                    reason=str(post.get("reason", "")).strip()[:2000],
                    effective=_day(post.get("effective")),
                    document_number=str(post.get("document_number", "")).strip()[:200],
                )
            else:
                raise Http404(_("No such step."))
    except services.MatterRefused as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        text = exc.message
        if exc.problems:
            text += "：" + "；".join(
                f"{p['sheet']} 第{p['row']}行 {p['column']} {p['message']}" for p in exc.problems[:5]
            )
        messages.error(request, text)
    else:
        messages.success(request, _("Done."))
    return redirect("web:matters:matter_detail", pk=target.pk)


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@require_GET
@_viewer
def matter_document_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The decision (批复) as Word or PDF."""
    from bianzhi.core.documents import FORMATS, document_response

    matter = _matter_or_404(request, pk)
    if fmt not in FORMATS:
        raise Http404(pgettext("matters", "No such format."))
    doc = matter_document(matter)
    if not sees_every_number(request.user):
        doc.title = shown_text(doc.title, whole=False)
        doc.paragraphs = [shown_text(p, whole=False) for p in doc.paragraphs]
        if doc.table:
            doc.table = (doc.table[0], [[shown_text(c, whole=False) for c in row] for row in doc.table[1]])
    return document_response(doc, file_stem=f"机构编制事项{matter.pk}批复", fmt=fmt)


# ---------------------------------------------------------------- the ledger


@require_GET
@_viewer
def ledger_index(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("unit", "").strip()
    if code:
        return redirect("web:matters:ledger", code=code)
    return render(
        request,
        "web/matters/ledger_index.html",
        {"title": _("Ledger"), "nav": "matters", "units": unit_choices(user=request.user, day=today())},
    )


def _stops(days: list[dt.date]) -> list[dt.date]:
    """The slider's days: the day before the first change (the register as it was), every effective
    day of the ledger, and today after them."""
    stops = [days[0] - dt.timedelta(days=1), *days] if days else []
    return [*stops, today()] if not stops or stops[-1] < today() else stops


def _ledger_context(request: HttpRequest, code: str) -> dict[str, Any]:
    """The unit, its ledger and the slider's day: ``?i=`` (a stop of the slider) or ``?day=``, else today."""
    unit = selectors.visible_unit(user=request.user, code=code)
    if unit is None:
        raise Http404(_("No such unit, or it is not within your units."))
    entries = selectors.ledger(user=request.user, unit=unit)
    stops = _stops(selectors.ledger_days(entries))
    index = len(stops) - 1
    raw = str(request.GET.get("i", ""))
    if raw.isdigit() and len(raw) < 6:
        index = min(int(raw), len(stops) - 1)
    elif day := _day(request.GET.get("day")):
        index = max((i for i, d in enumerate(stops) if d <= day), default=0)
    day = stops[index]
    whole = sees_every_number(request.user)
    rows = [{"entry": e, "shown": e.day is None or e.day <= day} for e in entries]
    return {
        "unit": unit,
        "rows": rows,
        "stops": [d.isoformat() for d in stops],
        "index": index,
        "day": day,
        "register": selectors.unit_register(unit=unit, day=day),
        "whole": whole,
        "register_url": reverse("web:matters:ledger_register", args=[unit.code]),
    }


@require_GET
@_viewer
def ledger(request: HttpRequest, code: str) -> HttpResponse:
    context = _ledger_context(request, code)
    name = context["register"].name or code
    return render(
        request,
        "web/matters/ledger.html",
        {**context, "title": _("Ledger of %(unit)s") % {"unit": name}, "nav": "matters"},
    )


@require_GET
@_viewer
def ledger_register(request: HttpRequest, code: str) -> HttpResponse:
    """The htmx partial: the unit's register as of the slider's day, and the ledger up to that day."""
    return render(request, "web/matters/_register.html", _ledger_context(request, code))


urlpatterns = [
    path("", matter_list, name="matter_list"),
    path("new/", matter_new, name="matter_new"),
    path("<int:pk>/", matter_detail, name="matter_detail"),
    path("<int:pk>/edit/", matter_edit, name="matter_edit"),
    path("<int:pk>/steps/<str:action>/", matter_step, name="matter_step"),
    path("<int:pk>/document.<str:fmt>", matter_document_view, name="matter_document"),
    path("ledger/", ledger_index, name="ledger_index"),
    path("ledger/<str:code>/", ledger, name="ledger"),
    path("ledger/<str:code>/register/", ledger_register, name="ledger_register"),
]
