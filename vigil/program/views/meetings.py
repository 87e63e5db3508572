"""Pages of meetings: the list (filters: body unit, year, status), a meeting's page with
its sections (information, attendees, connected sites, documents, the conclusion notice
and its conclusions with the tasks they produced), the forms that write them, and the
form that turns a conclusion into tasks.

Each view parses, calls one selector or service, and renders. Domain errors become form
errors next to the field they name, or core's error page (403 / 404) otherwise. Objects
are looked up before the method is checked, so what is out of sight answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core import concurrency
from vigil.core.actors import actor_from_request
from vigil.core.errors import DomainError, validation_errors
from vigil.core.views.common import domain_errors

from .. import forms_meetings as forms
from ..models import Meeting
from ..selectors import meetings as meeting_sel
from ..services import meetings as meeting_svc

PAGE_SIZE = 30
TABS = ("info", "attendees", "sites", "documents", "conclusions")


# --------------------------------------------------------------------------- helpers


def _actor(request):
    return actor_from_request(request, channel="web")


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


ALIASES = {"body_unit_id": "body_unit", "unit_id": "unit", "person_id": "person", "upload": "file"}


def _form_errors(form, exc: Exception) -> None:
    """Put a service's error next to the field it names (or above the form)."""
    errors = exc.errors() if isinstance(exc, DomainError) else validation_errors(exc)
    for field, msgs in errors.items():
        name = ALIASES.get(field, field)
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


def _reraise_access(exc: Exception) -> None:
    if isinstance(exc, DomainError) and exc.status in (403, 404) and exc.field in (None, "meeting_id"):
        raise exc


def _detail_url(meeting, tab: str = "info") -> str:
    url = reverse("program:meeting_detail", kwargs={"meeting_id": meeting.pk})
    return url if tab == "info" else f"{url}?tab={tab}#{tab}"


def _post_only(request):
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _detail_context(request, meeting, tab="info", **extra):
    user = request.user
    perms = meeting_sel.meeting_permissions(user=user, meeting=meeting)
    attendee_rows = list(meeting_sel.attendees(meeting=meeting))
    site_rows = list(meeting_sel.sites(meeting=meeting))
    members_left = meeting_sel.body_members(user=user, meeting=meeting, not_listed=True)
    context = {
        "meeting": meeting,
        "tab": tab if tab in TABS else "info",
        "attendees": attendee_rows,
        "attendance": meeting_sel.attendance_summary(meeting=meeting),
        "members_left": members_left,
        "sites": site_rows,
        "sites_attended": sum(1 for s in site_rows if s.attended),
        "documents": list(meeting_sel.documents(meeting=meeting)),
        "conclusions": meeting_sel.conclusions_with_tasks(user=user, meeting=meeting),
        "error": None,
        **perms,
    }
    if perms["can_change"]:
        context.update(
            attendee_form=forms.AttendeeForm(user=user, meeting=meeting, prefix="att"),
            site_form=forms.SiteForm(user=user, prefix="site"),
            document_form=forms.DocumentForm(prefix="doc"),
            notice_form=forms.NoticeForm(
                prefix="notice",
                initial={"notice_number": meeting.notice_number, "notice_date": meeting.notice_date},
            ),
        )
        if perms["can_edit_conclusions"]:
            context["conclusion_form"] = forms.ConclusionForm(prefix="c")
    context.update(extra)
    return context


def _render_detail(request, meeting, tab, status=400, **extra):
    return render(request, "program/meeting_detail.html", _detail_context(request, meeting, tab, **extra), status=status)


# --------------------------------------------------------------------------- list, create, edit


