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

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.access import member_units, visible_to, visible_within
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError
from vigil.core.models import TLP
from vigil.core.pagination import Keyset
from vigil.core.refs import is_pk
from vigil.core.samples import sample
from vigil.org.models import Unit
from vigil.org.selectors.units import unit_ids_in

from ..models import Incident, IncidentClass, IncidentType, IncidentUnit, Severity

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
    return sorted(member_units(user))


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


# --------------------------------------------------------------------------- filters


def _values(raw) -> list[str]:
    """One or several values: a list, or text with commas ("new,triaged")."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [v.strip() for part in items for v in str(part).split(",") if v.strip()]


def _flag(raw, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "on", "yes")


@dataclass
class IncidentFilters:
    """The incident list's filters: one definition, one vocabulary and one parser for the
    page, the API, the CLI and the CSV/XLSX exports (as intel's `IndicatorFilters`).

    Names: unit (id or code) + subtree (default on) + relation (any, owned, assigned,
    waiting), mine, state, severity and tlp (each one or several, a list or comma-separated),
    klass and incident_type (code or id), q (tracking number or words of the title),
    received_from / received_to (dates), lead_unit (id or code). The exports' older names
    are read as aliases: since, until, class, type. An error names the parameter as the
    caller wrote it."""

    unit: Unit | None = None
    subtree: bool = True
    relation: str = "any"
    mine: bool = False
    state: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    tlp: list[str] = field(default_factory=list)
    klass: IncidentClass | None = None
    incident_type: IncidentType | None = None
    q: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    lead_unit: Unit | None = None

    ALIASES = {"received_from": "since", "received_to": "until", "klass": "class", "incident_type": "type"}

    @classmethod
    def parse(cls, user, data, *, day_first: bool = False) -> IncidentFilters:
        """From a query (request.GET, an API query's dict, CLI options as a dict): values
        checked, units resolved for `user`; DomainError naming the field otherwise.
        `day_first`: the page also takes dates as dd/mm/yyyy."""
        getlist = getattr(data, "getlist", None)

        def get(name, many: bool = False):
            """(value, the name it came under): the name itself, else its alias."""
            for key in (name, cls.ALIASES.get(name)):
                if key and key in data:
                    value = getlist(key) if getlist and many else data.get(key)
                    if value not in (None, "", []):
                        return value, key
            return None, name

        def choices(name, allowed, message):
            raw, key = get(name, many=True)
            values = _values(raw)
            if name == "tlp":
                values = [v.lower() for v in values]
            if any(v not in allowed for v in values):
                raise DomainError(message % {"v": ", ".join(allowed)}, field=key)
            return values

        f = cls()
        raw, key = get("unit")
        f.unit = unit_ref(user, raw, field=key, bad_input=True, optional=True)
        raw, key = get("lead_unit")
        f.lead_unit = unit_ref(user, raw, field=key, bad_input=True, optional=True)
        f.subtree = _flag(get("subtree")[0], True)
        f.mine = _flag(get("mine")[0], False)
        raw, key = get("relation")
        f.relation = str(raw or "any").strip()
        if f.relation not in RELATIONS:
            raise DomainError(_("Quan hệ phải là một trong: %(v)s.") % {"v": ", ".join(RELATIONS)}, field=key)
        f.state = choices("state", Incident.State.values, _("Trạng thái phải là một trong: %(v)s."))
        f.severity = choices("severity", Severity.values, _("Mức độ nghiêm trọng phải là một trong: %(v)s."))
        f.tlp = choices("tlp", TLP.values, _("TLP phải là một trong: %(v)s."))
        f.klass = _taxonomy(IncidentClass, *get("klass"), _("Không có nhóm sự cố %(v)s."))
        f.incident_type = _taxonomy(IncidentType, *get("incident_type"), _("Không có loại sự cố %(v)s."))
        raw, key = get("q")
        f.q = str(raw or "").strip()
        if len(f.q) > 200:
            raise DomainError(_("Từ khoá dài quá %(n)s ký tự.") % {"n": 200}, field=key)
        raw, since_key = get("received_from")
        f.received_from = parse_date(raw, since_key, day_first=day_first)
        raw, key = get("received_to")
        f.received_to = parse_date(raw, key, day_first=day_first)
        if f.received_from and f.received_to and f.received_from > f.received_to:
            raise DomainError(_("Ngày bắt đầu phải trước ngày kết thúc."), field=since_key)
        return f

    def as_dict(self) -> dict:
        """The filters as the audit log records an export of the list."""
        return {
            "unit": getattr(self.unit, "code", None), "subtree": self.subtree, "relation": self.relation,
            "mine": self.mine or None, "state": self.state, "severity": ",".join(self.severity) or None,
            "class": getattr(self.klass, "code", None), "type": getattr(self.incident_type, "code", None),
            "tlp": ",".join(self.tlp) or None, "q": self.q or None,
            "since": self.received_from.isoformat() if self.received_from else None,
            "until": self.received_to.isoformat() if self.received_to else None,
            "lead_unit": getattr(self.lead_unit, "code", None),
        }


def _taxonomy(model, raw, key: str, message):
    """A class or type of the taxonomy (reference data) by code or id; None when not given."""
    if raw in (None, ""):
        return None
    if isinstance(raw, model):
        return raw
    text = str(raw).strip()
    found = model.objects.filter(code=text).first() or (model.objects.filter(pk=int(text)).first()
                                                         if is_pk(text) else None)
    if found is None:
        raise DomainError(message % {"v": sample(text)}, field=key)
    return found


def filtered(user, f: IncidentFilters) -> QuerySet[Incident]:
    """`incident_list` with the filters `f`: what the page, the API, the CLI and the
    exports list."""
    return incident_list(
        user, unit=f.unit, subtree=f.subtree, relation=f.relation, mine=f.mine, states=f.state or None,
        severity=f.severity or None, incident_type=f.incident_type, klass=f.klass, tlp=f.tlp or None,
        q=f.q or None, received_from=f.received_from, received_to=f.received_to, lead_unit=f.lead_unit,
    )


# --------------------------------------------------------------------------- keyset pages


KEYSET = Keyset("received_at")  # newest first, as incident_list orders


@dataclass
class Page:
    items: list
    next_cursor: str | None
    count: int
    count_capped: bool


def page_of(qs: QuerySet[Incident], *, cursor: str | None = None, size: int = PAGE_SIZE,
            with_count: bool = True) -> Page:
    """One page of a list ordered by (-received_at, -pk), after `cursor`."""
    size = max(1, min(int(size or PAGE_SIZE), 200))
    page = KEYSET.page(qs, cursor=cursor, size=size)
    count, capped = 0, False
    if with_count:
        count = qs.order_by()[: COUNT_CAP + 1].count() if not cursor else 0
        capped = count > COUNT_CAP
        count = min(count, COUNT_CAP)
    return Page(items=page.items, next_cursor=page.next_cursor, count=count, count_capped=capped)
