"""Pages of the people part of org: people, memberships, membership decisions and the
completeness of unit bodies, plus the sections they add to the unit page.

Each view parses, calls one selector or service, and renders. Domain errors become form
errors next to the field they name, or core's error page (403 / 404) otherwise.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from vigil.core import concurrency
from vigil.core.access import allowed, can, require_in_unit
from vigil.core.actors import Actor
from vigil.core.directory import unit_ref
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.notify.text import render_value
from vigil.core.web import (
    get_or_post,
    is_htmx,
    map_errors,
    method_not_allowed,
    post_only,
    submit,
    web_actor,
)

from ..forms import people as forms
from ..selectors import completeness as completeness_sel
from ..selectors import decisions as decision_sel
from ..selectors import memberships as membership_sel
from ..selectors import people as people_sel
from ..services import completeness as completeness_svc
from ..services import decisions as decision_svc
from ..services import memberships as membership_svc
from ..services import people as people_svc

PAGE_SIZE = 50


# --------------------------------------------------------------------------- helpers

# The services' names for what these forms call otherwise (for vigil.core.web.map_errors).
ALIASES = {"home_unit_id": "home_unit", "person_id": "person", "unit_id": "unit", "username": "user"}


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --------------------------------------------------------------------------- people


@login_required
def person_list(request):
    """People in the user's scope: search, filter by unit subtree, role and status."""
    user = request.user
    data = request.GET.copy()
    data.setdefault("active", "1")
    form = forms.PersonFilterForm(data, user=user)
    form.is_valid()
    f = getattr(form, "cleaned_data", {})
    active = {"1": True, "0": False}.get(f.get("active") or "")
    qs = people_sel.person_list(
        user=user, q=f.get("q"), unit=f.get("unit"), role=f.get("role") or None, active=active
    )
    page = _page(request, people_sel.with_current_memberships(qs, user=user))
    context = {
        "form": form, "page": page, "query": _query_without_page(request),
        "can_add": people_sel.units_where(user=user, action="add").exists(),
    }
    template = "org/person_list_table.html" if is_htmx(request) else "org/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request, person_id):
    """One person: details, ongoing memberships and history, decisions naming them."""
    user = request.user
    person = people_sel.person_get(user=user, person_id=person_id)
    history = list(people_sel.person_memberships(user=user, person=person))
    for m in history:
        m.can_end = m.until is None and allowed(user, "manage_members", m.unit)
    decisions = list(decision_sel.decisions_for_person(user=user, person=person)[:20])
    decision_sel.record_red_views(web_actor(request), decisions)
    context = {
        "person": person,
        "current": [m for m in history if m.is_active],
        "history": history,
        "decisions": decisions,
        "can_change": can(user, "change", person),
        "can_add_membership": people_sel.units_where(user=user, action="manage_members").exists(),
    }
    return render(request, "org/person_detail.html", context)


@login_required
@get_or_post
def person_create(request):
    """A new person, in a unit where the user may add (prefilled from ?unit=)."""
    user = request.user
    initial = {}
    if request.GET.get("unit"):
        initial["home_unit"] = request.GET["unit"]
    form = forms.PersonForm(request.POST or None, user=user, initial=initial)
    if not form.fields["home_unit"].queryset.exists():
        raise AccessDenied()  # no unit to add people to
    return submit(
        request, form, lambda actor: people_svc.person_create(actor=actor, **form.cleaned_data),
        success=_person_url, message=lambda person: _("Đã thêm cán bộ %(name)s.") % {"name": person.full_name},
        template="org/person_form.html", context={"person": None}, aliases=ALIASES, refused=200,
    )


def _person_url(person) -> str:
    return reverse("org:person_detail", kwargs={"person_id": person.pk})


@login_required
@get_or_post
def person_edit(request, person_id):
    """Edit a person (`change` on their home unit)."""
    user = request.user
    person = people_sel.person_get(user=user, person_id=person_id)
    if not can(user, "change", person):
        raise AccessDenied()
    initial = {
        "full_name": person.full_name, "position": person.position, "home_unit": person.home_unit_id,
        "email": person.email, "phone": person.phone, "is_active": person.is_active,
    }
    form = forms.PersonForm(request.POST or None, user=user, person=person, initial=initial)
    concurrency.add_version_field(form, person)

    def save(actor):
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        changes = {k: v for k, v in data.items() if initial.get(k) != (v.pk if hasattr(v, "pk") else v)}
        return people_svc.person_update(actor=actor, person=person, version=version, **changes)

    return submit(
        request, form, save, success=_person_url(person), message=_("Đã lưu thông tin cán bộ."),
        template="org/person_form.html", context={"person": person}, obj=person, aliases=ALIASES, refused=200,
    )


