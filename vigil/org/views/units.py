"""Pages of the unit tree: browse, a unit's page, create / edit / move, constituency,
who owns X?, overlapping claims. Each view parses, calls one selector or service, renders.

Objects outside the user's view are 404, visible but not allowed is 403 (core's error
page); a service's DomainError on a form shows next to the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import concurrency
from vigil.core.access import can, can_in_unit
from vigil.core.errors import AccessDenied, DomainError
from vigil.core.refs import is_pk
from vigil.core.web import form_data, get_or_post, is_htmx, map_errors, post_only, submit, web_actor

from ..forms.units import ConstituencyForm, UnitCreateForm, UnitEditForm, UnitMoveForm, WhoOwnsForm
from ..selectors import constituency as constituency_selectors
from ..selectors import units as unit_selectors
from ..services.constituency import (
    CLAIM_ACTION,
    constituency_add_many,
    constituency_decide,
    constituency_remove,
)
from ..services.units import unit_create, unit_move, unit_update
from .unit_sections import sections_for

MAX_QUERY = 100


def _unit_url(unit, anchor: str = "") -> str:
    url = reverse("org:unit_detail", kwargs={"unit_id": unit.pk})
    return f"{url}#{anchor}" if anchor else url


# --------------------------------------------------------------------------- tree


@login_required
def unit_tree(request):
    """The tree of units the user may see; search by name (diacritics ignored), filter by kind."""
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    kind = request.GET.get("kind", "").strip()[:40] or None
    user = request.user
    tree = unit_selectors.unit_tree(user=user, q=q, kind=kind)
    context = {
        "tree": tree,
        "q": q,
        "kind": kind or "",
        "kinds": unit_selectors.unit_kinds(user=user),
        "can_add": unit_selectors.units_where(user=user, action="add").exists(),
        # Small trees (one province's) open fully; the national one opens its first level.
        "open_depth": 99 if tree.filtered or tree.total <= 40 else 1,
    }
    template = "org/unit_tree_results.html" if is_htmx(request) else "org/unit_tree.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- one unit


def constituency_section(*, user, unit) -> dict:
    """Data of the constituency section of a unit's page (see unit_sections.SECTIONS)."""
    can_change = can_in_unit(user, CLAIM_ACTION, unit)
    return {
        "entries": list(constituency_selectors.constituency_for_unit(user=user, unit=unit)),
        "can_change": can_change,
        "form": ConstituencyForm() if can_change else None,
    }


@login_required
def unit_detail(request, unit_id: int):
    user = request.user
    unit = unit_selectors.unit_get(user=user, unit_id=unit_id)
    context = {
        "unit": unit,
        "ancestors": unit_selectors.unit_ancestors(user=user, unit=unit),
        "children": list(unit_selectors.unit_children(user=user, unit=unit)),
        "stats": unit_selectors.unit_stats(user=user, unit=unit),
        "can_change": can(user, "change", unit),
        "can_add_child": unit.is_active and can_in_unit(user, "add", unit),
        "sections": sections_for(user=user, unit=unit),
    }
    return render(request, "org/unit_detail.html", context)


@login_required
@get_or_post
def unit_create_view(request):
    user = request.user
    parents = unit_selectors.units_where(user=user, action="add")
    if not parents.exists():
        raise AccessDenied()
    querysets = {"parent": parents, "kind": unit_selectors.unit_kinds(user=user)}
    initial = {}
    parent_id = request.GET.get("parent", "")
    if request.method != "POST" and is_pk(parent_id):
        initial["parent"] = parents.filter(pk=int(parent_id)).first()
    form = UnitCreateForm(form_data(request), initial=initial, querysets=querysets)

    def save(actor):
        data = form.cleaned_data
        fields = {k: data[k] for k in UnitCreateForm.FIELDS if k not in ("name", "kind")}
        return unit_create(actor=actor, code=data["code"], name=data["name"], kind=data["kind"],
                           parent=data["parent"], **fields)

    return submit(
        request, form, save, success=_unit_url, message=lambda unit: _("Đã tạo đơn vị %(name)s.") % {"name": unit.name},
        template="org/unit_form.html", context={"unit": None}, refused=200,
        unnamed_on_form=True,  # a root unit refused (admin only): said on the form
    )


@login_required
@get_or_post
def unit_edit_view(request, unit_id: int):
    user = request.user
    unit = unit_selectors.unit_get(user=user, unit_id=unit_id)
    if not can(user, "change", unit):
        raise AccessDenied()
    querysets = {"kind": unit_selectors.unit_kinds(user=user)}
    initial = {k: getattr(unit, k) for k in UnitEditForm.FIELDS}
    initial["is_active"] = unit.is_active
    form = UnitEditForm(form_data(request), initial=initial, querysets=querysets)
    concurrency.add_version_field(form, unit)

    def save(actor):
        changes = {k: form.cleaned_data[k] for k in (*UnitEditForm.FIELDS, "is_active")}
        return unit_update(actor=actor, unit=unit, version=form.cleaned_data.get("version"), **changes)

    return submit(
        request, form, save, success=_unit_url(unit), message=_("Đã lưu thay đổi."),
        template="org/unit_form.html", context={"unit": unit}, obj=unit, refused=200,
    )


