"""Reads of the intelligence module; every function starts from `visible_to(user, …)`.

Lists of indicators are keyset-paged on (updated_at, id), newest change first, and never counted in full: the
table holds millions of rows. Exports stream the same filtered queryset in chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.access import visible_to
from vigil.core.errors import DomainError, NotFound
from vigil.core.models import TLP
from vigil.core.pagination import Keyset

from .. import types
from ..models import (
    Feed,
    FeedRun,
    ImportJob,
    Indicator,
    IndicatorSource,
    Sighting,
    Source,
    Tag,
    Taxonomy,
    Warninglist,
)

STATUSES = ("active", "expired", "warninglisted", "revoked", "all")
TLP_LEVELS = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]
PAGE_SIZE = 50


@dataclass
class IndicatorFilters:
    """One filter definition for pages, API, CLI and exports."""

    type: list[str] = field(default_factory=list)
    status: str = "active"
    q: str = ""
    source: int | None = None
    tag: str = ""
    min_confidence: int | None = None
    max_tlp: str = ""  # the most restrictive label included ("green" = CLEAR and GREEN only)
    max_age_days: int | None = None  # last seen within this many days
    updated_since: dt.datetime | None = None

    @classmethod
    def parse(cls, data, *, default_status: str = "active") -> IndicatorFilters:
        """From a query dict (request.GET, API query, CLI options): errors name the field."""
        get = data.get if hasattr(data, "get") else (lambda k, d=None: d)
        getlist = getattr(data, "getlist", None)
        raw_types = getlist("type") if getlist else get("type") or []
        if isinstance(raw_types, str):
            raw_types = [raw_types]
        type_list = [t for part in raw_types for t in str(part).split(",") if t.strip()]
        for t in type_list:
            if t not in types.TYPES:
                raise DomainError(_("Loại chỉ báo không hợp lệ: %(type)s.") % {"type": t}, field="type")
        status = (get("status") or default_status).strip()
        if status not in STATUSES:
            raise DomainError(_("Trạng thái không hợp lệ: %(status)s.") % {"status": status}, field="status")
        max_tlp = (get("max_tlp") or get("tlp") or "").strip().lower()
        if max_tlp == "white":
            max_tlp = "clear"
        if max_tlp and max_tlp not in [t.value for t in TLP_LEVELS]:
            raise DomainError(_("Nhãn TLP không hợp lệ: %(tlp)s.") % {"tlp": max_tlp}, field="max_tlp")

        def _int(name, low, high):
            value = get(name)
            if value in (None, ""):
                return None
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise DomainError(_("%(field)s phải là số nguyên.") % {"field": name}, field=name) from None
            if not low <= number <= high:
                raise DomainError(_("%(field)s phải từ %(low)s đến %(high)s.") % {"field": name, "low": low, "high": high},
                                  field=name)
            return number

        return cls(
            type=type_list, status=status, q=str(get("q") or "").strip()[:2048], source=_int("source", 1, 2**62),
            tag=str(get("tag") or "").strip()[:255], min_confidence=_int("min_confidence", 0, 100),
            max_tlp=max_tlp, max_age_days=_int("max_age_days", 1, 36500),
        )

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [])}


def _status_q(status: str, now) -> Q:
    live = Q(revoked_at__isnull=True) & (Q(warning="") | Q(warning_allowed_at__isnull=False))
    if status == "active":
        return live & Q(expires_at__gt=now)
    if status == "expired":
        return live & Q(expires_at__lte=now)
    if status == "warninglisted":
        return Q(revoked_at__isnull=True, warning_allowed_at__isnull=True) & ~Q(warning="")
    if status == "revoked":
        return Q(revoked_at__isnull=False)
    return Q()


def indicators(user, filters: IndicatorFilters | None = None, *, now=None) -> QuerySet:
    """The indicators `user` may see, filtered."""
    f = filters or IndicatorFilters()
    now = now or timezone.now()
    qs = visible_to(user, Indicator).filter(_status_q(f.status, now))
    if f.type:
        qs = qs.filter(type__in=f.type)
    if f.q:
        qs = qs.filter(_search_q(f.q, f.type))
    if f.source:
        qs = qs.filter(pk__in=visible_to(user, IndicatorSource).filter(source_id=f.source).values("indicator_id"))
    if f.tag:
        qs = qs.filter(pk__in=visible_to(user, IndicatorSource).filter(tags__name=f.tag).values("indicator_id"))
    if f.min_confidence is not None:
        qs = qs.filter(confidence__gte=f.min_confidence)
    if f.max_tlp:
        allowed = [t.value for t in TLP_LEVELS[: [t.value for t in TLP_LEVELS].index(f.max_tlp) + 1]]
        qs = qs.filter(tlp__in=allowed)
    if f.max_age_days:
        qs = qs.filter(last_seen__gte=now - dt.timedelta(days=f.max_age_days))
    if f.updated_since:
        qs = qs.filter(updated_at__gt=f.updated_since)
    return qs


def _search_q(q: str, type_list: list[str]) -> Q:
    """A search term: the exact normalised value when it is one (an index look-up),
    otherwise a substring of the value."""
    exact = Q()
    try:
        code, value = types.detect(q)
        exact = Q(stix_uuid=Indicator.uuid_for(code, value))
    except DomainError:
        pass
    for code in type_list:
        value = types.normalise_or_none(code, q)
        if value:
            exact |= Q(stix_uuid=Indicator.uuid_for(code, value))
    if exact:
        return exact
    return Q(value__contains=q.lower())


KEYSET = Keyset("updated_at")  # most recently changed first, on the (updated_at, id) index


@dataclass
class Page:
    rows: list
    next_cursor: str = ""


def indicator_page(user, filters: IndicatorFilters, *, cursor: str = "", limit: int = PAGE_SIZE) -> Page:
    """One page of `indicators()`, most recently changed (seen again, re-labelled, revoked)
    first, keyset-paged on the (updated_at, id) index."""
    limit = max(1, min(int(limit or PAGE_SIZE), 1000))
    page = KEYSET.page(indicators(user, filters), cursor=cursor or None, size=limit)
    return Page(rows=as_seen_by(user, page.items), next_cursor=page.next_cursor or "")


def indicator_get(user, indicator_id: int) -> Indicator:
    """One indicator the user may see, its roll-up limited to the claims they may see."""
    indicator = visible_to(user, Indicator).filter(pk=indicator_id).first()
    if indicator is None:
        raise NotFound()
    return as_seen_by(user, [indicator])[0]


def as_seen_by(user, rows: list[Indicator]) -> list[Indicator]:
    """The indicators with their roll-up (label, confidence, first and last seen, expiry,
    description) recomputed, in memory, from the claims `user` may see, when some claim is
    hidden from them: a claim another unit holds as RED must not show through the times
    or confidence of the indicator (issue 11). Two queries for any number of rows; rows
    whose claims are all visible, or none (seen by their public label), are unchanged."""
    rows = list(rows)
    if not rows:
        return rows
    ids = [r.pk for r in rows]
    totals = dict(
        IndicatorSource.objects.filter(indicator_id__in=ids).order_by().values("indicator_id")
        .annotate(n=Count("id")).values_list("indicator_id", "n")
    )
    seen: dict[int, list[dict]] = {}
    for claim in (visible_to(user, IndicatorSource).filter(indicator_id__in=ids).order_by("-last_seen")
                  .values("indicator_id", "tlp", "confidence", "first_seen", "last_seen", "expires_at",
                          "description")):
        seen.setdefault(claim["indicator_id"], []).append(claim)
    for row in rows:
        claims = seen.get(row.pk, [])
        if not claims or len(claims) >= totals.get(row.pk, 0):
            continue
        row.tlp = min((c["tlp"] for c in claims), key=lambda t: _TLP_ORDER.index(t) if t in _TLP_ORDER else 99)
        row.confidence = max(c["confidence"] for c in claims)
        row.first_seen = min(c["first_seen"] for c in claims)
        row.last_seen = max(c["last_seen"] for c in claims)
        row.expires_at = max(c["expires_at"] for c in claims)
        row.description = next((c["description"] for c in claims if c["description"]), "")
    return rows


_TLP_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def indicator_by_value(user, type_code: str, value: str) -> Indicator | None:
    return visible_to(user, Indicator).filter(stix_uuid=Indicator.uuid_for(type_code, types.normalise(type_code, value))).first()


def claims_of(user, indicator: Indicator) -> list[IndicatorSource]:
    """The claims of `indicator` the user may see, with their sources and tags."""
    return list(
        visible_to(user, IndicatorSource).filter(indicator=indicator)
        .select_related("source", "source__owner_unit").prefetch_related("tags").order_by("-last_seen")
    )


def sightings_of(user, indicator: Indicator) -> list[Sighting]:
    return list(visible_to(user, Sighting).filter(indicator=indicator).select_related("owner_unit")[:200])


def correlations(user, indicator: Indicator) -> dict:
    """Everything the user may see that shares the indicator's value: incident observables
    (the same kind and value; for a network, addresses inside it), sightings and the claims
    of other sources."""
    from vigil.core.observables import visible_observables  # incidents' side, through core

    kind = types.observable_kind(indicator.type)
    observables = visible_observables(user).none()
    if kind:
        observables = visible_observables(user).filter(kind=kind, value=indicator.value)
    elif indicator.type == "cidr":
        import ipaddress

        net = ipaddress.ip_network(indicator.value)
        candidates = visible_observables(user).filter(kind="ipv4" if net.version == 4 else "ipv6")
        ids = [o.pk for o in candidates.only("pk", "value")[:5000] if ipaddress.ip_address(o.value) in net]
        observables = visible_observables(user).filter(pk__in=ids)
    return {
        "observables": list(observables.select_related("incident").order_by("-incident__received_at")[:200]),
        "sightings": sightings_of(user, indicator),
        "claims": claims_of(user, indicator),
    }


def indicators_for_observables(user, observables) -> dict[int, Indicator]:
    """Known indicators for incident observables: {observable id: indicator}."""
    wanted: dict[tuple[str, str], list[int]] = {}
    for o in observables:
        code = types.type_for_observable(o.kind)
        if code:
            wanted.setdefault((code, o.value), []).append(o.pk)
    if not wanted:
        return {}
    q = Q()
    for code, value in wanted:
        q |= Q(stix_uuid=Indicator.uuid_for(code, value))
    found = {}
    for ind in visible_to(user, Indicator).filter(q):
        for pk in wanted.get((ind.type, ind.value), []):
            found[pk] = ind
    return found


# --------------------------------------------------------------------------- exports


EXPORT_COLUMNS = ("id", "type", "value", "stix_uuid", "tlp", "confidence", "first_seen", "last_seen", "expires_at",
                  "warning", "warning_allowed_at", "revoked_at", "created_at", "updated_at", "description")


class ExportRow:
    """An indicator as exports read it: plain attributes from one tuple, without building a
    model instance per row (a million-row export spends its time there otherwise)."""

    __slots__ = EXPORT_COLUMNS

    def __init__(self, columns, values):
        for name in EXPORT_COLUMNS:
            setattr(self, name, None)
        for name, value in zip(columns, values, strict=True):
            setattr(self, name, value)

    status_at = Indicator.status_at
    status = Indicator.status
    display_value = Indicator.display_value

    @property
    def stix_id(self) -> str:
        return f"indicator--{self.stix_uuid or Indicator.uuid_for(self.type, self.value)}"


def export_rows(user, filters: IndicatorFilters, *, types_allowed: tuple = (), columns: tuple = (),
                chunk: int = 5000):
    """The indicators of an export, streamed in `chunk`s as ExportRows holding `columns`
    (all export columns when empty)."""
    qs = indicators(user, filters)
    if types_allowed:
        qs = qs.filter(type__in=[t for t in types_allowed if not filters.type or t in filters.type])
    wanted = tuple(c for c in (columns or EXPORT_COLUMNS) if c in EXPORT_COLUMNS)
    for values in qs.order_by().values_list(*wanted).iterator(chunk_size=chunk):
        yield ExportRow(wanted, values)


def export_etag(user, filters: IndicatorFilters, fmt: str, *, types_allowed: tuple = ()) -> str:
    """A validator for an export: changes when a row of the set changes, is added, or
    leaves it (expiry, revocation), so a resolver's conditional GET costs one aggregate."""
    qs = indicators(user, filters)
    if types_allowed:
        qs = qs.filter(type__in=[t for t in types_allowed if not filters.type or t in filters.type])
    agg = qs.aggregate(n=Count("id"), at=Max("updated_at"))
    raw = json.dumps([fmt, filters.as_dict(), agg["n"], agg["at"].isoformat() if agg["at"] else ""],
                     default=str, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- sources and the rest


def sources(user, *, include_inactive: bool = True) -> QuerySet:
    qs = visible_to(user, Source).select_related("owner_unit")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def source_get(user, source_id: int, action: str = "view") -> Source:
    source = visible_to(user, Source, action).filter(pk=source_id).first()
    if source is None:
        raise NotFound()
    return source


def source_stats(user, source: Source) -> dict:
    claims = visible_to(user, IndicatorSource).filter(source=source)
    return claims.aggregate(n=Count("id"), last=Max("last_seen"))


def feeds(user) -> QuerySet:
    return visible_to(user, Feed).select_related("source", "source__owner_unit").order_by("name")


def feed_get(user, feed_id: int, action: str = "view") -> Feed:
    feed = visible_to(user, Feed, action).filter(pk=feed_id).select_related("source").first()
    if feed is None:
        raise NotFound()
    return feed


def feed_runs(user, feed: Feed, limit: int = 50) -> list[FeedRun]:
    return list(visible_to(user, FeedRun).filter(feed=feed).order_by("-started_at")[:limit])


def imports(user, limit: int = 100, *, source: Source | None = None) -> list[ImportJob]:
    """Recent import jobs the user may see, newest first (of one source when given)."""
    qs = visible_to(user, ImportJob).select_related("source", "started_by")
    if source is not None:
        qs = qs.filter(source=source)
    return list(qs.order_by("-started_at")[:limit])


def import_get(user, job_id: int) -> ImportJob:
    job = visible_to(user, ImportJob).filter(pk=job_id).select_related("source").first()
    if job is None:
        raise NotFound()
    return job


def warninglists(user) -> QuerySet:
    return visible_to(user, Warninglist).order_by("name")


def warninglist_get(user, list_id: int) -> Warninglist:
    wl = visible_to(user, Warninglist).filter(pk=list_id).first()
    if wl is None:
        raise NotFound()
    return wl


def taxonomies(user) -> QuerySet:
    return visible_to(user, Taxonomy).annotate(tag_count=Count("tags")).order_by("namespace")


def tags(user, q: str = "", limit: int = 50) -> list[Tag]:
    qs = visible_to(user, Tag)
    if q:
        qs = qs.filter(name__icontains=q)
    return list(qs.order_by("name")[:limit])


def sighting_list(user, limit: int = 100) -> list[Sighting]:
    return list(visible_to(user, Sighting).select_related("indicator", "owner_unit").order_by("-seen_at")[:limit])


def with_tag_names(user, rows: list[Indicator]) -> list[Indicator]:
    """Attach `tag_names` (the tags of the user's visible claims) to each row, in one query."""
    by_id = {r.pk: r for r in rows}
    for r in rows:
        r.tag_names = []
    claims = visible_to(user, IndicatorSource).filter(indicator_id__in=list(by_id)).prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("name"))
    )
    for claim in claims:
        names = by_id[claim.indicator_id].tag_names
        names.extend(t.name for t in claim.tags.all() if t.name not in names)
    return rows
