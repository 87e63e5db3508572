"""Import pages: upload a file into a source (any registered import format), the list of
import jobs, and one job (status, counts, and the refused lines with their numbers,
paged)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core.errors import AccessDenied, DomainError
from vigil.core.views.common import domain_errors

from .. import forms
from .. import selectors as sel
from ..models import ImportJob
from .common import actor, form_errors
from .uploads import upload_import

ERRORS_PER_PAGE = 100


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a file; the result is the import job's page (a bad line stops its batch
    unless bad lines are to be skipped; a file imported before changes nothing)."""
    user = request.user
    initial = {"source": request.GET.get("source") or None, "format": "list"}
    form = forms.ImportForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if not form.fields["source"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền nhập chỉ báo vào nguồn nào. Hãy tạo nguồn cho đơn vị mình trước."))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            job = upload_import(
                actor=actor(request), source=d["source"], upload=d["file"], fmt=d["format"],
                type_code=d.get("type") or "", options=d.get("options") or {}, tlp=d.get("tlp") or None,
                confidence=d.get("confidence"), skip_invalid=d.get("skip_invalid", False),
            )
        except (DomainError, ValidationError) as exc:
            form_errors(form, exc, aliases={"source_id": "source", "upload": "file"})
        else:
            if job.status == ImportJob.Status.DONE:
                messages.success(request, _("Đã nhập tệp %(f)s.") % {"f": job.filename})
            else:
                messages.error(request, _("Tệp %(f)s chưa được nhập: có dòng lỗi.") % {"f": job.filename})
            return redirect("intel:import_detail", import_job_id=job.pk)
    return render(request, "intel/import_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@domain_errors
def import_list(request):
    """Recent import jobs of the sources the user may see."""
    return render(request, "intel/import_list.html", {"jobs": sel.imports(request.user)})


@login_required
@domain_errors
def import_detail(request, import_job_id):
    """One import job: status, counts, refused lines (paged)."""
    job = sel.import_get(request.user, import_job_id)
    errors = Paginator(job.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "intel/import_detail.html", {"job": job, "errors": errors, "query": ""})