# --------------------------------------------------------------------------- memberships


@login_required
@get_or_post
def membership_add(request, person_id=None, unit_id=None):
    """Give a person a role in a unit: from the person page (unit chosen) or from the
    unit page (person chosen). Needs `manage_members` on the unit."""
    user = request.user
    person = people_sel.person_get(user=user, person_id=person_id) if person_id is not None else None
    unit = unit_ref(user, unit_id, field="unit_id") if unit_id is not None else None
    if unit is not None:
        require_in_unit(user, "manage_members", unit)
    form = forms.MembershipForm(request.POST or None, user=user, unit=unit, person=person)
    if unit is None and not form.fields["unit"].queryset.exists():
        raise AccessDenied()
    back = (
        reverse("org:person_detail", kwargs={"person_id": person.pk}) if person is not None
        else _unit_url(unit)
    )

    def save(actor):
        data = form.cleaned_data
        return membership_svc.membership_add(
            actor=actor, person=data["person"], unit=data["unit"], role=data["role"],
            since=data["since"], until=data.get("until"), note=data.get("note", ""),
        )

    return submit(
        request, form, save, success=_next_url(request, back),
        message=lambda m: _("Đã giao vai trò %(role)s tại %(unit)s cho %(person)s.")
        % {"role": m.role.display_name, "unit": m.unit.display_name, "person": m.person.full_name},
        template="org/membership_form.html",
        context={"person": person, "unit": unit, "back": _next_url(request, back)}, aliases=ALIASES, refused=200,
    )


@login_required
@get_or_post
def membership_end(request, membership_id):
    """End a membership (kept as history): a date and a reason, then confirm."""
    user = request.user
    m = membership_sel.membership_get(user=user, membership_id=membership_id)
    membership_svc.check_manage_members(web_actor(request), m.unit)
    back = reverse("org:person_detail", kwargs={"person_id": m.person_id})
    form = forms.MembershipEndForm(request.POST or None)
    return submit(
        request, form,
        lambda actor: membership_svc.membership_end(actor=actor, membership=m, until=form.cleaned_data["until"],
                                                    note=form.cleaned_data.get("note", "")),
        success=_next_url(request, back),
        message=_("Đã kết thúc vai trò %(role)s của %(person)s.") % {"role": m.role.display_name,
                                                                   "person": m.person.full_name},
        template="org/membership_end.html", context={"membership": m, "back": _next_url(request, back)},
        aliases=ALIASES, refused=200,
    )


# --------------------------------------------------------------------------- decisions


@login_required
def decision_list(request):
    """Membership decisions the user may see (TLP applies); TLP:RED rows are audited."""
    user = request.user
    form = forms.DecisionFilterForm(request.GET or None, user=user)
    f = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = decision_sel.decision_list(user=user, subtree_of=f.get("unit"), status=f.get("status") or None, q=f.get("q"))
    page = _page(request, qs)
    decision_sel.record_red_views(web_actor(request), page.object_list)
    context = {
        "form": form, "page": page, "query": _query_without_page(request),
        "can_create": people_sel.units_where(user=user, action="manage_members").exists(),
    }
    template = "org/decision_list_table.html" if is_htmx(request) else "org/decision_list.html"
    return render(request, template, context)


def _decision_context(request, decision, **extra):
    user = request.user
    perms = decision_sel.decision_permissions(user=user, decision=decision)
    context = {
        "decision": decision,
        "items": list(decision_sel.decision_items(decision=decision)),
        "shared_with": list(decision.shared_with.all()),
        "recipients": list(decision.recipients.all()),
        "item_form": forms.DecisionItemForm(user=user) if perms["can_edit"] else None,
        "file_form": forms.DecisionFileForm() if perms["can_edit"] else None,
        **perms,
    }
    context.update(extra)
    return context


@login_required
def decision_detail(request, decision_id):
    """One decision with its items; forms to complete a draft; TLP:RED views audited."""
    decision = decision_sel.decision_get(user=request.user, decision_id=decision_id)
    decision_sel.record_red_views(web_actor(request), [decision])
    return render(request, "org/decision_detail.html", _decision_context(request, decision))