@login_required
@domain_errors
def meeting_list(request):
    """Meetings the user may see: of bodies in their scope and those they joined as a site."""
    user = request.user
    form = forms.MeetingFilterForm(request.GET or None, user=user)
    f = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = meeting_sel.meeting_list(
        user=user, body_unit=f.get("body_unit"), year=f.get("year"), status=f.get("status") or None,
        q=f.get("q") or None,
    )
    context = {
        "form": form, "page": _page(request, qs), "query": _query_without_page(request),
        "can_create": meeting_sel.body_units_for_create(user=user).exists(),
    }
    return render(request, "program/meeting_list.html", context)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    """Record a meeting (prefilled body unit from ?unit=)."""
    from vigil.core.errors import AccessDenied

    user = request.user
    initial = {"kind": Meeting.Kind.REGULAR}
    if request.GET.get("unit"):
        initial["body_unit"] = request.GET["unit"]
    form = forms.MeetingForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if not form.fields["body_unit"].queryset.exists():
        raise AccessDenied()
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_svc.meeting_create(actor=_actor(request), **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã tạo phiên họp “%(t)s”.") % {"t": meeting.title})
            return redirect("program:meeting_detail", meeting_id=meeting.pk)
    return render(request, "program/meeting_form.html", {"form": form, "meeting": None},
                  status=400 if request.method == "POST" else 200)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id):
    """Edit a meeting's information and minutes (`change` on the body unit)."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    meeting_svc.require_change(_actor(request), meeting)
    fields = ("title", "kind", "held_on", "start_time", "location", "is_online", "chair", "agenda", "minutes")
    initial = {name: getattr(meeting, name) for name in fields}
    initial["chair"] = meeting.chair_id
    form = forms.MeetingForm(request.POST if request.method == "POST" else None, user=user, meeting=meeting, initial=initial)
    concurrency.add_version_field(form, meeting)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            meeting_svc.meeting_update(actor=_actor(request), meeting=meeting, **form.cleaned_data)
        except concurrency.StaleObject as exc:
            stale = concurrency.refuse_stale(form, exc, meeting)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu phiên họp."))
            return redirect("program:meeting_detail", meeting_id=meeting.pk)
    return render(request, "program/meeting_form.html", {"form": form, "meeting": meeting},
                  status=stale or (400 if request.method == "POST" else 200))


@login_required
@domain_errors
def meeting_detail(request, meeting_id):
    """One meeting with its sections; forms for those who may change it."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    tab = request.GET.get("tab", "info")
    return render(request, "program/meeting_detail.html", _detail_context(request, meeting, tab))


