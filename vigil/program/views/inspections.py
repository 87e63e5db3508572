"""Pages of inspections: the list (filters), the plan, its targets, the status workflow,
findings grouped by inspected unit with their tasks, turning a recommendation into a
task, closing a finding, and the follow-up list of open findings.

Each view parses, calls one selector or service, and renders. Domain errors become form
errors next to the field they name, or core's error page (403 / 404 / 409) otherwise.
Objects are looked up before the method is checked, so something out of sight answers
404 whatever the method.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.core import concurrency
from vigil.core.errors import AccessDenied
from vigil.core.web import form_data, get_or_post, is_htmx, submit, web_actor, wrong_method

from ..forms import inspections as forms
from ..models import Inspection
from ..selectors import inspections as sel
from ..services import inspections as svc
from ..status import today

PAGE_SIZE = 50
S = Inspection.Status


# --------------------------------------------------------------------------- helpers

ALIASES = {"close_note": "note"}


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _inspection_url(inspection) -> str:
    return reverse("program:inspection_detail", kwargs={"inspection_id": inspection.pk})


def _finding_url(finding) -> str:
    return reverse("program:finding_detail", kwargs={"finding_id": finding.pk})


# --------------------------------------------------------------------------- inspections


@login_required
def inspection_list(request):
    """Inspections the user may see: by year, inspecting unit, inspected unit, status."""
    user = request.user
    form = forms.InspectionFilterForm(request.GET or None, user=user)
    form.is_valid()  # a bad filter shows its error; the valid ones still apply
    f = getattr(form, "cleaned_data", {})
    qs = sel.inspection_list(
        user, year=f.get("year"), unit=f.get("unit"), target_unit=f.get("target_unit"),
        status=f.get("status") or None, q=f.get("q"),
    )
    context = {
        "form": form, "page": _page(request, qs), "query": _query_without_page(request),
        "can_create": sel.can_plan(user),
    }
    template = "program/inspection_list_table.html" if is_htmx(request) else "program/inspection_list.html"
    return render(request, template, context)


@login_required
@get_or_post
def inspection_create(request):
    """Plan an inspection (prefilled inspecting unit from ?unit=)."""
    user = request.user
    initial = {"year": today().year}
    if request.GET.get("unit"):
        initial["inspecting_unit"] = request.GET["unit"]
    form = forms.InspectionForm(form_data(request), user=user, initial=initial)
    if not form.fields["inspecting_unit"].queryset.exists():
        raise AccessDenied()

    def save(actor):
        data = form.cleaned_data
        return svc.inspection_create(
            actor=actor, inspecting_unit=data["inspecting_unit"], title=data["title"],
            year=data["year"], planned_start=data["planned_start"], planned_end=data["planned_end"],
            scope=data.get("scope", ""), lead_inspector=data.get("lead_inspector"),
            targets=list(data.get("targets") or []),
        )

    return submit(
        request, form, save, success=_inspection_url,
        message=lambda inspection: _("Đã lập kế hoạch kiểm tra “%(t)s”.") % {"t": inspection.title},
        template="program/inspection_form.html", context={"inspection": None}, aliases=ALIASES, refused=200,
    )


def _detail_context(request, inspection, **extra):
    user = request.user
    perms = sel.inspection_permissions(user, inspection)
    context = {
        "inspection": inspection,
        "groups": sel.findings_by_unit(user, inspection),
        "severity_counts": sel.open_by_severity(user, inspection),
        "status_form": forms.StatusForm(choices=perms["next_statuses"]) if perms["next_statuses"] else None,
        "target_form": (
            forms.TargetForm(user=user, inspection=inspection) if perms["can_targets"] else None
        ),
        **perms,
    }
    context.update(extra)
    return context


@login_required
def inspection_detail(request, inspection_id):
    """One inspection: plan, status, targets with their findings (severity badges) and
    each finding's tasks with computed status; the steps the user may take."""
    inspection = sel.inspection_get(request.user, inspection_id)
    return render(request, "program/inspection_detail.html", _detail_context(request, inspection))


@login_required
@get_or_post
def inspection_edit(request, inspection_id):
    """Edit the plan, and write the conclusion once the inspection has started."""
    user = request.user
    inspection = sel.inspection_get(user, inspection_id)
    svc.inspection_check_writable(actor=web_actor(request), inspection=inspection)
    initial = {
        "title": inspection.title, "year": inspection.year, "planned_start": inspection.planned_start,
        "planned_end": inspection.planned_end, "scope": inspection.scope,
        "lead_inspector": inspection.lead_inspector_id, "summary": inspection.summary,
    }
    form = forms.InspectionForm(form_data(request), user=user, inspection=inspection, initial=initial)
    concurrency.add_version_field(form, inspection)
    return submit(
        request, form, lambda actor: svc.inspection_update(actor=actor, inspection=inspection, **form.cleaned_data),
        success=_inspection_url(inspection), message=_("Đã lưu đợt kiểm tra."),
        template="program/inspection_form.html", context={"inspection": inspection}, obj=inspection,
        aliases=ALIASES, refused=200,
    )