@login_required
@get_or_post
def decision_create(request):
    """A new draft decision (prefilled unit from ?unit=), with its signed PDF if at hand."""
    user = request.user
    initial = {"tlp": "amber", "date": timezone.localdate()}
    if request.GET.get("unit"):
        initial["unit"] = request.GET["unit"]
    form = forms.DecisionForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if not form.fields["unit"].queryset.exists():
        raise AccessDenied()

    def save(actor):
        data = form.cleaned_data
        return decision_svc.decision_create(
            actor=actor, unit=data["unit"], number=data["number"], date=data["date"],
            effective_date=data.get("effective_date"), issuer=data["issuer"], title=data["title"],
            tlp=data["tlp"], shared_with=list(data.get("shared_with") or []),
            recipients=data.get("recipients") or [], signed_file=data.get("signed_file"),
        )

    return submit(
        request, form, save, success=_decision_url,
        message=lambda d: _("Đã tạo dự thảo quyết định %(n)s.") % {"n": d.number},
        template="org/decision_form.html", context={"decision": None}, aliases=ALIASES, refused=200,
    )


def _decision_url(decision) -> str:
    return reverse("org:decision_detail", kwargs={"decision_id": decision.pk})


@login_required
@get_or_post
def decision_edit(request, decision_id):
    """Edit a draft decision's fields and audience."""
    user = request.user
    decision = decision_sel.decision_get(user=user, decision_id=decision_id)
    decision_svc.decision_check_editable(actor=web_actor(request), decision=decision)
    initial = {
        "number": decision.number, "date": decision.date, "effective_date": decision.effective_date,
        "issuer": decision.issuer, "title": decision.title, "tlp": decision.tlp,
        "shared_with": list(decision.shared_with.all()),
        "recipients": ", ".join(u.username for u in decision.recipients.all()),
    }
    form = forms.DecisionForm(request.POST or None, user=user, decision=decision, initial=initial)
    concurrency.add_version_field(form, decision)

    def save(actor):
        data = dict(form.cleaned_data)
        data["shared_with"] = list(data.get("shared_with") or [])
        data["effective_date"] = data.get("effective_date") or data["date"]
        return decision_svc.decision_update(actor=actor, decision=decision, **data)

    return submit(
        request, form, save, success=_decision_url(decision), message=_("Đã lưu quyết định."),
        template="org/decision_form.html", context={"decision": decision}, obj=decision, aliases=ALIASES,
        refused=200,
    )


@login_required
@get_or_post
def decision_item_add(request, decision_id):
    """Add an item to a draft (the form sits on the decision page)."""
    user = request.user
    decision = decision_sel.decision_get(user=user, decision_id=decision_id)
    decision_svc.decision_check_editable(actor=web_actor(request), decision=decision)
    form = forms.DecisionItemForm(request.POST or None, user=user)

    def save(actor):
        data = form.cleaned_data
        return decision_svc.decision_add_item(
            actor=actor, decision=decision, action=data["action"], person=data["person"],
            role=data["role"], note=data.get("note", ""),
        )

    return submit(
        request, form, save, success=_decision_url(decision), message=_("Đã thêm nội dung vào quyết định."),
        page=lambda status: _decision_page(request, decision, status, item_form=form), aliases=ALIASES,
    )


def _decision_page(request, decision, status: int, **forms_shown):
    """The decision's page again, with a refused form on it (a TLP:RED view is audited)."""
    decision_sel.record_red_views(web_actor(request), [decision])
    return render(request, "org/decision_detail.html", _decision_context(request, decision, **forms_shown),
                  status=status)


@login_required
def decision_item_remove(request, decision_id, item_id):
    """Remove an item from a draft (POST; the objects are looked up first, so a
    decision out of sight answers 404 whatever the method)."""
    decision = decision_sel.decision_get(user=request.user, decision_id=decision_id)
    item = decision_sel.decision_item_get(decision=decision, item_id=item_id)
    if request.method != "POST":
        return method_not_allowed(request, ["POST"])
    decision_svc.decision_remove_item(actor=web_actor(request), decision=decision, item=item)
    messages.success(request, _("Đã bỏ nội dung khỏi quyết định."))
    return redirect("org:decision_detail", decision_id=decision.pk)


@login_required
@get_or_post
def decision_file(request, decision_id):
    """GET: download the signed PDF (an `export` audit entry). POST: upload it (drafts)."""
    user = request.user
    decision = decision_sel.decision_get(user=user, decision_id=decision_id)
    if request.method == "GET":
        handle = decision_svc.decision_file_export(actor=web_actor(request), decision=decision)
        return FileResponse(
            handle, as_attachment=True, filename=f"{decision.number.replace('/', '-')}.pdf",
            content_type="application/pdf",
        )
    decision_svc.decision_check_editable(actor=web_actor(request), decision=decision)
    form = forms.DecisionFileForm(request.POST, request.FILES)
    return submit(
        request, form,
        lambda actor: decision_svc.decision_attach_file(actor=actor, decision=decision,
                                                        upload=form.cleaned_data["signed_file"]),
        success=_decision_url(decision), message=_("Đã tải lên tệp quyết định đã ký."),
        page=lambda status: _decision_page(request, decision, status, file_form=form), aliases=ALIASES,
    )


