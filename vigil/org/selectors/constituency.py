"""Reads of constituency: a unit's entries, "who owns X?", and overlapping claims.

Visibility follows the access layer: a user sees the entries of the units in their scope
(their own subtree; the whole network for the committee office and the standing agency).

Who owns X? — the most specific claim wins: the longest matching IP prefix, the longest
matching domain suffix, an ASN exactly. Only active claims of active units count (a
pending or refused delegation request never does). The answer is made of the claims the
asker may see only: whether a unit outside their scope claims the value is not said, not
even without naming it (issue 11: that alone tells an outsider who holds an address).

Overlaps — pairs of entries of two different (active) units whose IP/ASN ranges intersect
or whose domains are equal or suffix-related; "delegation" when one unit is an ancestor of
the other (a province and its department), "conflict" otherwise. Found by one SQL
self-join per family, on indexed range conditions, never by comparing all pairs in Python.
Users without a network-wide role see the pairs whose both entries they may see (a
hidden unit's range is never shown, nor that it exists); a delegation they were asked to
accept is visible to them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from vigil.core.access import allowed_on_all, visible_to
from vigil.core.errors import NotFound

from ..constituency import CLAIM_ACTION, Kind, ParsedValue, parse_value
from ..models import ConstituencyEntry, Unit

DELEGATION = "delegation"
CONFLICT = "conflict"
RELATIONS = (DELEGATION, CONFLICT)


def constituency_for_unit(*, user, unit: Unit, kind: str | None = None) -> QuerySet:
    """The entries of `unit` the user may see (pending and refused requests included), IPs
    first, in address order."""
    qs = visible_to(user, ConstituencyEntry.objects.filter(unit=unit)).select_related("unit__kind")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "range_start", "match_key", "value")


def constituency_entry_get(*, user, unit: Unit, entry_id: int) -> ConstituencyEntry:
    """One entry of `unit` the user may see; NotFound otherwise."""
    entry = (
        visible_to(user, ConstituencyEntry.objects.filter(unit=unit, pk=entry_id))
        .select_related("unit__kind")
        .first()
    )
    if entry is None:
        raise NotFound()
    return entry


def constituency_requests(*, user, status: str | None = ConstituencyEntry.Status.PENDING) -> QuerySet:
    """Delegation requests the user may see: claims of their units that needed another
    unit's consent, and claims other units asked their units to accept. Pending ones by
    default; `status=None` for every state. Newest first."""
    qs = visible_to(user, ConstituencyEntry.objects.filter(consent_units__isnull=False).distinct())
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("unit__kind", "requested_by", "decided_by").prefetch_related("consent_units").order_by(
        "-created_at", "-pk"
    )


def constituency_request_get(*, user, entry_id: int) -> ConstituencyEntry:
    """One delegation request the user may see; NotFound otherwise."""
    entry = constituency_requests(user=user, status=None).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    return entry


def may_decide(*, user, entry: ConstituencyEntry) -> bool:
    """Whether `user` may accept or refuse this pending request."""
    return (
        getattr(user, "is_authenticated", False)
        and entry.status == ConstituencyEntry.Status.PENDING
        and allowed_on_all(user, CLAIM_ACTION, list(entry.consent_units.all()))
    )


# --------------------------------------------------------------------------- who owns


@dataclass
class WhoOwnsAnswer:
    """`owners`: the most specific visible claims (more than one when units claim the same
    block: a conflict); `matches`: every visible claim covering the value, most specific
    first. Whether a unit outside the asker's scope claims the value is not disclosed."""

    query: str
    parsed: ParsedValue
    owners: list[ConstituencyEntry] = field(default_factory=list)
    matches: list[ConstituencyEntry] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.parsed.kind

    @property
    def value(self) -> str:
        return self.parsed.value

    @property
    def kind_label(self) -> str:
        return str(Kind(self.parsed.kind).label)

    @property
    def owner(self) -> ConstituencyEntry | None:
        return self.owners[0] if self.owners else None

    @property
    def found(self) -> bool:
        return bool(self.owners)