@login_required
@domain_errors
def meeting_status(request, meeting_id):
    """POST status=held|concluded: move the meeting one step along its workflow."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.MeetingStatusForm(request.POST)
    error = _("Hãy chọn trạng thái.")
    if form.is_valid():
        try:
            meeting_svc.meeting_set_status(actor=_actor(request), meeting=meeting, status=form.cleaned_data["status"])
        except DomainError as exc:
            _reraise_access(exc)
            error = exc.message
        else:
            meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
            messages.success(request, _("Phiên họp đã chuyển sang “%(s)s”.") % {"s": meeting.get_status_display()})
            return redirect(_detail_url(meeting, "conclusions" if meeting.status == Meeting.Status.CONCLUDED else "info"))
    return _render_detail(request, meeting, "conclusions", error=error)


@login_required
@domain_errors
def meeting_notice(request, meeting_id):
    """POST: record the conclusion notice's number and date."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.NoticeForm(request.POST, prefix="notice")
    if form.is_valid():
        try:
            meeting_svc.meeting_update(actor=_actor(request), meeting=meeting, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu số và ngày thông báo kết luận."))
            return redirect(_detail_url(meeting, "conclusions"))
    return _render_detail(request, meeting, "conclusions", notice_form=form)


# --------------------------------------------------------------------------- attendees


@login_required
@domain_errors
def attendee_add(request, meeting_id):
    """POST: add a member of the body to the attendance list."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.AttendeeForm(request.POST, user=user, meeting=meeting, prefix="att")
    if form.is_valid():
        try:
            a = meeting_svc.attendee_add(actor=_actor(request), meeting=meeting, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm %(p)s vào danh sách tham dự.") % {"p": a.person.full_name})
            return redirect(_detail_url(meeting, "attendees"))
    return _render_detail(request, meeting, "attendees", attendee_form=form)


@login_required
@domain_errors
def attendees_add_members(request, meeting_id):
    """POST: add every current member of the body not yet listed, as present."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    added = meeting_svc.attendees_add_members(actor=_actor(request), meeting=meeting)
    messages.success(request, _("Đã thêm %(n)s thành viên vào danh sách tham dự.") % {"n": len(added)})
    return redirect(_detail_url(meeting, "attendees"))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def attendee_edit(request, meeting_id, attendee_id):
    """Change an attendee's presence (present, absent, delegated with the delegate's name)."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    attendee = meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id)
    meeting_svc.require_change(_actor(request), meeting)
    initial = {"presence": attendee.presence, "delegate_name": attendee.delegate_name, "note": attendee.note}
    form = forms.AttendeeEditForm(request.POST if request.method == "POST" else None, initial=initial)
    concurrency.add_version_field(form, attendee)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            meeting_svc.attendee_update(actor=_actor(request), attendee=attendee, **form.cleaned_data)
        except concurrency.StaleObject as exc:
            stale = concurrency.refuse_stale(form, exc, attendee)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect(_detail_url(meeting, "attendees"))
    context = {"form": form, "meeting": meeting, "object": attendee, "back": _detail_url(meeting, "attendees"),
               "heading": attendee.person.full_name}
    return render(request, "program/meeting_part_form.html", context,
                  status=stale or (400 if request.method == "POST" else 200))


@login_required
@domain_errors
def attendee_remove(request, meeting_id, attendee_id):
    """POST: take someone off the attendance list."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    attendee = meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.attendee_remove(actor=_actor(request), attendee=attendee)
    messages.success(request, _("Đã bỏ khỏi danh sách tham dự."))
    return redirect(_detail_url(meeting, "attendees"))


# --------------------------------------------------------------------------- connected sites


@login_required
@domain_errors
def site_add(request, meeting_id):
    """POST: add a connected site to an online meeting."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.SiteForm(request.POST, user=user, prefix="site")
    if form.is_valid():
        try:
            site = meeting_svc.site_add(actor=_actor(request), meeting=meeting, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm điểm cầu %(u)s.") % {"u": site.unit.display_name})
            return redirect(_detail_url(meeting, "sites"))
    return _render_detail(request, meeting, "sites", site_form=form)


@login_required
@domain_errors
def sites_add_provinces(request, meeting_id):
    """POST: add every province (that the user can see) as a connected site."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    try:
        added = meeting_svc.sites_add_all(actor=_actor(request), meeting=meeting, kind="province")
    except DomainError as exc:
        _reraise_access(exc)
        return _render_detail(request, meeting, "sites", error=exc.message)
    messages.success(request, _("Đã thêm %(n)s điểm cầu tỉnh, thành phố.") % {"n": len(added)})
    return redirect(_detail_url(meeting, "sites"))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def site_edit(request, meeting_id, site_id):
    """Record whether a site connected and how many attended there."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    site = meeting_sel.site_get(meeting=meeting, site_id=site_id)
    meeting_svc.require_change(_actor(request), meeting)
    initial = {"attended": site.attended, "participants": site.participants, "note": site.note}
    form = forms.SiteEditForm(request.POST if request.method == "POST" else None, initial=initial)
    concurrency.add_version_field(form, site)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            meeting_svc.site_update(actor=_actor(request), site=site, **form.cleaned_data)
        except concurrency.StaleObject as exc:
            stale = concurrency.refuse_stale(form, exc, site)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect(_detail_url(meeting, "sites"))
    context = {"form": form, "meeting": meeting, "object": site, "back": _detail_url(meeting, "sites"),
               "heading": site.unit.display_name}
    return render(request, "program/meeting_part_form.html", context,
                  status=stale or (400 if request.method == "POST" else 200))


@login_required
@domain_errors
def site_remove(request, meeting_id, site_id):
    """POST: remove a connected site."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    site = meeting_sel.site_get(meeting=meeting, site_id=site_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.site_remove(actor=_actor(request), site=site)
    messages.success(request, _("Đã bỏ điểm cầu."))
    return redirect(_detail_url(meeting, "sites"))


# --------------------------------------------------------------------------- documents


@login_required
@domain_errors
def document_add(request, meeting_id):
    """POST (multipart): upload a document of the meeting."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.DocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        data = form.cleaned_data
        try:
            doc = meeting_svc.document_add(
                actor=_actor(request), meeting=meeting, upload=data["file"], title=data.get("title", ""),
                kind=data["kind"],
            )
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã tải lên tài liệu “%(t)s”.") % {"t": doc.title})
            return redirect(_detail_url(meeting, "documents"))
    return _render_detail(request, meeting, "documents", document_form=form)


@login_required
@domain_errors
def document_download(request, meeting_id, document_id):
    """Download a document, through the access check (never a public media URL)."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    document = meeting_sel.document_get(meeting=meeting, document_id=document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    handle = meeting_svc.document_open(actor=_actor(request), document=document)
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name, content_type=document.content_type or None)