@login_required
@get_or_post
def decision_apply(request, decision_id):
    """GET: what applying will do, and a confirmation button. POST: apply it."""
    user = request.user
    decision = decision_sel.decision_get(user=user, decision_id=decision_id)
    decision_svc.decision_check_editable(actor=web_actor(request), decision=decision)
    error = None
    if request.method == "POST":
        try:
            decision_svc.decision_apply(actor=web_actor(request), decision=decision)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            error = exc.message
        else:
            messages.success(request, _("Đã áp dụng quyết định %(n)s.") % {"n": decision.number})
            return redirect("org:decision_detail", decision_id=decision.pk)
    decision_sel.record_red_views(web_actor(request), [decision])
    context = _decision_context(request, decision, error=error)
    return render(request, "org/decision_apply.html", context, status=400 if error else 200)


# --------------------------------------------------------------------------- completeness


@login_required
def completeness(request):
    """Which bodies in the user's scope are complete on a date, what each one lacks, and
    the target date (set here by the office)."""
    user = request.user
    form = forms.CompletenessFilterForm(request.GET or None, user=user)
    f = form.cleaned_data if form.is_bound and form.is_valid() else {}
    target = completeness_sel.current_target(user=user)
    on = f.get("on") or timezone.localdate()
    rows = completeness_sel.completeness_list(
        user=user, on=on, subtree_of=f.get("unit"), incomplete_only=bool(f.get("incomplete"))
    )
    today = timezone.localdate()
    progress = completeness_sel.completeness_progress(user=user, on=on, subtree_of=f.get("unit"))
    context = {
        "form": form,
        "rows": rows,
        "progress": progress,
        "progress_chart": completeness_sel.completeness_progress_chart(progress),
        "on": on,
        "target": target,
        "target_passed": bool(target and target.target_date < today),
        "complete_count": sum(1 for r in rows if r.complete),
        "incomplete_count": sum(1 for r in rows if not r.complete),
        "chart": completeness_sel.completeness_chart(rows),
        "can_set_target": completeness_sel.can_set_target(user),
        "target_form": forms.TargetForm(initial={"target_date": target.target_date if target else None,
                                                 "version": target.pk if target else 0}),
    }
    return render(request, "org/completeness.html", context)


@login_required
@post_only
def completeness_target(request):
    """Set the target date (network-wide `approve`)."""
    if not completeness_sel.can_set_target(request.user):
        raise AccessDenied()
    form = forms.TargetForm(request.POST)
    if form.is_valid():
        try:
            completeness_svc.completeness_target_set(
                actor=web_actor(request), target_date=form.cleaned_data["target_date"],
                note=form.cleaned_data.get("note", ""), version=form.cleaned_data.get("version"),
            )
        except DomainError as exc:
            map_errors(form, exc, aliases=ALIASES)
        else:
            messages.success(request, _("Đã đặt hạn kiện toàn: %(d)s.") % {
                "d": render_value(form.cleaned_data["target_date"])})
            return redirect("org:completeness")
    for field, errs in form.errors.items():
        for err in errs:
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {err}")
    return redirect("org:completeness")


# --------------------------------------------------------------------------- unit page sections


def _unit_url(unit) -> str:
    try:
        return reverse("org:unit_detail", kwargs={"unit_id": unit.pk})
    except Exception:  # the unit page belongs to the units part; fall back to the people list
        return reverse("org:person_list") + f"?unit={unit.pk}"


def unit_members_section(*, user, unit) -> dict:
    """Data of the unit page's "members" section (org/_unit_members.html): ongoing
    memberships first, then the ended ones (history)."""
    rows = list(membership_sel.unit_members(user=user, unit=unit, include_ended=True))
    can_manage = allowed(user, "manage_members", unit)
    for m in rows:
        m.can_end = can_manage and m.until is None
    return {
        "current": [m for m in rows if m.is_active],
        "past": [m for m in rows if not m.is_active],
        "can_manage_members": can_manage,
    }


def unit_decisions_section(*, user, unit) -> dict:
    """Data of the unit page's "decisions" section (org/_unit_decisions.html); TLP:RED
    decisions listed there are audited as views."""
    rows = list(decision_sel.decision_list(user=user, unit=unit)[:20])
    decision_sel.record_red_views(Actor(user=user, channel="web"), rows)
    return {"decisions": rows, "can_manage_members": allowed(user, "manage_members", unit)}


def unit_completeness_section(*, user, unit) -> dict:
    """Data of the unit page's "completeness" section (org/_unit_completeness.html)."""
    return {
        "status": completeness_sel.completeness_for_unit(user=user, unit=unit),
        "target": completeness_sel.current_target(user=user),
    }
