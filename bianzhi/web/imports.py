"""导入 pages: the blank template, upload, validation with progress, the report with its checked
copy, and confirmation (issue 3, "Import in the browser"; interchange.md §1).

Only users allowed ``Action.IMPORT`` on the whole district (编办管理员, 编办业务人员) reach them;
单位人事干部 and the read-only roles are refused (``bianzhi.accounts.permissions``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from itertools import groupby
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bianzhi.accounts.permissions import Action, can
from bianzhi.core.dates import today
from bianzhi.registry import workbooks
from bianzhi.registry.importer.reader import SHEET_NAMES
from bianzhi.registry.models import ImportJob, WorkbookUpload
from bianzhi.registry.services import UploadRefused, UploadStateError
from bianzhi.registry.services.import_jobs import (
    annotated_copy,
    annotated_path,
    import_confirm_start,
    import_upload_get,
    import_upload_list,
    import_upload_store,
    import_validation_start,
    latest_job,
)
from bianzhi.registry.services.uploads import UPLOAD_MAX_BYTES, UPLOAD_SUFFIXES
from bianzhi.web.selectors import user_grants

app_name = "imports"

#: Problems listed on the page; the checked copy and its 错误清单 sheet hold every one.
PAGE_PROBLEMS = 500
#: A job still queued after this long probably has no worker to run it.
QUEUED_HINT_AFTER = dt.timedelta(seconds=15)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Log in first; then only users who may import on the whole district (the choke point)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can(request.user, Action.IMPORT):
            raise PermissionDenied(_("You may not import data."))
        return view(request, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template_name: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """Render an import page inside the site's frame (top bar with the user's roles)."""
    context = {"nav": "imports", "grants": user_grants(user=request.user), **context}
    return render(request, template_name, context, status=status)


def _upload_or_404(request: HttpRequest, upload_id: int) -> WorkbookUpload:
    upload = import_upload_get(user=request.user, upload_id=upload_id)
    if upload is None:
        raise Http404(_("No such upload."))
    return upload


def _download(data: Any, file_name: str, *, content_type: str = XLSX) -> HttpResponseBase:
    response: HttpResponseBase
    if isinstance(data, bytes):
        response = HttpResponse(data, content_type=content_type)
    else:
        response = FileResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


# ---------------------------------------------------------------- forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Standard workbook"),
        help_text=format_lazy(
            gettext_lazy(
                "An Excel workbook (.xlsx), a .zip of the sheets' CSV files, or a single .csv named after "
                "its sheet; at most {size} MB"
            ),
            size=UPLOAD_MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(UPLOAD_SUFFIXES), "class": "form-control"}),
    )


class ConfirmForm(forms.Form):
    effective = forms.DateField(
        label=gettext_lazy("Effective date"),
        required=False,
        help_text=gettext_lazy(
            "The changes take effect on this day; empty means today. Data imported for the first time is valid "
            "on every day."
        ),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        error_messages={"required": gettext_lazy("Please give a reason.")},
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=gettext_lazy('Recorded in the change log, e.g. "annual check of the real-name staff data"'),
    )
    document_number = forms.CharField(
        label=gettext_lazy("Document number"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": gettext_lazy("e.g. Yue Bian [2026] No. 12")}
        ),
    )


# ---------------------------------------------------------------- report


def _report_context(upload: WorkbookUpload) -> dict[str, Any]:
    """The report grouped for the page: per sheet, per row, errors before warnings."""
    report = upload.report or {}
    errors = report.get("errors") or []
    warnings = report.get("warnings") or []
    problems = workbooks.problems_of(errors, warnings)
    shown = problems[:PAGE_PROBLEMS]
    groups = []
    for sheet, sheet_problems in groupby(shown, key=lambda p: p.sheet):
        rows = [{"row": row, "problems": list(items)} for row, items in groupby(sheet_problems, key=lambda p: p.row)]
        groups.append({"sheet": sheet or _("Whole file"), "rows": rows, "count": sum(len(r["problems"]) for r in rows)})
    counts = []
    if report.get("ok"):
        for name in SHEET_NAMES:
            created = (report.get("created") or {}).get(name, 0)
            updated = (report.get("updated") or {}).get(name, 0)
            unchanged = (report.get("unchanged") or {}).get(name, 0)
            counts.append({"sheet": name, "created": created, "updated": updated, "unchanged": unchanged})
    return {
        "report": report,
        "has_report": bool(report),
        "error_count": len(errors),
        "warning_count": len(warnings),
        "groups": groups,
        "truncated": len(problems) > len(shown),
        "problem_total": len(problems),
        "page_problems": PAGE_PROBLEMS,
        "counts": counts,
        "count_totals": {key: sum(c[key] for c in counts) for key in ("created", "updated", "unchanged")},
        # Every stored value the import changes, with since when and by which 文号 it holds.
        "changes": (report.get("changes") or [])[:PAGE_PROBLEMS] if report.get("ok") else [],
        "changes_more": max(0, len(report.get("changes") or []) - PAGE_PROBLEMS) + (report.get("changes_omitted") or 0),
    }


def _job_context(job: ImportJob | None) -> dict[str, Any]:
    waiting = bool(
        job is not None and job.state == ImportJob.State.QUEUED and timezone.now() - job.created_at > QUEUED_HINT_AFTER
    )
    return {"job": job, "job_active": bool(job and job.active), "queued_long": waiting}


# ---------------------------------------------------------------- views


@require_http_methods(["GET", "POST"])
@import_required
def upload_list(request: HttpRequest) -> HttpResponse:
    """The import page: the template, the upload form and the recent uploads."""
    form = UploadForm()
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                upload = import_upload_store(file_name=uploaded.name or "", chunks=uploaded.chunks(), user=request.user)
            except UploadRefused as exc:
                form.add_error("file", str(exc))
            else:
                import_validation_start(upload=upload, user=request.user)
                return redirect("web:imports:upload_detail", upload_id=upload.pk)
        status = 400
    uploads = list(import_upload_list(user=request.user)[:20])
    context = {
        "form": form,
        "uploads": uploads,
        "max_rows": workbooks.HIGHLIGHT_MAX_ROWS,
        "sheet_names": SHEET_NAMES,
        "sheet_list": _(", ").join(SHEET_NAMES),
    }
    return _page(request, "web/imports/upload_list.html", context, status=status)


@require_GET
@import_required
def template(request: HttpRequest) -> HttpResponseBase:
    """The blank standard workbook."""
    return _download(workbooks.template_workbook(), workbooks.TEMPLATE_FILE_NAME)


def _detail_context(upload: WorkbookUpload, confirm_form: ConfirmForm | None = None) -> dict[str, Any]:
    job = latest_job(upload)
    can_confirm = upload.state == WorkbookUpload.State.VALID and not (job and job.active)
    if confirm_form is None and can_confirm:
        confirm_form = ConfirmForm(
            initial={
                "effective": upload.effective or today(),
                "reason": upload.reason,
                "document_number": upload.document_number,
            }
        )
    refused = bool(
        job
        and job.kind == ImportJob.Kind.CONFIRM
        and job.state == ImportJob.State.DONE
        and upload.state == WorkbookUpload.State.INVALID
    )
    return {
        "upload": upload,
        **_job_context(job),
        **_report_context(upload),
        "confirm_form": confirm_form if can_confirm else None,
        "can_validate": upload.state != WorkbookUpload.State.IMPORTED and not (job and job.active),
        "refused": refused,
        "checked_copy": annotated_path(upload) is not None and not (job and job.active),
        "highlighted": job is None or job.data_rows is None or job.data_rows <= workbooks.HIGHLIGHT_MAX_ROWS,
        "max_rows": workbooks.HIGHLIGHT_MAX_ROWS,
        "problem_sheet": workbooks.PROBLEM_SHEET,
    }


@require_GET
@import_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    """One upload: progress while a job runs, then the report, the checked copy and the confirm form."""
    upload = _upload_or_404(request, upload_id)
    return _page(request, "web/imports/upload_detail.html", _detail_context(upload))


@require_GET
@import_required
def upload_progress(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The progress bar (polled by htmx every second); once the job is over the page reloads."""
    upload = _upload_or_404(request, upload_id)
    job = latest_job(upload)
    response = render(request, "web/imports/_progress.html", {"upload": upload, **_job_context(job)})
    if not (job and job.active) and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@import_required