@login_required
@domain_errors
def document_remove(request, meeting_id, document_id):
    """POST: remove a document."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    document = meeting_sel.document_get(meeting=meeting, document_id=document_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.document_remove(actor=_actor(request), document=document)
    messages.success(request, _("Đã xoá tài liệu."))
    return redirect(_detail_url(meeting, "documents"))


# --------------------------------------------------------------------------- conclusions


@login_required
@domain_errors
def conclusion_add(request, meeting_id):
    """POST: add an item to the conclusion notice."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := _post_only(request)) is not None:
        return refused
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.ConclusionForm(request.POST, prefix="c")
    if form.is_valid():
        try:
            c = meeting_svc.conclusion_add(actor=_actor(request), meeting=meeting, **form.cleaned_data)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm kết luận mục %(n)s.") % {"n": c.number})
            return redirect(_detail_url(meeting, "conclusions"))
    return _render_detail(request, meeting, "conclusions", conclusion_form=form)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def conclusion_edit(request, meeting_id, conclusion_id):
    """Edit a conclusion while the notice is not issued."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    meeting_svc.require_change(_actor(request), meeting)
    form = forms.ConclusionForm(request.POST if request.method == "POST" else None, initial={"number": conclusion.number, "text": conclusion.text})
    concurrency.add_version_field(form, conclusion)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            meeting_svc.conclusion_update(actor=_actor(request), conclusion=conclusion, **form.cleaned_data)
        except concurrency.StaleObject as exc:
            stale = concurrency.refuse_stale(form, exc, conclusion)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu kết luận."))
            return redirect(_detail_url(meeting, "conclusions"))
    context = {"form": form, "meeting": meeting, "object": conclusion, "back": _detail_url(meeting, "conclusions"),
               "heading": _("Kết luận mục %(n)s") % {"n": conclusion.number},
               "frozen": meeting.status == Meeting.Status.CONCLUDED}
    return render(request, "program/meeting_part_form.html", context,
                  status=stale or (400 if request.method == "POST" else 200))


@login_required
@domain_errors
def conclusion_remove(request, meeting_id, conclusion_id):
    """POST: delete a conclusion that produced no task, while the notice is not issued."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    if (refused := _post_only(request)) is not None:
        return refused
    try:
        meeting_svc.conclusion_delete(actor=_actor(request), conclusion=conclusion)
    except DomainError as exc:
        _reraise_access(exc)
        return _render_detail(request, meeting, "conclusions", error=exc.message)
    messages.success(request, _("Đã xoá kết luận."))
    return redirect(_detail_url(meeting, "conclusions"))


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def conclusion_task_create(request, meeting_id, conclusion_id):
    """Turn a conclusion into a task: the units picked and/or every unit of a kind ("all
    provinces") lead it; several lead units give one child task each."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    meeting_svc.require_change(_actor(request), meeting)
    initial = {"title": meeting_svc.default_task_title(conclusion), "priority": 2}
    form = forms.ConclusionTaskForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["lead_units"] = list(data.get("lead_units") or [])
        data["supporting_units"] = list(data.get("supporting_units") or [])
        data["all_of_kind"] = data.get("all_of_kind") or None
        try:
            task = meeting_svc.conclusion_task_create(actor=_actor(request), conclusion=conclusion, **data)
        except (DomainError, ValidationError) as exc:
            _reraise_access(exc)
            _form_errors(form, exc)
        else:
            n = task.children.count()
            if n:
                messages.success(request, _("Đã giao nhiệm vụ “%(t)s” cho %(n)s đơn vị.") % {"t": task.title, "n": n})
            else:
                messages.success(request, _("Đã giao nhiệm vụ “%(t)s” cho %(u)s.")
                                 % {"t": task.title, "u": task.lead_unit.display_name})
            return redirect(_detail_url(meeting, "conclusions"))
    context = {
        "form": form, "meeting": meeting, "conclusion": conclusion,
        "tasks": meeting_sel.conclusion_tasks(user=user, conclusion=conclusion),
        "back": _detail_url(meeting, "conclusions"),
    }
    return render(request, "program/meeting_task_form.html", context,
                  status=400 if request.method == "POST" else 200)
