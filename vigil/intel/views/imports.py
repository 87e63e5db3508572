"""Import pages: upload a file into a source (any registered import format), the list of
import jobs, and one job (status, counts, and the refused lines with their numbers,
paged)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.core.errors import AccessDenied
from vigil.core.web import get_or_post, submit

from .. import forms
from .. import selectors as sel
from ..models import ImportJob
from ..services import imports as import_svc

ERRORS_PER_PAGE = 100


@login_required
@get_or_post
def import_upload(request):
    """Upload a file; the result is the import job's page (a bad line stops its batch
    unless bad lines are to be skipped; a file imported before changes nothing)."""
    user = request.user
    initial = {"source": request.GET.get("source") or None, "format": "list"}
    form = forms.ImportForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if not form.fields["source"].queryset.exists():
        raise AccessDenied(_("Bạn không có quyền nhập chỉ báo vào nguồn nào. Hãy tạo nguồn cho đơn vị mình trước."))

    def save(actor):
        d = form.cleaned_data
        job = import_svc.import_upload(
            actor=actor, source=d["source"], upload=d["file"], fmt=d["format"],
            type_code=d.get("type") or "", options=d.get("options") or {}, tlp=d.get("tlp") or None,
            confidence=d.get("confidence"), skip_invalid=d.get("skip_invalid", False),
        )
        if job.status != ImportJob.Status.DONE:
            messages.error(request, _("Tệp %(f)s chưa được nhập: có dòng lỗi.") % {"f": job.filename})
        return job

    return submit(
        request, form, save,
        success=lambda job: reverse("intel:import_detail", kwargs={"import_job_id": job.pk}),
        message=lambda job: _("Đã nhập tệp %(f)s.") % {"f": job.filename} if job.status == ImportJob.Status.DONE else None,
        template="intel/import_form.html", aliases={"source_id": "source", "upload": "file"},
    )


@login_required
def import_list(request):
    """Recent import jobs of the sources the user may see."""
    return render(request, "intel/import_list.html", {"jobs": sel.imports(request.user)})


@login_required
def import_detail(request, import_job_id):
    """One import job: status, counts, refused lines (paged)."""
    job = sel.import_get(request.user, import_job_id)
    errors = Paginator(job.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "intel/import_detail.html", {"job": job, "errors": errors, "query": ""})
