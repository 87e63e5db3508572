"""Pages of the program's reports: the pre-meeting report (choose the meeting, or a unit
and a period; preview the data; download it as DOCX or XLSX).

Each view parses the form, calls `program.reports` (gathering through the access layer,
exports through `premeeting_export`, which writes the audit entry) and renders. A bad
choice becomes a form error next to its field; a refused export, core's error page.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from vigil.core.errors import DomainError
from vigil.core.web import get_only, map_errors, web_actor

from ..documents import exports
from ..documents import premeeting as premeeting_sel
from ..forms.reports import PreMeetingReportForm


def _parse(request, *, bind: bool = False):
    """The form, and the report's parameters and language when the form is valid and
    its choices resolve (otherwise None, with the errors on the form). The page shows
    an unbound form when nothing is asked yet; a download always validates."""
    form = PreMeetingReportForm(request.GET if (bind or request.GET) else None, user=request.user)
    if not form.is_bound or not form.is_valid():
        return form, None, None
    f = form.cleaned_data
    try:
        language = exports.report_language(f.get("lang") or (get_language() or "vi")[:2], request.user)
        params = exports.report_params(
            user=request.user, meeting=f.get("meeting") or None, unit=f["unit"].pk if f.get("unit") else None,
            since=f.get("since"), until=f.get("until"), subtree=f.get("subtree", False),
        )
    except DomainError as exc:
        map_errors(form, exc)
        return form, None, None
    return form, params, language


def _page(request, form, report=None, status=200):
    context = {
        "form": form,
        "report": report,
        "query": request.GET.urlencode(),
        "can_export": premeeting_sel.can_export(request.user),
    }
    return render(request, "program/report_premeeting.html", context, status=status)


@login_required
@get_only
def premeeting(request):
    """Choose the meeting (or unit and period) and preview the report's data."""
    form, params, language = _parse(request)
    if params is None:
        return _page(request, form, status=400 if form.is_bound and form.errors else 200)
    try:
        report = exports.premeeting_build(user=request.user, language=language, **params)
    except DomainError as exc:
        map_errors(form, exc)
        return _page(request, form, status=400)
    return _page(request, form, report)


def _download(request, fmt: str):
    premeeting_sel.require_export_right(request.user)
    form, params, language = _parse(request, bind=True)
    if params is None:
        return _page(request, form, status=400)
    try:
        produced = exports.premeeting_export(
            actor=web_actor(request), fmt=fmt, language=language, **params
        )
    except DomainError as exc:
        map_errors(form, exc)
        return _page(request, form, status=400)
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response


@login_required
@get_only
def premeeting_docx(request):
    """Download the report as DOCX (an `export` audit entry)."""
    return _download(request, "docx")


@login_required
@get_only
def premeeting_xlsx(request):
    """Download the report as XLSX (an `export` audit entry)."""
    return _download(request, "xlsx")
