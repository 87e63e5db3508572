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
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import concurrency
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.web import form_data, get_or_post, submit, web_actor, wrong_method

from ..forms import meetings as forms
from ..models import Meeting
from ..selectors import meetings as meeting_sel
from ..services import meetings as meeting_svc

PAGE_SIZE = 30
TABS = ("info", "attendees", "sites", "documents", "conclusions")


# --------------------------------------------------------------------------- helpers


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


ALIASES = forms.SERVICE_ALIASES


def _refusal(exc: DomainError):
    """A refusal shown above the page: its message, unless it is about access (the error page)."""
    if exc.status in (403, 404):
        raise exc
    return exc.message


def _detail_url(meeting, tab: str = "info") -> str:
    url = reverse("program:meeting_detail", kwargs={"meeting_id": meeting.pk})
    return url if tab == "info" else f"{url}?tab={tab}#{tab}"


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


def _submit_on_detail(request, meeting, tab: str, form_name: str, form, action, message):
    """A form posted from one tab of the meeting's page: the kit's `submit`, showing the
    page again (that tab, the form with its errors) when refused."""
    return submit(
        request, form, action, success=_detail_url(meeting, tab), message=message, aliases=ALIASES,
        page=lambda status: _render_detail(request, meeting, tab, status, **{form_name: form}),
    )


def _submit_part(request, meeting, obj, form, action, *, tab: str, heading, **extra):
    """The edit form of one part of a meeting (an attendee, a site, a conclusion)."""
    back = _detail_url(meeting, tab)
    return submit(
        request, form, action, success=back, message=_("Đã lưu."), template="program/meeting_part_form.html",
        context={"meeting": meeting, "object": obj, "back": back, "heading": heading, **extra}, obj=obj,
        aliases=ALIASES,
    )


# --------------------------------------------------------------------------- list, create, edit


@login_required
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
@get_or_post
def meeting_create(request):
    """Record a meeting (prefilled body unit from ?unit=)."""
    user = request.user
    initial = {"kind": Meeting.Kind.REGULAR}
    if request.GET.get("unit"):
        initial["body_unit"] = request.GET["unit"]
    form = forms.MeetingForm(form_data(request), user=user, initial=initial)
    if not form.fields["body_unit"].queryset.exists():
        raise AccessDenied()
    return submit(
        request, form, lambda actor: meeting_svc.meeting_create(actor=actor, **form.cleaned_data),
        success=_detail_url, message=lambda meeting: _("Đã tạo phiên họp “%(t)s”.") % {"t": meeting.title},
        template="program/meeting_form.html", context={"meeting": None}, aliases=ALIASES,
    )


@login_required
@get_or_post
def meeting_edit(request, meeting_id):
    """Edit a meeting's information and minutes (`change` on the body unit)."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    meeting_svc.require_change(web_actor(request), meeting)
    fields = ("title", "kind", "held_on", "start_time", "location", "is_online", "chair", "agenda", "minutes")
    initial = {name: getattr(meeting, name) for name in fields}
    initial["chair"] = meeting.chair_id
    form = forms.MeetingForm(form_data(request), user=user, meeting=meeting, initial=initial)
    concurrency.add_version_field(form, meeting)
    return submit(
        request, form, lambda actor: meeting_svc.meeting_update(actor=actor, meeting=meeting, **form.cleaned_data),
        success=_detail_url(meeting), message=_("Đã lưu phiên họp."),
        template="program/meeting_form.html", context={"meeting": meeting}, obj=meeting, aliases=ALIASES,
    )


@login_required
def meeting_detail(request, meeting_id):
    """One meeting with its sections; forms for those who may change it."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    tab = request.GET.get("tab", "info")
    return render(request, "program/meeting_detail.html", _detail_context(request, meeting, tab))


@login_required
def meeting_status(request, meeting_id):
    """POST status=held|concluded: move the meeting one step along its workflow."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.MeetingStatusForm(request.POST)
    error = _("Hãy chọn trạng thái.")
    if form.is_valid():
        try:
            meeting_svc.meeting_set_status(actor=web_actor(request), meeting=meeting, status=form.cleaned_data["status"])
        except DomainError as exc:
            error = _refusal(exc)
        else:
            meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
            messages.success(request, _("Phiên họp đã chuyển sang “%(s)s”.") % {"s": meeting.get_status_display()})
            return redirect(_detail_url(meeting, "conclusions" if meeting.status == Meeting.Status.CONCLUDED else "info"))
    return _render_detail(request, meeting, "conclusions", error=error)


@login_required
def meeting_notice(request, meeting_id):
    """POST: record the conclusion notice's number and date."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.NoticeForm(request.POST, prefix="notice")
    return _submit_on_detail(
        request, meeting, "conclusions", "notice_form", form,
        lambda actor: meeting_svc.meeting_update(actor=actor, meeting=meeting, **form.cleaned_data),
        _("Đã lưu số và ngày thông báo kết luận."),
    )