def covering_entries(parsed: ParsedValue) -> QuerySet:
    """Every entry (of active units, whoever sees it) whose claim covers `parsed`.

    IP: a CIDR block containing the query starts at the query's address masked to the
    block's prefix, so the candidates are at most 33 (IPv4) or 129 (IPv6) exact values of
    `range_start` — an IN on the (kind, range_start, range_end) index — and the end must
    reach the query's end. Domain: the candidate suffixes' reversed keys, an IN on
    `match_key`. ASN: the value itself."""
    base = ConstituencyEntry.objects.filter(
        kind=parsed.kind, unit__is_active=True, status=ConstituencyEntry.Status.ACTIVE
    )
    if parsed.kind in (Kind.IPV4, Kind.IPV6):
        network = parsed.network
        starts = {
            ConstituencyEntry.ip_hex(network.supernet(new_prefix=p).network_address)
            for p in range(0, network.prefixlen + 1)
        }
        return base.filter(range_start__in=sorted(starts), range_end__gte=parsed.range_end)
    if parsed.kind == Kind.DOMAIN:
        labels = parsed.match_key.split(".")
        keys = [".".join(labels[: i + 1]) for i in range(len(labels))]
        return base.filter(match_key__in=keys)
    return base.filter(value=parsed.value)


def who_owns(*, user, value: str) -> WhoOwnsAnswer:
    """Which unit answers for `value` (an IP address or block, a domain, a URL or e-mail
    address, an ASN), as far as `user` may know. Raises DomainError on a malformed value."""
    parsed = parse_value(value, lookup=True)
    candidates = covering_entries(parsed)
    matches = list(
        visible_to(user, candidates).select_related("unit__kind").order_by("-prefix_len", "unit__path")
    )
    best = matches[0].prefix_len if matches else -1
    owners = [m for m in matches if m.prefix_len == best]
    return WhoOwnsAnswer(query=value.strip(), parsed=parsed, owners=owners, matches=matches)


# --------------------------------------------------------------------------- overlaps


@dataclass
class Overlap:
    """Two claims of two units that intersect: `wider` contains (or equals) `narrower`.
    `*_visible` says whether the asker may see that side's unit (else it is withheld)."""

    kind: str
    wider: ConstituencyEntry
    narrower: ConstituencyEntry
    relation: str
    wider_visible: bool = True
    narrower_visible: bool = True

    @property
    def same_value(self) -> bool:
        return self.wider.value == self.narrower.value

    @property
    def is_conflict(self) -> bool:
        return self.relation == CONFLICT


def _pair_sql(dialect: tuple[str, str, str]) -> str:
    q = connection.ops.quote_name
    e = q(ConstituencyEntry._meta.db_table)
    u = q(Unit._meta.db_table)
    ge, lt, same_kind = dialect
    active = f"JOIN {u} ua ON ua.id = a.unit_id JOIN {u} ub ON ub.id = b.unit_id"
    where = "ua.is_active = %s AND ub.is_active = %s AND a.status = %s AND b.status = %s {scope} {kind}"
    # Ranges: CIDR blocks are nested or disjoint, so an intersecting pair is one whose
    # narrower block starts inside the wider one: a range scan of (kind, range_start) per
    # row. Each pair comes once: the wider side is `a`; equal blocks are ordered by id.
    # Domains, two branches so that each is one index look-up on match_key per row: equal
    # keys, and keys in [a's key + ".", a's key + "/"), i.e. the subdomains of a.
    return f"""
        SELECT a.id, b.id FROM {e} a JOIN {e} b
          ON b.kind = a.kind AND b.unit_id <> a.unit_id
         AND b.range_start >= a.range_start AND b.range_start <= a.range_end
         AND (b.prefix_len > a.prefix_len OR (b.prefix_len = a.prefix_len AND b.id > a.id))
        {active}
        WHERE a.kind IN (%s, %s, %s) AND {where}
        UNION ALL
        SELECT a.id, b.id FROM {e} a JOIN {e} b
          ON b.match_key = a.match_key AND b.id > a.id AND b.unit_id <> a.unit_id
         AND {same_kind}
        {active}
        WHERE a.kind = %s AND {where}
        UNION ALL
        SELECT a.id, b.id FROM {e} a JOIN {e} b
          ON b.match_key {ge} (a.match_key || '.') AND b.match_key {lt} (a.match_key || '/')
         AND b.unit_id <> a.unit_id AND {same_kind}
        {active}
        WHERE a.kind = %s AND {where}
    """