@login_required
@get_or_post
def unit_move_view(request, unit_id: int):
    user = request.user
    unit = unit_selectors.unit_get(user=user, unit_id=unit_id)
    if not can(user, "change", unit):
        raise AccessDenied()
    parents = (
        unit_selectors.units_where(user=user, action="add")
        .exclude(unit_selectors.subtree_q(unit.path))
        .exclude(pk=unit.parent_id)
    )
    form = UnitMoveForm(form_data(request), querysets={"new_parent": parents})
    return submit(
        request, form, lambda actor: unit_move(actor=actor, unit=unit, new_parent=form.cleaned_data["new_parent"]),
        success=_unit_url, message=_("Đã chuyển đơn vị."), template="org/unit_move.html",
        context={"unit": unit, "ancestors": unit_selectors.unit_ancestors(user=user, unit=unit)},
        aliases={"parent": "new_parent"}, refused=200,
    )


# --------------------------------------------------------------------------- constituency


@login_required
@get_or_post
def constituency_add_view(request, unit_id: int):
    user = request.user
    unit = unit_selectors.unit_get(user=user, unit_id=unit_id)
    if not can_in_unit(user, CLAIM_ACTION, unit):
        raise AccessDenied()
    if request.method == "POST":
        form = ConstituencyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = constituency_add_many(
                    actor=web_actor(request), unit=unit, values=data["values"].splitlines(),
                    kind=data["kind"] or None, note=data["note"],
                )
            except (DomainError, ValidationError) as exc:
                map_errors(form, exc, aliases={"value": "values"})
            else:
                pending = sum(1 for e in made if e.status == e.Status.PENDING)
                messages.success(request, ngettext(
                    "Đã thêm %(n)s giá trị vào phạm vi quản lý.", "Đã thêm %(n)s giá trị vào phạm vi quản lý.",
                    len(made) - pending) % {"n": len(made) - pending})
                if pending:
                    messages.warning(request, ngettext(
                        "%(n)s giá trị nằm trong hoặc bao trùm phạm vi của đơn vị khác: đang chờ đơn vị đó "
                        "hoặc Văn phòng Ban Chỉ đạo chấp thuận.",
                        "%(n)s giá trị nằm trong hoặc bao trùm phạm vi của đơn vị khác: đang chờ đơn vị đó "
                        "hoặc Văn phòng Ban Chỉ đạo chấp thuận.",
                        pending,
                    ) % {"n": pending})
                return redirect(_unit_url(unit, "constituency"))
    else:
        form = ConstituencyForm()
    return render(request, "org/constituency_form.html", {"form": form, "unit": unit})


@login_required
@post_only
def constituency_remove_view(request, unit_id: int, entry_id: int):
    user = request.user
    unit = unit_selectors.unit_get(user=user, unit_id=unit_id)
    entry = constituency_selectors.constituency_entry_get(user=user, unit=unit, entry_id=entry_id)
    constituency_remove(actor=web_actor(request), entry=entry)
    messages.success(request, _("Đã gỡ %(value)s khỏi phạm vi quản lý.") % {"value": entry.value})
    return redirect(reverse("org:unit_detail", kwargs={"unit_id": unit.pk}) + "#constituency")


@login_required
def who_owns_view(request):
    """Who owns an IP address, a domain or an ASN? (GET, so an answer can be linked)."""
    answer = None
    form = WhoOwnsForm(request.GET or None)
    if form.is_bound and form.is_valid():
        try:
            answer = constituency_selectors.who_owns(user=request.user, value=form.cleaned_data["value"])
        except DomainError as exc:
            exc.field = "value"  # whatever it names, it is about the value asked
            map_errors(form, exc)
    context = {"form": form, "answer": answer}
    template = "org/who_owns_result.html" if is_htmx(request) else "org/who_owns.html"
    return render(request, template, context)


@login_required
def constituency_overlaps_view(request):
    """Overlapping claims: all for network-wide roles, those touching one's scope otherwise."""
    kind = request.GET.get("kind", "")
    relation = request.GET.get("relation", "")
    kind = kind if kind in constituency_selectors.Kind.values else ""
    relation = relation if relation in constituency_selectors.RELATIONS else ""
    found = constituency_selectors.overlaps(user=request.user, kind=kind or None, relation=relation or None)
    context = {
        "overlaps": found,
        "kind": kind,
        "relation": relation,
        "kinds": constituency_selectors.Kind.choices,
        "conflicts": sum(1 for o in found if o.is_conflict),
    }
    return render(request, "org/constituency_overlaps.html", context)


@login_required
def constituency_requests_view(request):
    """Delegation requests: the claims of one's units awaiting another unit's consent, and
    the claims other units asked one's units to accept (pending first; ?status=all)."""
    status = request.GET.get("status", "pending")
    status = status if status in (*constituency_selectors.ConstituencyEntry.Status.values, "all") else "pending"
    user = request.user
    rows = list(constituency_selectors.constituency_requests(user=user, status=None if status == "all" else status))
    for entry in rows:
        entry.can_decide = constituency_selectors.may_decide(user=user, entry=entry)
    return render(request, "org/constituency_requests.html", {"requests": rows, "status": status})


@login_required
@post_only
def constituency_decide_view(request, entry_id: int):
    entry = constituency_selectors.constituency_request_get(user=request.user, entry_id=entry_id)
    decision = request.POST.get("decision", "")
    back = reverse("org:constituency_requests")
    if decision not in ("accept", "refuse"):
        messages.error(request, _("Hãy chọn chấp thuận hoặc từ chối."))
        return redirect(back)
    try:
        constituency_decide(
            actor=web_actor(request), entry=entry, accept=decision == "accept",
            note=request.POST.get("note", ""),
        )
    except AccessDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if decision == "accept":
        messages.success(request, _("Đã chấp thuận cho %(unit)s nhận %(value)s.") % {
            "unit": entry.unit.display_name, "value": entry.value})
    else:
        messages.success(request, _("Đã từ chối yêu cầu nhận %(value)s của %(unit)s.") % {
            "unit": entry.unit.display_name, "value": entry.value})
    return redirect(back)