# --------------------------------------------------------------------------- attendees


@login_required
def attendee_add(request, meeting_id):
    """POST: add a member of the body to the attendance list."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.AttendeeForm(request.POST, user=user, meeting=meeting, prefix="att")
    return _submit_on_detail(
        request, meeting, "attendees", "attendee_form", form,
        lambda actor: meeting_svc.attendee_add(actor=actor, meeting=meeting, **form.cleaned_data),
        lambda a: _("Đã thêm %(p)s vào danh sách tham dự.") % {"p": a.person.full_name},
    )


@login_required
def attendees_add_members(request, meeting_id):
    """POST: add every current member of the body not yet listed, as present."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    added = meeting_svc.attendees_add_members(actor=web_actor(request), meeting=meeting)
    messages.success(request, ngettext(
        "Đã thêm %(n)s thành viên vào danh sách tham dự.", "Đã thêm %(n)s thành viên vào danh sách tham dự.", len(added),
    ) % {"n": len(added)})
    return redirect(_detail_url(meeting, "attendees"))


@login_required
@get_or_post
def attendee_edit(request, meeting_id, attendee_id):
    """Change an attendee's presence (present, absent, delegated with the delegate's name)."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    attendee = meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id)
    meeting_svc.require_change(web_actor(request), meeting)
    initial = {"presence": attendee.presence, "delegate_name": attendee.delegate_name, "note": attendee.note}
    form = forms.AttendeeEditForm(form_data(request), initial=initial)
    concurrency.add_version_field(form, attendee)
    return _submit_part(
        request, meeting, attendee, form,
        lambda actor: meeting_svc.attendee_update(actor=actor, attendee=attendee, **form.cleaned_data),
        tab="attendees", heading=attendee.person.full_name,
    )


@login_required
def attendee_remove(request, meeting_id, attendee_id):
    """POST: take someone off the attendance list."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    attendee = meeting_sel.attendee_get(meeting=meeting, attendee_id=attendee_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.attendee_remove(actor=web_actor(request), attendee=attendee)
    messages.success(request, _("Đã bỏ khỏi danh sách tham dự."))
    return redirect(_detail_url(meeting, "attendees"))


# --------------------------------------------------------------------------- connected sites


@login_required
def site_add(request, meeting_id):
    """POST: add a connected site to an online meeting."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.SiteForm(request.POST, user=user, prefix="site")
    return _submit_on_detail(
        request, meeting, "sites", "site_form", form,
        lambda actor: meeting_svc.site_add(actor=actor, meeting=meeting, **form.cleaned_data),
        lambda site: _("Đã thêm điểm cầu %(u)s.") % {"u": site.unit.display_name},
    )


@login_required
def sites_add_provinces(request, meeting_id):
    """POST: add every province (that the user can see) as a connected site."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    try:
        added = meeting_svc.sites_add_all(actor=web_actor(request), meeting=meeting, kind="province")
    except DomainError as exc:
        return _render_detail(request, meeting, "sites", error=_refusal(exc))
    messages.success(request, ngettext(
        "Đã thêm %(n)s điểm cầu tỉnh, thành phố.", "Đã thêm %(n)s điểm cầu tỉnh, thành phố.", len(added),
    ) % {"n": len(added)})
    return redirect(_detail_url(meeting, "sites"))


@login_required
@get_or_post
def site_edit(request, meeting_id, site_id):
    """Record whether a site connected and how many attended there."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    site = meeting_sel.site_get(meeting=meeting, site_id=site_id)
    meeting_svc.require_change(web_actor(request), meeting)
    initial = {"attended": site.attended, "participants": site.participants, "note": site.note}
    form = forms.SiteEditForm(form_data(request), initial=initial)
    concurrency.add_version_field(form, site)
    return _submit_part(
        request, meeting, site, form,
        lambda actor: meeting_svc.site_update(actor=actor, site=site, **form.cleaned_data),
        tab="sites", heading=site.unit.display_name,
    )


@login_required
def site_remove(request, meeting_id, site_id):
    """POST: remove a connected site."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    site = meeting_sel.site_get(meeting=meeting, site_id=site_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.site_remove(actor=web_actor(request), site=site)
    messages.success(request, _("Đã bỏ điểm cầu."))
    return redirect(_detail_url(meeting, "sites"))


# --------------------------------------------------------------------------- documents