def _dialect() -> tuple[str, str, str]:
    """(>=, <, same kind) for the domain branches, per backend.

    Domain keys hold '.', '-' and '_', which locale collations skip or reorder, so
    PostgreSQL compares them with its pattern operators (byte by byte, answered by the
    varchar_pattern_ops index on match_key); SQLite's default BINARY collation already
    compares bytes. SQLite's planner, without statistics, would rather scan the kind index
    than look match_key up, unless b.kind is compared through an expression (`|| ''`);
    PostgreSQL misjudges that expression's selectivity, so it gets the plain comparison."""
    if connection.vendor == "postgresql":
        return "~>=~", "~<~", "b.kind = a.kind"
    return ">=", "<", "(b.kind || '') = a.kind"


def overlap_pairs(*, user, kind: str | None = None) -> list[tuple[int, int]]:
    """(wider entry id, narrower entry id) of every overlapping pair of active claims whose
    both entries the user may see. One SQL statement."""
    visible = visible_to(user, ConstituencyEntry)
    scope_sql, scope_params = "", []
    if visible.query.where:
        try:
            sub, sub_params = visible.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return []
        scope_sql = f"AND a.id IN ({sub}) AND b.id IN ({sub})"
        scope_params = [*sub_params, *sub_params]
    elif not getattr(user, "is_authenticated", False):
        return []
    kind_sql, kind_params = ("AND a.kind = %s", [kind]) if kind else ("", [])
    sql = _pair_sql(_dialect()).format(scope=scope_sql, kind=kind_sql)
    status = ConstituencyEntry.Status.ACTIVE
    tail = [True, True, status, status, *scope_params, *kind_params]
    params = [Kind.IPV4, Kind.IPV6, Kind.ASN, *tail, Kind.DOMAIN, *tail, Kind.DOMAIN, *tail]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


def overlaps(*, user, kind: str | None = None, relation: str | None = None) -> list[Overlap]:
    """Overlapping claims the user may know about (see the module's docstring), conflicts
    first. `kind` limits to one kind of value, `relation` to delegation or conflict."""
    if kind and kind not in Kind.values:
        return []
    pairs = overlap_pairs(user=user, kind=kind)
    if not pairs:
        return []
    ids = {i for pair in pairs for i in pair}
    entries = ConstituencyEntry.objects.filter(pk__in=ids).select_related("unit__kind").in_bulk()
    seen_entries = set(visible_to(user, ConstituencyEntry.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    result = []
    for a_id, b_id in pairs:
        a, b = entries[a_id], entries[b_id]
        related = a.unit.path.startswith(b.unit.path) or b.unit.path.startswith(a.unit.path)
        rel = DELEGATION if related else CONFLICT
        if relation and rel != relation:
            continue
        result.append(
            Overlap(
                kind=a.kind, wider=a, narrower=b, relation=rel,
                wider_visible=a_id in seen_entries,
                narrower_visible=b_id in seen_entries,
            )
        )
    result.sort(key=lambda o: (o.relation != CONFLICT, o.kind, _sort_value(o.wider), o.wider.unit.path))
    return result


def _sort_value(entry: ConstituencyEntry):
    if entry.kind in (Kind.IPV4, Kind.IPV6):
        return (0, int(ipaddress.ip_network(entry.value).network_address), entry.prefix_len)
    return (1, entry.match_key, 0)
