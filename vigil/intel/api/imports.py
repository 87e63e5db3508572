"""Intelligence API, imports: upload a file into a source (multipart), the list of import
jobs and one job with its refused lines.

An upload answers 201 with the new job, 200 with the earlier job when the same file was
already imported into the source (nothing changes), and a 422 problem listing every
refused line (field `file`, with its line number) when a batch was refused; that job is
kept, and a corrected file or `skip_invalid` goes on from the last committed batch.
"""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from vigil.core import safejson
from vigil.core.actors import api_actor
from vigil.core.errors import DomainError
from vigil.core.problems import problem
from vigil.intel.api.schemas import ImportJobDetailOut, ImportJobOut

from .. import selectors as sel
from ..models import ImportJob
from ..services.imports import import_upload
from .feeds import source_ref

router = Router(tags=["intel"])


def _options(text: str) -> dict:
    if not (text or "").strip():
        return {}
    try:
        data = safejson.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(_("Tuỳ chọn phải là đối tượng JSON hợp lệ (lỗi ở vị trí %(pos)s).") % {"pos": exc.pos},
                          field="options") from None
    if not isinstance(data, dict):
        raise DomainError(_("Tuỳ chọn phải là đối tượng JSON, ví dụ {\"type\": \"domain\"}."), field="options")
    return data


@router.post(
    "/imports", response={200: ImportJobDetailOut, 201: ImportJobDetailOut},
    summary="Import a file into a source (multipart: file, source_id, format, options JSON, tlp, confidence, "
            "skip_invalid); 422 lists refused lines",
)
def upload(request, file: File[UploadedFile], source_id: Form[int], format: Form[str] = "list",
           type: Form[str] = "", options: Form[str] = "", tlp: Form[str] = "", confidence: Form[int | None] = None,
           skip_invalid: Form[bool] = False):
    user = request.auth
    source = source_ref(user, source_id)
    started = timezone.now()
    job = import_upload(actor=api_actor(request), source=source, upload=file, fmt=format, type_code=type,
                        options=_options(options), tlp=tlp or None, confidence=confidence,
                        skip_invalid=skip_invalid)
    if job.status == ImportJob.Status.FAILED:
        errors = [{"field": "file", "line": e.get("line"), "ref": e.get("ref", ""), "message": e.get("message", "")}
                  for e in job.errors or []]
        detail = ngettext(
            "Tệp chưa được nhập hết: %(n)s dòng lỗi (lần nhập số %(id)s).",
            "Tệp chưa được nhập hết: %(n)s dòng lỗi (lần nhập số %(id)s).", len(errors),
        ) % {"n": len(errors), "id": job.pk}
        response = problem(request, 422, _("Tệp có dòng lỗi"), detail, errors, code="import-refused")
        response["Location"] = f"{request.path.rstrip('/')}/{job.pk}"
        return response
    job = sel.import_get(user, job.pk)
    return Status(201 if job.started_at >= started else 200, job)


@router.get("/imports", response=list[ImportJobOut], summary="Recent import jobs of the sources you may see")
def list_imports(request, limit: int = 100):
    return sel.imports(request.auth, limit=max(1, min(limit, 1000)))


@router.get("/imports/{int:import_job_id}", response=ImportJobDetailOut,
            summary="One import job: status, counts and refused lines with their numbers")
def get_import(request, import_job_id: int):
    return sel.import_get(request.auth, import_job_id)