@login_required
@get_or_post
def inspection_status(request, inspection_id):
    """Move the inspection along its workflow (a reason to go back to 'in progress')."""
    user = request.user
    inspection = sel.inspection_get(user, inspection_id)
    svc.inspection_check_writable(actor=web_actor(request), inspection=inspection)
    choices = sel.inspection_permissions(user, inspection)["next_statuses"]
    initial = {"status": request.GET.get("to")} if request.GET.get("to") else None
    form = forms.StatusForm(form_data(request), choices=choices, initial=initial)

    def save(actor):
        svc.inspection_transition(actor=actor, inspection=inspection, status=form.cleaned_data["status"],
                                  reason=form.cleaned_data.get("reason", ""))
        inspection.refresh_from_db()
        return inspection

    return submit(
        request, form, save, success=_inspection_url,
        message=lambda done: _("Đợt kiểm tra chuyển sang “%(s)s”.") % {"s": done.get_status_display()},
        template="program/inspection_status.html", context={"inspection": inspection}, aliases=ALIASES,
    )


# --------------------------------------------------------------------------- targets


@login_required
@get_or_post
def target_add(request, inspection_id):
    """Add a unit to inspect (the form also sits on the inspection page)."""
    user = request.user
    inspection = sel.inspection_get(user, inspection_id)
    svc.inspection_check_writable(actor=web_actor(request), inspection=inspection, statuses=(S.PLANNED, S.IN_PROGRESS))
    form = forms.TargetForm(form_data(request), user=user, inspection=inspection)

    def save(actor):
        data = form.cleaned_data
        return svc.target_add(actor=actor, inspection=inspection, unit=data["unit"],
                              visited_on=data.get("visited_on"), note=data.get("note", ""))

    return submit(
        request, form, save, success=_inspection_url(inspection),
        message=lambda target: _("Đã thêm %(u)s vào đợt kiểm tra.") % {"u": target.unit.display_name},
        template="program/inspection_target_form.html", context={"inspection": inspection, "target": None},
        aliases=ALIASES,
    )


@login_required
@get_or_post
def target_edit(request, inspection_id, target_id):
    """Record the visit date and a note for an inspected unit."""
    user = request.user
    inspection = sel.inspection_get(user, inspection_id)
    target = sel.target_get(user, inspection, target_id)
    svc.inspection_check_writable(actor=web_actor(request), inspection=inspection)
    initial = {"visited_on": target.visited_on, "note": target.note}
    form = forms.TargetForm(form_data(request), user=user, inspection=inspection, target=target, initial=initial)
    concurrency.add_version_field(form, target)
    return submit(
        request, form, lambda actor: svc.target_update(actor=actor, target=target, **form.cleaned_data),
        success=_inspection_url(inspection),
        message=_("Đã lưu thông tin kiểm tra tại %(u)s.") % {"u": target.unit.display_name},
        template="program/inspection_target_form.html", context={"inspection": inspection, "target": target},
        obj=target, aliases=ALIASES, refused=200,
    )


