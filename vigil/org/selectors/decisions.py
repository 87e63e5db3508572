"""Reads of membership decisions, through the access layer (TLP 2.0).

Every time a TLP:RED decision is shown to someone (a page, an API answer, a command),
the view is written to the audit log: `record_red_views` does it for the adapters.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.access import can, visible_to
from vigil.core.actors import Actor
from vigil.core.errors import NotFound
from vigil.core.models import TLP
from vigil.core.refs import is_pk

from ..models import DecisionItem, MembershipDecision, Person, Unit


def decision_list(
    *,
    user,
    unit: Unit | None = None,
    subtree_of: Unit | None = None,
    status: str | None = None,
    tlp: str | None = None,
    q: str | None = None,
) -> QuerySet[MembershipDecision]:
    """Decisions `user` may see (TLP applies), newest first."""
    qs = visible_to(user, MembershipDecision).select_related("owner_unit").annotate(
        item_count=Count("items")
    )
    if unit is not None:
        qs = qs.filter(owner_unit=unit)
    if subtree_of is not None:
        qs = qs.filter(owner_unit__path__startswith=subtree_of.path)
    if status:
        qs = qs.filter(status=status)
    if tlp:
        qs = qs.filter(tlp=tlp)
    if q:
        for word in q.split():
            qs = qs.filter(Q(number__icontains=word) | Q(title__icontains=word) | Q(issuer__icontains=word))
    return qs.order_by("-date", "-id")


def decision_get(*, user, decision_id) -> MembershipDecision:
    """One decision `user` may see, or NotFound (the same answer whether it does not
    exist or is hidden by its TLP label)."""
    found = (
        visible_to(user, MembershipDecision).select_related("owner_unit__kind", "created_by")
        .filter(pk=decision_id).first()
        if is_pk(decision_id)
        else None
    )
    if found is None:
        raise NotFound(_("Không tìm thấy quyết định."))
    return found


def decision_items(*, decision: MembershipDecision) -> QuerySet[DecisionItem]:
    """The items of a decision the caller already found through `decision_get`."""
    return decision.items.select_related("person", "role").order_by("id")


def decision_item_get(*, decision: MembershipDecision, item_id) -> DecisionItem:
    item = decision.items.filter(pk=item_id).first() if is_pk(item_id) else None
    if item is None:
        raise NotFound(_("Không tìm thấy nội dung này trong quyết định."))
    return item


def decisions_for_person(*, user, person: Person) -> QuerySet[MembershipDecision]:
    """Decisions `user` may see that name `person` in an item."""
    return decision_list(user=user).filter(items__person=person).distinct()


def decision_permissions(*, user, decision: MembershipDecision) -> dict:
    """What the page may offer: edit (draft and `manage_members`), apply, download."""
    editable = decision.status == MembershipDecision.Status.DRAFT and can(user, "manage_members", decision)
    return {"can_edit": editable, "can_apply": editable, "can_download": bool(decision.signed_file)}


def record_red_views(actor: Actor, decisions: Iterable[MembershipDecision]) -> None:
    """Write a `view` audit entry for each TLP:RED decision about to be shown."""
    for decision in decisions:
        if decision.tlp == TLP.RED:
            audit.record_view(actor, decision)