@login_required
def document_add(request, meeting_id):
    """POST (multipart): upload a document of the meeting."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.DocumentForm(request.POST, request.FILES, prefix="doc")

    def save(actor):
        data = form.cleaned_data
        return meeting_svc.document_add(actor=actor, meeting=meeting, upload=data["file"],
                                        title=data.get("title", ""), kind=data["kind"])

    return _submit_on_detail(request, meeting, "documents", "document_form", form, save,
                             lambda doc: _("Đã tải lên tài liệu “%(t)s”.") % {"t": doc.title})


@login_required
def document_download(request, meeting_id, document_id):
    """Download a document, through the access check (never a public media URL)."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    document = meeting_sel.document_get(meeting=meeting, document_id=document_id)
    if (refused := wrong_method(request, "GET", "HEAD")) is not None:
        return refused
    handle = meeting_svc.document_open(actor=web_actor(request), document=document)
    name = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name, content_type=document.content_type or None)


@login_required
def document_remove(request, meeting_id, document_id):
    """POST: remove a document."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    document = meeting_sel.document_get(meeting=meeting, document_id=document_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.document_remove(actor=web_actor(request), document=document)
    messages.success(request, _("Đã xoá tài liệu."))
    return redirect(_detail_url(meeting, "documents"))


# --------------------------------------------------------------------------- conclusions


@login_required
def conclusion_add(request, meeting_id):
    """POST: add an item to the conclusion notice."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.ConclusionForm(request.POST, prefix="c")
    return _submit_on_detail(
        request, meeting, "conclusions", "conclusion_form", form,
        lambda actor: meeting_svc.conclusion_add(actor=actor, meeting=meeting, **form.cleaned_data),
        lambda c: _("Đã thêm kết luận mục %(n)s.") % {"n": c.number},
    )


@login_required
@get_or_post
def conclusion_edit(request, meeting_id, conclusion_id):
    """Edit a conclusion while the notice is not issued."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    meeting_svc.require_change(web_actor(request), meeting)
    form = forms.ConclusionForm(form_data(request), initial={"number": conclusion.number, "text": conclusion.text})
    concurrency.add_version_field(form, conclusion)
    return _submit_part(
        request, meeting, conclusion, form,
        lambda actor: meeting_svc.conclusion_update(actor=actor, conclusion=conclusion, **form.cleaned_data),
        tab="conclusions", heading=_("Kết luận mục %(n)s") % {"n": conclusion.number},
        frozen=meeting.status == Meeting.Status.CONCLUDED,
    )


@login_required
def conclusion_remove(request, meeting_id, conclusion_id):
    """POST: delete a conclusion that produced no task, while the notice is not issued."""
    meeting = meeting_sel.meeting_get(user=request.user, meeting_id=meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    try:
        meeting_svc.conclusion_delete(actor=web_actor(request), conclusion=conclusion)
    except DomainError as exc:
        return _render_detail(request, meeting, "conclusions", error=_refusal(exc))
    messages.success(request, _("Đã xoá kết luận."))
    return redirect(_detail_url(meeting, "conclusions"))


@login_required
@get_or_post
def conclusion_task_create(request, meeting_id, conclusion_id):
    """Turn a conclusion into a task: the units picked and/or every unit of a kind ("all
    provinces") lead it; several lead units give one child task each."""
    user = request.user
    meeting = meeting_sel.meeting_get(user=user, meeting_id=meeting_id)
    conclusion = meeting_sel.conclusion_get(meeting=meeting, conclusion_id=conclusion_id)
    meeting_svc.require_change(web_actor(request), meeting)
    initial = {"title": meeting_svc.default_task_title(conclusion), "priority": 2}
    form = forms.ConclusionTaskForm(form_data(request), user=user, initial=initial)

    def save(actor):
        data = dict(form.cleaned_data)
        data["lead_units"] = list(data.get("lead_units") or [])
        data["supporting_units"] = list(data.get("supporting_units") or [])
        data["all_of_kind"] = data.get("all_of_kind") or None
        return meeting_svc.conclusion_task_create(actor=actor, conclusion=conclusion, **data)

    def message(task):
        n = task.children.count()
        if n:
            return ngettext("Đã giao nhiệm vụ “%(t)s” cho %(n)s đơn vị.", "Đã giao nhiệm vụ “%(t)s” cho %(n)s đơn vị.", n) % {
                "t": task.title, "n": n}
        return _("Đã giao nhiệm vụ “%(t)s” cho %(u)s.") % {"t": task.title, "u": task.lead_unit.display_name}

    return submit(
        request, form, save, success=_detail_url(meeting, "conclusions"), message=message,
        template="program/meeting_task_form.html",
        context={"meeting": meeting, "conclusion": conclusion,
                 "tasks": meeting_sel.conclusion_tasks(user=user, conclusion=conclusion),
                 "back": _detail_url(meeting, "conclusions")},
        aliases=ALIASES,
    )