def upload_validate(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Validate again against the register as it is now."""
    upload = _upload_or_404(request, upload_id)
    try:
        import_validation_start(upload=upload, user=request.user)
    except UploadStateError as exc:
        messages.error(request, str(exc))
    return redirect("web:imports:upload_detail", upload_id=upload.pk)


@require_POST
@import_required
def upload_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Import: re-validated first, then stored as one logged change set with the form's reason,
    文号 and effective date."""
    upload = _upload_or_404(request, upload_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        context = _detail_context(upload, confirm_form=form)
        return _page(request, "web/imports/upload_detail.html", context, status=400)
    try:
        import_confirm_start(
            upload=upload,
            user=request.user,
            effective=form.cleaned_data["effective"],
            reason=form.cleaned_data["reason"],
            document_number=form.cleaned_data["document_number"],
        )
    except UploadStateError as exc:
        messages.error(request, str(exc))
    return redirect("web:imports:upload_detail", upload_id=upload.pk)


@require_GET
@import_required
def upload_checked(request: HttpRequest, upload_id: int) -> HttpResponseBase:
    """The checked copy: the workbook with its bad cells highlighted and commented (or, for a large
    file, the original with a 错误清单 sheet)."""
    upload = _upload_or_404(request, upload_id)
    job = latest_job(upload)
    if job is not None and job.active:
        raise Http404(_("The workbook is being validated; download it once that is done."))
    copy = annotated_copy(upload, data_rows=job.data_rows if job else None)
    if copy is None:
        raise Http404(_("The validation found no problems: there is no workbook to mark."))
    return _download(copy.open("rb"), workbooks.annotated_file_name(upload.file_name))


urlpatterns = [
    path("", upload_list, name="upload_list"),
    path("template.xlsx", template, name="template"),
    path("<int:upload_id>/", upload_detail, name="upload_detail"),
    path("<int:upload_id>/progress/", upload_progress, name="upload_progress"),
    path("<int:upload_id>/validate/", upload_validate, name="upload_validate"),
    path("<int:upload_id>/confirm/", upload_confirm, name="upload_confirm"),
    path("<int:upload_id>/checked.xlsx", upload_checked, name="upload_checked"),
]
