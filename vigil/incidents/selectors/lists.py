"""The incident list: filters, and keyset pagination that stays fast on a million rows.

Unit filters are resolved to unit ids first (a subtree is one indexed `path LIKE` query),
then each branch of "owned by, led by, or supported by these units" becomes an
`…_id IN (ids)` test that the (owner_unit, state, received_at) and (lead_unit, state,
received_at) indexes answer; supporting units go through the IncidentUnit index as a
literal list of incident ids. The access filter always applies (`visible_within`: under
TLP, covering a unit does not reach its AMBER+STRICT and RED incidents); it is itself a
union of such index-friendly tests. Pages are read with a
keyset cursor on (received_at, pk): no OFFSET, and no COUNT(*) over the whole table (a
count capped at COUNT_CAP is offered instead).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from vigil.core.access import scope_of, visible_to, visible_within
from vigil.core.errors import DomainError
from vigil.core.models import TLP
from vigil.org.models import Unit
from vigil.org.selectors.units import unit_ids_in

from ..models import Incident, IncidentUnit, Severity

MAX_LITERAL = 5000
COUNT_CAP = 1000
PAGE_SIZE = 50
RELATIONS = ("any", "owned", "assigned", "waiting")


def _support_incident_ids(unit_ids, *, states=(), pending_only: bool = False, exclude_owned: bool = False):
    """Incidents in which the units `unit_ids` are asked to help (active supporting
    requests), in `states`, that they do not lead (nor own, with `exclude_owned`): the lead
    and owner branches already find those. A literal list when short, else a subquery."""
    rows = IncidentUnit.objects.filter(unit_id__in=unit_ids, active=True)
    if pending_only:
        rows = rows.filter(answer=IncidentUnit.Answer.PENDING)
    else:
        rows = rows.filter(role=IncidentUnit.Role.SUPPORT).exclude(incident__lead_unit_id__in=unit_ids)
        if exclude_owned:
            rows = rows.exclude(incident__owner_unit_id__in=unit_ids)
    if states:
        rows = rows.filter(incident__state__in=states)
    rows = rows.order_by()
    found = list(rows.values_list("incident_id", flat=True).distinct()[: MAX_LITERAL + 1])
    return found if len(found) <= MAX_LITERAL else rows.values("incident_id")


def _branch(field_q: Q, states) -> Q:
    return field_q & Q(state__in=states) if states else field_q


def _handled_by(ids, states, relation: str = "any") -> Q:
    """Incidents the units `ids` own, lead or support (or one of these, per `relation`)."""
    if relation == "owned":
        return _branch(Q(owner_unit_id__in=ids), states)
    if relation == "waiting":
        return Q(pk__in=_support_incident_ids(ids, states=states, pending_only=True))
    lead = _branch(Q(lead_unit_id__in=ids), states)
    if relation == "assigned":
        return lead | Q(pk__in=_support_incident_ids(ids, states=states))
    support = Q(pk__in=_support_incident_ids(ids, states=states, exclude_owned=True))
    return _branch(Q(owner_unit_id__in=ids), states) | lead | support


def my_unit_ids(user) -> list[int]:
    """The units where the user holds a membership (for "my unit's incidents")."""
    return sorted(scope_of(user).member_unit_ids)


def _choices(values, allowed, field: str) -> list[str]:
    if values is None or values == "" or values == []:
        return []
    items = [values] if isinstance(values, str) else list(values)
    items = [v for v in items if v]
    bad = [v for v in items if v not in allowed]
    if bad:
        raise DomainError(_("Giá trị không hợp lệ; chọn một trong: %(v)s.") % {"v": ", ".join(allowed)}, field=field)
    return items


def incident_list(
    user,
    *,
    unit: Unit | None = None,
    subtree: bool = True,
    relation: str = "any",
    states: Iterable[str] | str | None = None,
    severity: Iterable[str] | str | None = None,
    incident_type=None,
    klass=None,
    tlp: Iterable[str] | str | None = None,
    q: str | None = None,
    received_from: dt.date | dt.datetime | None = None,
    received_to: dt.date | dt.datetime | None = None,
    lead_unit: Unit | None = None,
    mine: bool = False,
) -> QuerySet[Incident]:
    """Incidents `user` may see, newest first (`-received_at, -pk`).

    `unit` (+ `subtree`): incidents owned, led or supported by the unit (or its subtree);
    `relation` narrows that to "owned", "assigned" (lead or supporting) or "waiting" (a
    request to the unit still unanswered). `mine`: the same for the units the user is a
    member of. Other filters: states, severity, type or class, TLP, text (reference or
    words of the title), reception dates, lead unit."""
    if relation not in RELATIONS:
        raise DomainError(_("Quan hệ phải là một trong: %(v)s.") % {"v": ", ".join(RELATIONS)}, field="relation")
    states = _choices(states, Incident.State.values, "state")
    severities = _choices(severity, Severity.values, "severity")
    tlps = _choices(tlp, TLP.values, "tlp")
    if unit is not None:
        ids = unit_ids_in(unit, subtree)
        qs = visible_within(user, Incident.objects.filter(_handled_by(ids, states, relation)), [(unit, subtree)])
    elif mine or relation != "any":
        ids = my_unit_ids(user)
        qs = Incident.objects.filter(_handled_by(ids, states, relation)) if ids else Incident.objects.none()
        qs = visible_within(user, qs, [(u, False) for u in Unit.objects.filter(pk__in=ids)])
    else:
        # TLP lets members see incidents of other units (CLEAR/GREEN, AMBER shared with
        # them): the policy itself is the filter here.
        qs = visible_to(user, Incident)
    if states:
        qs = qs.filter(state__in=states)
    if severities:
        qs = qs.filter(severity__in=severities)
    if tlps:
        qs = qs.filter(tlp__in=tlps)
    if incident_type is not None:
        qs = qs.filter(incident_type_id=getattr(incident_type, "pk", incident_type))
    elif klass is not None:
        qs = qs.filter(incident_type__klass_id=getattr(klass, "pk", klass))
    if lead_unit is not None:
        qs = qs.filter(lead_unit_id=getattr(lead_unit, "pk", lead_unit))
    text = (q or "").strip()
    if text:
        if len(text) > 200:
            raise DomainError(_("Từ khoá dài quá %(n)s ký tự.") % {"n": 200}, field="q")
        qs = qs.filter(Q(reference=text.upper()) | Q(title__icontains=text))
    if received_from:
        qs = qs.filter(received_at__gte=_start(received_from))
    if received_to:
        if isinstance(received_to, dt.datetime):
            qs = qs.filter(received_at__lte=received_to)
        else:
            qs = qs.filter(received_at__lt=_start(received_to) + dt.timedelta(days=1))
    return qs.select_related("owner_unit", "lead_unit", "incident_type").order_by("-received_at", "-pk")


def _start(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


# --------------------------------------------------------------------------- keyset pages


@dataclass
class Page:
    items: list
    next_cursor: str | None
    count: int
    count_capped: bool


def encode_cursor(row: Incident) -> str:
    raw = f"{row.received_at.isoformat()}|{row.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        when = parse_datetime(at)
        if when is None:
            raise ValueError
        return when, int(pk)
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("Con trỏ trang không hợp lệ."), field="cursor") from None


def page_of(qs: QuerySet[Incident], *, cursor: str | None = None, size: int = PAGE_SIZE,
            with_count: bool = True) -> Page:
    """One page of a list ordered by (-received_at, -pk), after `cursor`."""
    size = max(1, min(int(size or PAGE_SIZE), 200))
    if cursor:
        at, pk = decode_cursor(cursor)
        qs = qs.filter(Q(received_at__lt=at) | Q(received_at=at, pk__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    count, capped = 0, False
    if with_count:
        count = qs.order_by()[: COUNT_CAP + 1].count() if not cursor else 0
        capped = count > COUNT_CAP
        count = min(count, COUNT_CAP)
    return Page(items=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else None, count=count,
                count_capped=capped)
