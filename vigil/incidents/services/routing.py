"""Which unit owns a reported incident, found automatically at intake (and proposed again
at triage). The most specific evidence wins:

1. an affected system named in the report: the system's owning unit;
2. an address in the report (an observable, or an address written in the text) that is
   one of a registered system's addresses: that system's owning unit — provided that
   unit answers for the address (it, or a unit above it, holds the most specific active
   constituency claim covering it, or nobody claims it): a unit cannot take another
   unit's reports by registering a system on its addresses (issue 11);
3. the constituency: the unit whose declared IP block or domain covers the address, the
   longest prefix / suffix first (`org.selectors.constituency.covering_entries`; active
   claims only: a pending or refused delegation request never routes);
4. the reporter's own unit;
5. the standing agency (unit kind `standing_agency`), which sees everything and routes
   by hand.

Platform authority: the look-ups are not filtered by what the reporter may see (a
province's user reporting an attack on a ministry's server must still reach the ministry);
the answer only names a unit, never the system or claim that matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from vigil.core.errors import DomainError
from vigil.org.models import Unit
from vigil.org.selectors.constituency import covering_entries
from vigil.org.services.constituency import parse_value

ROUTABLE_KINDS = ("ipv4", "ipv6", "domain", "url", "email")
AGENCY_KIND = "standing_agency"
AGENCY_CODE = "cqtt"

SYSTEM = "system"
ADDRESS = "address"
CONSTITUENCY = "constituency"
REPORTER = "reporter"
AGENCY = "agency"


@dataclass
class Route:
    """The owning unit found and how (`system`, `address`, `constituency`, `reporter`,
    `agency`), with the value that decided it when there is one."""

    unit: Unit
    how: str
    value: str = ""


def standing_agency() -> Unit | None:
    """The standing agency: the active unit of kind `standing_agency` (code `cqtt` first)."""
    rows = Unit.objects.filter(kind__code=AGENCY_KIND, is_active=True).order_by("depth", "pk")
    return rows.filter(code=AGENCY_CODE).first() or rows.first()


def _systems_for_value(value: str) -> list:
    from vigil.assets.selectors import systems_for_value

    return list(systems_for_value(value))


def _constituency_owner(value: str) -> tuple[Unit, int] | None:
    """The unit of the most specific constituency claim covering `value`, with its
    prefix length (IPs) or suffix depth (domains); None when nobody claims it."""
    try:
        parsed = parse_value(value, lookup=True)
    except DomainError:
        return None
    best = covering_entries(parsed).select_related("unit").order_by("-prefix_len", "unit__path").first()
    return (best.unit, best.prefix_len) if best is not None else None


def find_owner_unit(*, systems: Iterable = (), values: Iterable[str] = (), reporter_unit: Unit | None = None) -> Route:
    """The owning unit of a report (see the module docstring for the order)."""
    for system in systems:
        if system is not None and getattr(system, "owner_unit", None) is not None:
            return Route(system.owner_unit, SYSTEM)
    values = [v for v in dict.fromkeys(str(v).strip() for v in values) if v]
    for value in values:
        claim = _constituency_owner(value)
        for system in _systems_for_value(value):
            if claim is None or system.owner_unit.path.startswith(claim[0].path):
                return Route(system.owner_unit, ADDRESS, value)
    best: tuple[Unit, int, str] | None = None
    for value in values:
        hit = _constituency_owner(value)
        if hit is not None and (best is None or hit[1] > best[1]):
            best = (hit[0], hit[1], value)
    if best is not None:
        return Route(best[0], CONSTITUENCY, best[2])
    if reporter_unit is not None:
        return Route(reporter_unit, REPORTER)
    agency = standing_agency()
    if agency is None:
        raise DomainError(
            _("Chưa có cơ quan thường trực để tiếp nhận sự cố; hãy nạp dữ liệu tham chiếu (vigil load-reference)."),
            field="owner_unit", code="no-agency",
        )
    return Route(agency, AGENCY)
