"""Reads of the information systems registry.

Two families:
- `systems_for_value`: internal routing ("which operating system is this IP, domain, URL
  or e-mail address?"), NOT access-filtered: incidents call it to find the system, and
  through it the owning unit, of an observable. Callers must not show its answer to a
  user without filtering it through the access layer.
- `systems_visible` and friends: what a user may see, through `visible_to`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vigil.core.access import visible_to
from vigil.core.errors import DomainError, NotFound
from vigil.org.models import ConstituencyEntry, Unit
from vigil.org.selectors.constituency import parse_value

from ..models import InformationSystem, SoftwareItem, SystemAddress

Kind = SystemAddress.Kind
IP_KINDS = (Kind.IPV4, Kind.IPV6)
DUE_SOON_DAYS = 30


# --------------------------------------------------------------------------- routing


def _address_candidates(value: str) -> QuerySet | None:
    """The addresses (of any system) covering `value`, or None when it is not an IP, a
    domain, a URL or an e-mail address."""
    try:
        parsed = parse_value(value, lookup=True)
    except DomainError:
        return None
    base = SystemAddress.objects.all()
    if parsed.kind in IP_KINDS:
        network = parsed.network
        starts = sorted(
            {
                ConstituencyEntry.ip_hex(network.supernet(new_prefix=p).network_address)
                for p in range(0, network.prefixlen + 1)
            }
        )
        # A URL whose host is an IP address carries that address as a /32 (/128) range.
        return base.filter(
            kind__in=[parsed.kind, Kind.URL], range_start__in=starts, range_end__gte=parsed.range_end
        )
    if parsed.kind == ConstituencyEntry.Kind.DOMAIN:
        labels = parsed.match_key.split(".")
        keys = [".".join(labels[: i + 1]) for i in range(len(labels))]
        # A domain covers its subdomains; a URL names one host exactly.
        return base.filter(
            Q(kind=Kind.DOMAIN, match_key__in=keys) | Q(kind=Kind.URL, match_key=parsed.match_key)
        )
    return None  # an ASN: systems do not declare one


def systems_for_value(value: str) -> list[InformationSystem]:
    """Operating systems (of active units) whose addresses cover `value` — an IP address
    or block (longest prefix first), a domain, URL or e-mail address (longest domain
    suffix first) — most specific first, each system once. NOT access-filtered: for
    internal routing. A malformed value gives an empty list."""
    candidates = _address_candidates(value)
    if candidates is None:
        return []
    rows = (
        candidates.filter(
            system__status=InformationSystem.Status.OPERATING, system__owner_unit__is_active=True
        )
        .select_related("system__owner_unit")
        .order_by("-prefix_len", "system__owner_unit__path", "system__name", "system_id")
    )
    seen: dict[int, InformationSystem] = {}
    for address in rows:
        if address.system_id not in seen:
            seen[address.system_id] = address.system
    return list(seen.values())


# --------------------------------------------------------------------------- user reads


@dataclass
class SystemFilters:
    unit: Unit | None = None
    subtree: bool = True
    level: int | None = None
    important: bool | None = None
    status: str = ""
    q: str = ""
    due: str = ""  # "", "soon" (review or re-approval within 30 days), "overdue"


DUE_CHOICES = ("soon", "overdue")


def _due_q(due: str, today: datetime.date) -> Q | None:
    if due == "overdue":
        return Q(review_due__lt=today) | Q(reapproval_due__lt=today)
    if due == "soon":
        limit = today + datetime.timedelta(days=DUE_SOON_DAYS)
        return Q(review_due__gte=today, review_due__lte=limit) | Q(
            reapproval_due__gte=today, reapproval_due__lte=limit
        )
    return None


def systems_visible(
    user,
    *,
    unit: Unit | None = None,
    subtree: bool = True,
    level: int | None = None,
    important: bool | None = None,
    status: str = "",
    q: str = "",
    due: str = "",
    today: datetime.date | None = None,
    action: str = "view",
) -> QuerySet:
    """The systems `user` may see (`action`), filtered: `unit` (with its subtree unless
    `subtree=False`), security `level`, `important` (designated important to national
    security), `status`, free text `q` (code, name, operator, purpose, an address or a
    software vendor/product) and `due` ("soon": review or re-approval due within 30
    days; "overdue": past one of them)."""
    qs = visible_to(user, InformationSystem, action).select_related("owner_unit")
    if unit is not None:
        qs = qs.filter(owner_unit__path__startswith=unit.path) if subtree else qs.filter(owner_unit=unit)
    if level:
        qs = qs.filter(level=level)
    if important is not None:
        qs = qs.filter(national_security_important=important)
    if status:
        qs = qs.filter(status=status)
    text = (q or "").strip()
    if text:
        match = (
            Q(code__icontains=text) | Q(name__icontains=text) | Q(operator__icontains=text)
            | Q(purpose__icontains=text)
            | Q(pk__in=SystemAddress.objects.filter(value__icontains=text).values("system_id"))
            | Q(pk__in=SoftwareItem.objects.filter(
                Q(vendor__icontains=text) | Q(product__icontains=text) | Q(cpe__icontains=text)
            ).values("system_id"))
        )
        qs = qs.filter(match)
    due_q = _due_q(due, today or timezone.localdate())
    if due_q is not None:
        qs = qs.filter(due_q)
    return qs.order_by("owner_unit__path", "name", "pk")


def systems_with_counts(qs: QuerySet) -> QuerySet:
    """`qs` annotated with `address_count` and `software_count` for lists."""
    return qs.annotate(
        address_count=Count("addresses", distinct=True), software_count=Count("software", distinct=True)
    )


def system_get(*, user, system_id: int, action: str = "view") -> InformationSystem:
    """One system `user` may see (or act on); NotFound otherwise."""
    system = (
        visible_to(user, InformationSystem.objects.filter(pk=system_id), action)
        .select_related("owner_unit", "created_by")
        .first()
    )
    if system is None:
        raise NotFound()
    return system


def system_by_code(*, user, unit_code: str, code: str) -> InformationSystem:
    """A visible system by its owner unit's code and its own code; NotFound otherwise."""
    system = (
        visible_to(user, InformationSystem.objects.filter(owner_unit__code=unit_code, code=code))
        .select_related("owner_unit")
        .first()
    )
    if system is None:
        raise NotFound()
    return system