@login_required
def target_remove(request, inspection_id, target_id):
    """Take a unit off the inspection (POST)."""
    user = request.user
    inspection = sel.inspection_get(user, inspection_id)
    target = sel.target_get(user, inspection, target_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    svc.target_remove(actor=web_actor(request), target=target)
    messages.success(request, _("Đã bỏ %(u)s khỏi đợt kiểm tra.") % {"u": target.unit.display_name})
    return redirect("program:inspection_detail", inspection_id=inspection.pk)


# --------------------------------------------------------------------------- findings


@login_required
@get_or_post
def finding_create(request, inspection_id):
    """Record a finding at one of the targets (prefilled unit from ?unit=)."""
    user = request.user
    inspection = sel.inspection_get(user, inspection_id)
    svc.inspection_check_writable(actor=web_actor(request), inspection=inspection, statuses=(S.IN_PROGRESS, S.REPORTED))
    initial = {"unit": request.GET["unit"]} if request.GET.get("unit") else None
    form = forms.FindingForm(form_data(request), user=user, inspection=inspection, initial=initial)

    def save(actor):
        data = form.cleaned_data
        return svc.finding_create(
            actor=actor, inspection=inspection, unit=data["unit"], text=data["text"],
            severity=data["severity"], recommendation=data.get("recommendation", ""), number=data.get("number"),
        )

    return submit(
        request, form, save, success=_inspection_url(inspection),
        message=lambda finding: _("Đã ghi phát hiện số %(n)s.") % {"n": finding.number},
        template="program/finding_form.html", context={"inspection": inspection, "finding": None},
        aliases=ALIASES, refused=200,
    )


@login_required
def finding_list(request):
    """What is still to follow up: findings (open by default) the user may see, most
    severe first, by severity, inspected unit subtree, inspecting unit and plan year."""
    user = request.user
    data = request.GET.copy()
    data.setdefault("status", "open")
    form = forms.FindingFilterForm(data, user=user)
    form.is_valid()  # a bad filter shows its error; the valid ones still apply
    f = form.cleaned_data
    status = f.get("status") or "open"
    qs = sel.open_findings(
        user, status=None if status == "all" else status, severity=f.get("severity"), unit=f.get("unit"),
        inspecting_unit=f.get("inspecting_unit"), year=f.get("year"), q=f.get("q"),
    )
    page = _page(request, qs)
    page.object_list = sel.decorate(page.object_list)
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    template = "program/finding_list_table.html" if is_htmx(request) else "program/finding_list.html"
    return render(request, template, context)


def _finding_context(request, finding, **extra):
    user = request.user
    perms = sel.inspection_permissions(user, finding.inspection)
    is_open = finding.status == finding.Status.OPEN
    context = {
        "finding": finding,
        "inspection": finding.inspection,
        "tasks": finding.task_list,
        "can_change": perms["can_findings"] and is_open,
        "can_reopen": perms["can_findings"] and not is_open,
        **extra,
    }
    return context


@login_required
def finding_detail(request, finding_id):
    """One finding: text, severity, recommendation, its tasks with computed status, and
    how it was closed."""
    finding = sel.finding_get(request.user, finding_id)
    return render(request, "program/finding_detail.html", _finding_context(request, finding))


@login_required
@get_or_post
def finding_edit(request, finding_id):
    """Edit an open finding."""
    user = request.user
    finding = sel.finding_get(user, finding_id)
    svc.finding_check_writable(actor=web_actor(request), finding=finding)
    initial = {
        "unit": finding.unit_id, "severity": finding.severity, "text": finding.text,
        "recommendation": finding.recommendation,
    }
    form = forms.FindingForm(form_data(request), user=user, inspection=finding.inspection, finding=finding, initial=initial)
    concurrency.add_version_field(form, finding)
    return submit(
        request, form, lambda actor: svc.finding_update(actor=actor, finding=finding, **form.cleaned_data),
        success=_finding_url(finding), message=_("Đã lưu phát hiện số %(n)s.") % {"n": finding.number},
        template="program/finding_form.html", context={"inspection": finding.inspection, "finding": finding},
        obj=finding, aliases=ALIASES, refused=200,
    )


@login_required
def finding_delete(request, finding_id):
    """Delete a finding recorded by mistake (POST)."""
    finding = sel.finding_get(request.user, finding_id)
    if (refused := wrong_method(request, "POST")) is not None:
        return refused
    svc.finding_delete(actor=web_actor(request), finding=finding)
    messages.success(request, _("Đã xoá phát hiện số %(n)s.") % {"n": finding.number})
    return redirect("program:inspection_detail", inspection_id=finding.inspection_id)


@login_required
@get_or_post
def finding_task(request, finding_id):
    """Turn the finding's recommendation into a task for the inspected unit."""
    user = request.user
    finding = sel.finding_get(user, finding_id)
    svc.finding_check_writable(actor=web_actor(request), finding=finding)
    initial = {"title": svc.default_task_title(finding), "description": finding.recommendation}
    form = forms.FindingTaskForm(form_data(request), initial=initial)
    return submit(
        request, form, lambda actor: svc.finding_to_task(actor=actor, finding=finding, **form.cleaned_data),
        success=_finding_url(finding),
        message=lambda task: _("Đã giao nhiệm vụ “%(t)s” cho %(u)s.") % {"t": task.title,
                                                                         "u": finding.unit.display_name},
        template="program/finding_task_form.html", context={"finding": finding, "inspection": finding.inspection},
        aliases=ALIASES,
    )


@login_required
@get_or_post
def finding_close(request, finding_id):
    """Close a finding with a note; while some of its tasks are not done, only with a
    stated reason."""
    user = request.user
    finding = sel.finding_get(user, finding_id)
    svc.finding_check_writable(actor=web_actor(request), finding=finding)
    pending = svc.finding_pending_tasks(finding)
    form = forms.FindingCloseForm(form_data(request), pending=bool(pending))
    return submit(
        request, form,
        lambda actor: svc.finding_close(actor=actor, finding=finding, note=form.cleaned_data["note"],
                                        override_reason=form.cleaned_data.get("override_reason", "")),
        success=_finding_url(finding), message=_("Đã đóng phát hiện số %(n)s.") % {"n": finding.number},
        template="program/finding_close.html", context=_finding_context(request, finding, pending=pending),
        aliases=ALIASES,
    )


@login_required
@get_or_post
def finding_reopen(request, finding_id):
    """Reopen a closed finding, with a reason."""
    user = request.user
    finding = sel.finding_get(user, finding_id)
    svc.finding_check_writable(actor=web_actor(request), finding=finding, open_only=False)
    form = forms.ReasonForm(form_data(request))
    return submit(
        request, form, lambda actor: svc.finding_reopen(actor=actor, finding=finding, reason=form.cleaned_data["reason"]),
        success=_finding_url(finding), message=_("Đã mở lại phát hiện số %(n)s.") % {"n": finding.number},
        template="program/finding_reopen.html", context=_finding_context(request, finding), aliases=ALIASES,
    )


