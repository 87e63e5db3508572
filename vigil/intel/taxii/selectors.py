"""Reads of the TAXII server. Every function starts from `visible_to(user, …)`, so a
province analyst pulling a collection gets exactly what the access layer grants them:
another province's AMBER, AMBER+STRICT and RED indicators and objects never leave.

Two kinds of collections (`TaxiiCollection.kind`):

- `indicators`: a view over the indicator table at one label. An indicator is in the
  collection whose label equals its roll-up label; it is served as the STIX `indicator`
  of `stixmap.stix_for_indicator`, enriched only with the claims the reader may see at
  that label or a more permissive one. Its one version is its `modified` time
  (`updated_at`), which is also its date added: a changed indicator comes round again for
  clients that poll with `added_after`. Its id is `indicator--<Indicator.stix_uuid>`,
  so `match[id]` is an indexed lookup.
- `objects`: the STIX objects members added, every version kept as sent.

Pages are keyset pages on (date added, id) with the indexes (updated_at, id) and
(collection, date_added, id); nothing is counted, there is no OFFSET.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from vigil.core.access import scope_anchors, visible_to
from vigil.core.errors import NotFound

from ..models import TLP_ORDER, Indicator, IndicatorSource, StixObject, TaxiiCollection, TaxiiStatus
from ..stixmap import stix_for_indicator, stix_timestamp
from .pagination import TaxiiQuery, Timestamp, keyset
from .protocol import STIX_MEDIA_TYPE

INDICATOR_TYPE = "indicator"


@dataclass
class Entry:
    """One object version as a list endpoint serves it."""

    id: str
    version: str
    date_added: dt.datetime
    spec_version: str = "2.1"
    data: dict | None = None

    @property
    def media_type(self) -> str:
        return f"application/stix+json;version={self.spec_version}" if self.spec_version else STIX_MEDIA_TYPE


@dataclass
class Page:
    entries: list[Entry] = field(default_factory=list)
    more: bool = False
    next: str = ""

    @property
    def first_added(self) -> dt.datetime | None:
        return self.entries[0].date_added if self.entries else None

    @property
    def last_added(self) -> dt.datetime | None:
        return self.entries[-1].date_added if self.entries else None


# --------------------------------------------------------------------------- collections


def collections(user) -> list[TaxiiCollection]:
    """The collections the user may read (every member reads every collection; what each
    holds for them is filtered per object)."""
    return list(visible_to(user, TaxiiCollection).order_by("kind", "alias"))


def collection_get(user, collection_id: str) -> TaxiiCollection:
    """A collection by its id (uuid) or, for people typing URLs, its alias."""
    qs = visible_to(user, TaxiiCollection)
    try:
        found = qs.filter(uuid=uuid.UUID(str(collection_id))).first()
    except ValueError:
        found = qs.filter(alias=str(collection_id)[:100]).first()
    if found is None:
        raise NotFound(_("Không có bộ sưu tập TAXII “%(id)s”.") % {"id": str(collection_id)[:100]})
    return found


def may_add_somewhere(user) -> bool:
    """Whether the user holds `add` in some unit (where a TAXII submission would be owned)."""
    return scope_anchors(user, "add") != []


def can_write(user, collection: TaxiiCollection) -> bool:
    """`can_write` of a collection: only `objects` collections take additions, from members
    who may add intelligence in some unit."""
    return collection.kind == TaxiiCollection.Kind.OBJECTS and may_add_somewhere(user)


def writer_unit(user):
    """The unit that owns what the user submits over TAXII: their home unit when they may
    add there, else the first unit of their memberships where they may; for a platform
    administrator without a unit, the root of the tree. None when they may add nowhere."""
    from vigil.core.access import can_in_unit
    from vigil.org.models import Unit

    person = getattr(user, "person", None)
    home = getattr(person, "home_unit", None) if person is not None else None
    if home is not None and can_in_unit(user, "add", home):
        return home
    anchors = scope_anchors(user, "add")
    if anchors:
        return anchors[0][0]
    if anchors is None:  # network-wide: the root of the tree
        return visible_to(user, Unit, "add").filter(parent__isnull=True).order_by("path").first()
    return None


def status_get(user, status_id: str) -> TaxiiStatus:
    """A status resource, for the user who made the request only."""
    try:
        key = uuid.UUID(str(status_id))
    except ValueError:
        key = None
    found = visible_to(user, TaxiiStatus).filter(uuid=key).first() if key else None
    if found is None:
        raise NotFound(_("Không có trạng thái “%(id)s”.") % {"id": str(status_id)[:100]})
    return found


# --------------------------------------------------------------------------- objects


def objects_page(user, collection: TaxiiCollection, query: TaxiiQuery, *, object_id: str | None = None,
                 with_data: bool = True) -> Page:
    """One page of the collection's objects (Get Objects, Get an Object, Get Manifests).
    With `object_id`, NotFound when the reader sees no version of that object at all."""
    if collection.kind == TaxiiCollection.Kind.INDICATORS:
        return _indicator_page(user, collection, query, object_id=object_id, with_data=with_data)
    return _stix_page(user, collection, query, object_id=object_id, with_data=with_data)


def versions_page(user, collection: TaxiiCollection, query: TaxiiQuery, object_id: str) -> Page:
    """The versions of one object, oldest added first (Get Object Versions)."""
    query.versions = ["all"]
    query.version_times = []
    query.types = []
    query.ids = []
    return objects_page(user, collection, query, object_id=object_id, with_data=False)


def _page(rows: list, limit: int, entry, column: str) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    page = Page(entries=[entry(r) for r in rows], more=more)
    if more and rows:
        page.next = keyset(column).cursor_of(rows[-1])
    return page


def _keyset(qs: QuerySet, column: str, query: TaxiiQuery) -> QuerySet:
    if query.added_after is not None:
        qs = qs.filter(**{f"{column}__gt": query.added_after})
    order = keyset(column)
    return order.order(order.after(qs, query.after))


# Indicators ------------------------------------------------------------------------------


def _indicator_uuids(ids: list[str]) -> list[uuid.UUID]:
    found = []
    for stix_id in ids:
        kind, _sep, rest = stix_id.partition("--")
        if kind != INDICATOR_TYPE:
            continue
        try:
            found.append(uuid.UUID(rest))
        except ValueError:
            continue
    return found


def _labels_up_to(tlp: str) -> list[str]:
    order = [t.value for t in TLP_ORDER]
    return order[: order.index(tlp) + 1] if tlp in order else [tlp]


def _indicator_version(indicator: Indicator) -> str:
    return stix_timestamp(max(indicator.updated_at, indicator.created_at))


def _version_range(stamp: Timestamp) -> Q:
    # Versions are served at millisecond precision (stixmap.stix_timestamp): a version the
    # client read back names every instant of its millisecond.
    digits = min(stamp.digits, 3)
    start = stamp.value.replace(microsecond=stamp.value.microsecond // 10 ** (6 - digits) * 10 ** (6 - digits))
    end = start + dt.timedelta(microseconds=10 ** (6 - digits))
    return Q(updated_at__gte=start, updated_at__lt=end)


def _indicator_page(user, collection, query, *, object_id, with_data) -> Page:
    qs = visible_to(user, Indicator).filter(tlp=collection.tlp)
    if object_id is not None:
        wanted = _indicator_uuids([object_id])
        if not wanted or not qs.filter(stix_uuid=wanted[0]).exists():
            raise NotFound(_("Không có đối tượng “%(id)s” trong bộ sưu tập này.") % {"id": object_id[:120]})
        qs = qs.filter(stix_uuid=wanted[0])
    if query.types and INDICATOR_TYPE not in query.types:
        return Page()
    if query.spec_versions and "2.1" not in query.spec_versions:
        return Page()
    if query.ids:
        qs = qs.filter(stix_uuid__in=_indicator_uuids(query.ids))
    if not query.versions and query.version_times:  # only named versions: each has one
        ranges = Q(pk__in=[])
        for stamp in query.version_times:
            ranges |= _version_range(stamp)
        qs = qs.filter(ranges)
    rows = list(_keyset(qs, "updated_at", query)[: query.limit + 1])
    claims = _visible_claims(user, collection, rows) if with_data and rows else {}

    def entry(indicator: Indicator) -> Entry:
        data = None
        if with_data:
            data = stix_for_indicator(indicator, claims=claims.get(indicator.pk, []))
        return Entry(id=indicator.stix_id, version=_indicator_version(indicator), date_added=indicator.updated_at,
                     data=data)

    return _page(rows, query.limit, entry, "updated_at")


def _visible_claims(user, collection, rows) -> dict[int, list[IndicatorSource]]:
    """The claims of the page's indicators the reader may see, at the collection's label or
    a more permissive one: what is served at GREEN never carries an AMBER claim's tags."""
    found: dict[int, list[IndicatorSource]] = {}
    claims = (
        visible_to(user, IndicatorSource)
        .filter(indicator_id__in=[r.pk for r in rows], tlp__in=_labels_up_to(collection.tlp))
        .prefetch_related("tags").order_by("indicator_id", "pk")
    )
    for claim in claims:
        found.setdefault(claim.indicator_id, []).append(claim)
    return found