def system_addresses(system: InformationSystem) -> list[SystemAddress]:
    return list(system.addresses.order_by("kind", "range_start", "match_key", "value"))


def system_software(system: InformationSystem) -> list[SoftwareItem]:
    return list(system.software.order_by("vendor", "product", "version", "cpe"))


def address_get(*, user, system: InformationSystem, address_id: int) -> SystemAddress:
    address = visible_to(user, SystemAddress.objects.filter(system=system, pk=address_id)).first()
    if address is None:
        raise NotFound()
    return address


def software_get(*, user, system: InformationSystem, software_id: int) -> SoftwareItem:
    item = visible_to(user, SoftwareItem.objects.filter(system=system, pk=software_id)).first()
    if item is None:
        raise NotFound()
    return item


def units_for_systems(user, action: str = "add") -> QuerySet:
    """Active units where `user` may register (`add`) or change systems, for forms."""
    return visible_to(user, Unit.objects.filter(is_active=True), action).order_by("path")


def unit_by_code(code: str) -> Unit | None:
    """An active unit by its code (any unit: the caller checks permission on it)."""
    return Unit.objects.filter(code=code, is_active=True).first() if code else None


def units_by_code(codes) -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(code__in=list(codes), is_active=True)}


def incident_count(*, user, system: InformationSystem) -> int:
    """How many incidents naming this system the user may see."""
    return visible_to(user, system.incidents.all()).count()


def systems_due(*, today: datetime.date, horizon_days: int = 30) -> QuerySet:
    """Systems (not retired, of active units) with a review or re-approval due within
    `horizon_days` or past due: the reminder job's candidates. NOT access-filtered."""
    limit = today + datetime.timedelta(days=horizon_days)
    return (
        InformationSystem.objects.exclude(status=InformationSystem.Status.RETIRED)
        .filter(owner_unit__is_active=True)
        .filter(Q(review_due__lte=limit) | Q(reapproval_due__lte=limit))
        .select_related("owner_unit")
        .order_by("pk")
    )


def systems_by_keys(keys) -> dict[tuple[str, str], InformationSystem]:
    """Systems by (owner unit code, system code), for the importer's upsert. NOT
    access-filtered: the importer checks `change` on each unit before writing."""
    keys = {(u, c) for u, c in keys if u and c}
    if not keys:
        return {}
    rows = InformationSystem.objects.filter(
        owner_unit__code__in={u for u, _ in keys}, code__in={c for _, c in keys}
    ).select_related("owner_unit")
    return {(s.owner_unit.code, s.code): s for s in rows if (s.owner_unit.code, s.code) in keys}


def system_permissions(*, user, system: InformationSystem) -> dict:
    """What `user` may do on a system's page."""
    from vigil.core.access import can

    return {
        "can_change": can(user, "change", system),
        "can_delete": can(user, "delete", system),
    }