# STIX objects ----------------------------------------------------------------------------


def _version_strings(stamp: Timestamp) -> list[str]:
    """The spellings a stored version of this instant may have (sent as is by the client
    that added it: seconds, milliseconds or microseconds)."""
    value = stamp.value
    spellings = {stamp.text, stix_timestamp(value), value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    if value.microsecond == 0:
        spellings.add(value.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return sorted(spellings)


def _stix_rows(user, collection, query, *, object_id) -> QuerySet:
    """The collection's stored versions the query names, unordered and unpaged."""
    base = visible_to(user, StixObject).filter(collection=collection)
    if query.spec_versions:
        base = base.filter(spec_version__in=query.spec_versions)
    qs = base
    if object_id is not None:
        if not visible_to(user, StixObject).filter(collection=collection, stix_id=object_id).exists():
            raise NotFound(_("Không có đối tượng “%(id)s” trong bộ sưu tập này.") % {"id": object_id[:120]})
        qs = qs.filter(stix_id=object_id)
    if query.types:
        qs = qs.filter(type__in=query.types)
    if query.ids:
        qs = qs.filter(stix_id__in=query.ids)
    if not query.all_versions:
        chosen = Q(pk__in=[])
        if "last" in query.versions:
            newer = base.filter(stix_id=OuterRef("stix_id"), version__gt=OuterRef("version"))
            chosen |= ~Q(Exists(newer))
        if "first" in query.versions:
            older = base.filter(stix_id=OuterRef("stix_id"), version__lt=OuterRef("version"))
            chosen |= ~Q(Exists(older))
        spellings = [s for stamp in query.version_times for s in _version_strings(stamp)]
        if spellings:
            chosen |= Q(version__in=spellings)
        qs = qs.filter(chosen)
    return qs


def _stix_page(user, collection, query, *, object_id, with_data) -> Page:
    qs = _keyset(_stix_rows(user, collection, query, object_id=object_id), "date_added", query)
    if not with_data:
        qs = qs.defer("data")
    rows = list(qs[: query.limit + 1])

    def entry(obj: StixObject) -> Entry:
        return Entry(id=obj.stix_id, version=obj.version, date_added=obj.date_added,
                     spec_version=obj.spec_version or "2.1", data=obj.data if with_data else None)

    return _page(rows, query.limit, entry, "date_added")


def deletable_versions(user, collection: TaxiiCollection, object_id: str, query: TaxiiQuery) -> list[StixObject]:
    """The stored versions of one object a Delete An Object request names (all of them
    unless `match[version]` / `match[spec_version]` narrow it), among those the user sees;
    NotFound when the user sees none."""
    query.ids = []
    query.types = []
    rows = _stix_rows(user, collection, query, object_id=object_id)
    return list(rows.select_related("owner_unit").defer("data").order_by("date_added", "pk"))
