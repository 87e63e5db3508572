"""Incident statistics: counts, open and closed, and the mean and 90th percentile of the
times to acknowledge (acknowledged_at - received_at) and to resolve (resolved_at -
received_at), in hours, per unit, per incident class, per severity and per month.

Which incidents: those received in [since, until] (local dates, VIGIL_TIME_ZONE; by
default the twelve months up to today), merged duplicates left out, optionally of one
class and one severity, that the user may see. Units: with a `unit`, the incidents
owned (or, with `by="lead"`, led) in its subtree, rolled up per child of the unit (the
unit's own incidents in a row of their own); without one, everything in the user's
scope, rolled up under the deepest unit that holds that scope.

The 90th percentile is the continuous one (linear interpolation between the two
closest ranks, PostgreSQL's `percentile_cont(0.9)`). On PostgreSQL the whole report is
one statement: the filtered rows once, grouped by GROUPING SETS (one pass per grouping,
no row leaves the server). On other databases (SQLite) one query streams the few
columns needed and Python aggregates them by the same rule (`percentile`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.access import covers, scope_anchors, visible_to, visible_within
from vigil.core.dates import parse_date
from vigil.core.directory import unit_ref
from vigil.core.errors import DomainError
from vigil.org.models import PATH_SEGMENT, Unit

from ..models import Incident, IncidentClass, Severity

SEGMENT = PATH_SEGMENT + 1  # "00000042."
BY = ("owner", "lead")
CLOSED_STATES = ("closed",)
RESOLVED_STATES = ("resolved", "closed")
DEFAULT_MONTHS = 12
CACHE_SECONDS = 600  # the page says when its figures were computed
MAX_DAYS = 366 * 5


@dataclass
class StatRow:
    """One line of a table: `key` (unit path, class code, severity, 'YYYY-MM' or 'total')."""

    key: str
    label: str
    count: int = 0
    open: int = 0
    resolved: int = 0
    closed: int = 0
    ack_n: int = 0
    ack_mean: float | None = None
    ack_p90: float | None = None
    resolve_n: int = 0
    resolve_mean: float | None = None
    resolve_p90: float | None = None
    unit_id: int | None = None
    share: float = 0.0  # count / the largest count of the table, for the page's bars

    def as_dict(self) -> dict:
        return {
            "key": self.key, "label": self.label, "count": self.count, "open": self.open,
            "resolved": self.resolved, "closed": self.closed, "ack_n": self.ack_n,
            "ack_mean_h": _round(self.ack_mean), "ack_p90_h": _round(self.ack_p90),
            "resolve_n": self.resolve_n, "resolve_mean_h": _round(self.resolve_mean),
            "resolve_p90_h": _round(self.resolve_p90), "unit_id": self.unit_id,
        }


@dataclass
class IncidentStats:
    since: dt.date
    until: dt.date
    unit: Unit | None
    root: Unit | None
    by: str
    klass: IncidentClass | None
    severity: str
    total: StatRow
    by_unit: list[StatRow] = field(default_factory=list)
    by_class: list[StatRow] = field(default_factory=list)
    by_severity: list[StatRow] = field(default_factory=list)
    by_month: list[StatRow] = field(default_factory=list)
    computed_at: dt.datetime | None = None
    engine: str = "python"
    # Incidents per month ('YYYY-MM') and severity ('' when not yet assessed), for the chart.
    month_severity: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def zero_rows(self) -> dict[str, int]:
        """How many rows of each table count no incident (folded on the page)."""
        return {name: sum(1 for r in rows if not r.count) for name, rows in (
            ("unit", self.by_unit), ("class", self.by_class), ("severity", self.by_severity),
            ("month", self.by_month))}

    def chart_months(self) -> dict:
        """Incidents per month, one stacked series per severity (low at the bottom)."""
        from vigil.core.selectors.charts import SEVERITY_COLOURS, chart, dataset

        labels = dict(Severity.choices)
        series = [(s, str(labels[s]), SEVERITY_COLOURS[s]) for s in
                  (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)]
        if any(by.get("") for by in self.month_severity.values()):
            series.insert(0, ("", _("Chưa đánh giá"), "light"))
        return chart(
            [r.label for r in self.by_month],
            [dataset(name, [self.month_severity.get(r.key, {}).get(code, 0) for r in self.by_month], col)
             for code, name, col in series],
            stacked=True, title=_("Số sự cố"),
        )

    def chart_times(self) -> dict:
        """Mean hours to acknowledge and to resolve, per month (none where no incident was)."""
        from vigil.core.selectors.charts import chart, dataset

        return chart(
            [r.label for r in self.by_month],
            [dataset(_("Xác nhận tiếp nhận: trung bình"), [_round(r.ack_mean) for r in self.by_month], "primary"),
             dataset(_("Khắc phục: trung bình"), [_round(r.resolve_mean) for r in self.by_month], "purple",
                     dash=True)],
            unit=_("giờ"), title=_("Giờ"),
        )

    def filters(self) -> dict:
        return {
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "unit": self.unit.code if self.unit else None, "by": self.by,
            "class": self.klass.code if self.klass else None, "severity": self.severity or None,
        }

    def as_dict(self) -> dict:
        return {
            **self.filters(),
            "root": self.root.code if self.root else None,
            "total": self.total.as_dict(),
            "by_unit": [r.as_dict() for r in self.by_unit],
            "by_class": [r.as_dict() for r in self.by_class],
            "by_severity": [r.as_dict() for r in self.by_severity],
            "by_month": [r.as_dict() for r in self.by_month],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --------------------------------------------------------------------------- the rule


def percentile(values: list[float], p: float = 0.9) -> float | None:
    """The continuous percentile of `values` (PostgreSQL's percentile_cont): the value at
    rank p x (n - 1) of the sorted values, interpolated between the two closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    pos = p * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The twelve calendar months up to today: from the first day of the month eleven
    months back, to today."""
    today = today or timezone.localdate()
    month = today.month - (DEFAULT_MONTHS - 1)
    year = today.year
    while month < 1:
        month += 12
        year -= 1
    return dt.date(year, month, 1), today


def months_between(since: dt.date, until: dt.date) -> list[str]:
    out, y, m = [], since.year, since.month
    while (y, m) <= (until.year, until.month):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m > 12:
            m, y = 1, y + 1
    return out


# --------------------------------------------------------------------------- the rows


def _common_root(units: list[Unit]) -> Unit | None:
    """The deepest unit whose subtree holds all of `units`."""
    paths = [u.path for u in units]
    if not paths:
        return None
    prefix = paths[0]
    for p in paths[1:]:
        n = 0
        while n < min(len(prefix), len(p)) and prefix[n] == p[n]:
            n += 1
        prefix = prefix[: n - n % SEGMENT]
    if not prefix:
        return None
    return Unit.objects.filter(path=prefix).first()


def _single_root() -> Unit | None:
    roots = list(Unit.objects.filter(parent__isnull=True).order_by("path")[:2])
    return roots[0] if len(roots) == 1 else None


def _unit_ids(unit: Unit):
    from vigil.org.selectors.units import unit_ids_in

    return unit_ids_in(unit, True)


def stats_queryset(user, *, unit: Unit | None = None, by: str = "owner", since: dt.date, until: dt.date,
                   klass: IncidentClass | None = None, severity: str = "") -> tuple[QuerySet, Unit | None]:
    """The incidents the statistics count, visible to `user`, and the unit under which
    the per-unit table rolls them up."""
    field_name = "owner_unit" if by == "owner" else "lead_unit"
    tz = local_tz()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = Incident.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
        state=Incident.State.MERGED
    )
    if klass is not None:
        qs = qs.filter(incident_type__klass=klass)
    if severity:
        qs = qs.filter(severity=severity)
    if unit is not None:
        qs = qs.filter(**{f"{field_name}_id__in": _unit_ids(unit)})
        # Every row is owned (or led) in `unit`'s subtree: a policy path.
        return visible_within(user, qs, [(unit, True)]), unit
    anchors = scope_anchors(user)
    if anchors is None:  # network-wide
        return visible_to(user, qs), _single_root()
    if not anchors:
        return qs.none(), None
    cond = Q(pk__in=[])
    for anchor_unit, subtree in anchors:
        ids = _unit_ids(anchor_unit) if subtree else [anchor_unit.pk]
        cond |= Q(**{f"{field_name}_id__in": ids})
    qs = visible_within(user, qs.filter(cond), anchors)
    return qs, _common_root([u for u, _s in anchors])


def _key_length(root: Unit | None) -> int:
    return (len(root.path) if root is not None else 0) + SEGMENT


# --------------------------------------------------------------------------- entry point


def incident_stats(
    user,
    *,
    unit: Unit | None = None,
    by: str = "owner",
    since: dt.date | None = None,
    until: dt.date | None = None,
    klass: IncidentClass | None = None,
    severity: str | None = None,
    engine: str | None = None,
    fresh: bool = False,
) -> IncidentStats:
    """The statistics of the incidents `user` may see (see the module's docstring).
    `engine` forces "sql" (PostgreSQL only) or "python"; by default PostgreSQL uses SQL.

    Results are kept CACHE_SECONDS in the cache, per visibility (the same figures for
    everyone who sees the same rows) and filters; `computed_at` says when they were
    computed, and the page shows it. `fresh` computes them again."""
    if by not in BY:
        raise DomainError(_("Cách tính theo đơn vị phải là owner hoặc lead."), field="by")
    severity = (severity or "").strip()
    if severity and severity not in Severity.values:
        raise DomainError(
            _("Mức độ nghiêm trọng phải là một trong: %(v)s.") % {"v": ", ".join(Severity.values)}, field="severity"
        )
    d_since, d_until = default_period()
    until = until or d_until
    since = since or (d_since if until == d_until else default_period(until)[0])
    if since > until:
        raise DomainError(_("Ngày bắt đầu phải trước ngày kết thúc."), field="since")
    if (until - since).days > MAX_DAYS:
        raise DomainError(_("Khoảng thời gian thống kê tối đa là 5 năm."), field="since")
    if unit is not None and not covers(user, unit, subtree=False) and not _visible_unit(user, unit):
        raise DomainError(_("Không tìm thấy đơn vị."), field="unit")
    key = _cache_key(user, unit=unit, by=by, since=since, until=until, klass=klass, severity=severity,
                     engine=engine)
    if not fresh and key is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    qs, root = stats_queryset(user, unit=unit, by=by, since=since, until=until, klass=klass, severity=severity)
    engine = engine or ("sql" if connection.vendor == "postgresql" else "python")
    key_len = _key_length(root)
    path_field = "owner_unit__path" if by == "owner" else "lead_unit__path"
    if engine == "sql":
        groups = _aggregate_sql(qs, path_field=path_field, key_len=key_len)
    else:
        groups = _aggregate_python(qs, path_field=path_field, key_len=key_len)
    stats = IncidentStats(
        since=since, until=until, unit=unit, root=root, by=by, klass=klass, severity=severity,
        total=groups["total"].get("total") or StatRow("total", _("Tổng số")),
        computed_at=timezone.now(), engine=engine,
    )
    stats.total.label = _("Tổng số")
    stats.month_severity = groups.get("month_severity", {})
    _label(stats, groups, root, since, until)
    if key is not None:
        cache.set(key, stats, CACHE_SECONDS)
    return stats


def _cache_key(user, *, unit, by, since, until, klass, severity, engine) -> str | None:
    """Who sees the same rows gets the same figures: a network-wide reader, or anyone whose
    scope holds the whole unit (or, without a unit, the same anchors). Anyone else (a
    partial view through TLP sharing) gets a key of their own."""
    from django.utils.translation import get_language

    if not getattr(user, "is_authenticated", False):
        return None
    if unit is not None:
        who = f"u{unit.pk}" if covers(user, unit, subtree=True) else f"user{user.pk}"
    else:
        anchors = scope_anchors(user)
        if anchors is None:
            who = "network"
        elif anchors and all(covers(user, u, subtree=s) for u, s in anchors):
            who = "a" + ",".join(f"{u.pk}{'s' if s else ''}" for u, s in sorted(anchors, key=lambda a: a[0].pk))
        else:
            who = f"user{user.pk}"
    raw = "|".join(str(x) for x in (who, _label_audience(user), by, since, until, getattr(klass, "pk", ""),
                                      severity, engine, get_language() or "vi"))
    return "vigil:incident-stats:v2:" + hashlib.sha1(raw.encode()).hexdigest()  # noqa: S324 - a cache key


def _label_audience(user) -> str:
    """What, beside the scope, decides which labelled incidents a reader counts (TLP):
    the units they are a direct member of (AMBER+STRICT and RED of those units, AMBER
    shared with them), and the reader themselves when named on or author of a RED
    incident. A superuser counts everything."""
    from vigil.core.access import audience_key
    from vigil.core.models import TLP

    key = audience_key(user)
    if key == "all":
        return key
    red = Incident.objects.filter(tlp=TLP.RED).filter(Q(recipients=user) | Q(created_by=user)).exists()
    return key + (f"r{user.pk}" if red else "")


def warm_network_stats() -> None:
    """Compute the default network-wide statistics again (for a periodic job, every
    CACHE_SECONDS or so): the standing agency's views then answer from the cache."""
    from vigil.core.models import User
    from vigil.org.models import Membership

    # Once per audience (TLP: who counts which labelled incidents) among network-wide readers.
    ids = (Membership.objects.active().filter(unit__kind__oversees_network=True, role__reaches_descendants=True,
                                              person__user__is_active=True)
           .values_list("person__user_id", flat=True).distinct())
    done = set()
    for reader in User.objects.filter(pk__in=list(ids)).order_by("pk"):
        audience = _label_audience(reader)
        if scope_anchors(reader) is None and audience not in done:
            done.add(audience)
            incident_stats(reader, fresh=True)


def class_by_code(code, *, field: str = "class") -> IncidentClass:
    """An incident class by its code; DomainError naming `field` when there is none."""
    found = IncidentClass.objects.filter(code=str(code).strip()).first()
    if found is None:
        raise DomainError(_("Không có nhóm sự cố %(v)s.") % {"v": code}, field=field)
    return found


def stats_params(user, *, unit=None, by=None, since=None, until=None, klass=None, severity=None) -> dict:
    """What an interface received (a unit id or code, ISO dates, a class code) as the
    arguments of `incident_stats`; NotFound / DomainError name the field at fault."""
    return {
        "unit": unit_ref(user, unit, field="unit", optional=True),
        "by": (by or "owner").strip(),
        "since": parse_date(since, "since"), "until": parse_date(until, "until"),
        "klass": class_by_code(klass) if klass not in (None, "") else None,
        "severity": (severity or "").strip(),
    }



def stats_classes() -> list[IncidentClass]:
    """The taxonomy's classes, for the page's filter."""
    return list(IncidentClass.objects.all())


def _visible_unit(user, unit: Unit) -> bool:
    return visible_to(user, Unit).filter(pk=unit.pk).exists()


# --------------------------------------------------------------------------- SQL (PostgreSQL)


def _aggregate_sql(qs: QuerySet, *, path_field: str, key_len: int) -> dict[str, dict[str, StatRow]]:
    """One statement: the filtered rows (the ORM's own SQL, access filter included) as a
    CTE, grouped by GROUPING SETS with count, avg and percentile_cont."""
    out: dict[str, dict] = {k: {} for k in ("unit", "class", "severity", "month", "total", "month_severity")}
    if qs.query.is_empty():
        return out
    base = qs.order_by().annotate(
        s_unit=Substr(path_field, 1, key_len),
        s_class=F("incident_type__klass__code"),
        s_sev=F("severity"),
        s_state=F("state"),
        s_recv=F("received_at"),
        s_ack=F("acknowledged_at"),
        s_res=F("resolved_at"),
    ).values("s_unit", "s_class", "s_sev", "s_state", "s_recv", "s_ack", "s_res")
    inner, params = base.query.sql_with_params()
    sql = f"""
        WITH b AS (
            SELECT s_unit, s_class, s_sev, s_state,
                   to_char(s_recv AT TIME ZONE %s, 'YYYY-MM') AS s_month,
                   EXTRACT(EPOCH FROM (s_ack - s_recv)) / 3600.0 AS ack,
                   EXTRACT(EPOCH FROM (s_res - s_recv)) / 3600.0 AS res
            FROM ({inner}) AS x
        )
        SELECT GROUPING(s_unit, s_class, s_sev, s_month) AS g, s_unit, s_class, s_sev, s_month,
               count(*),
               count(*) FILTER (WHERE s_state NOT IN ('closed')),
               count(*) FILTER (WHERE s_state IN ('resolved', 'closed')),
               count(*) FILTER (WHERE s_state = 'closed'),
               count(ack), avg(ack), percentile_cont(0.9) WITHIN GROUP (ORDER BY ack),
               count(res), avg(res), percentile_cont(0.9) WITHIN GROUP (ORDER BY res)
        FROM b
        GROUP BY GROUPING SETS ((s_unit), (s_class), (s_sev), (s_month), (s_month, s_sev), ())
    """  # noqa: S608 - the inner SQL is the ORM's, values are parameters
    # GROUPING() bits, most significant first: unit, class, severity, month (1 = aggregated).
    kinds = {0b0111: ("unit", 1), 0b1011: ("class", 2), 0b1101: ("severity", 3), 0b1110: ("month", 4),
             0b1111: ("total", None), 0b1100: ("month_severity", None)}
    with connection.cursor() as cur:
        cur.execute(sql, [settings.TIME_ZONE, *params])
        for row in cur.fetchall():
            kind, col = kinds[row[0]]
            if kind == "month_severity":
                out["month_severity"].setdefault(row[4], {})[row[3] or ""] = row[5]
                continue
            key = "total" if col is None else (row[col] if row[col] is not None else "")
            out[kind][key] = StatRow(
                key=key, label="", count=row[5], open=row[6], resolved=row[7], closed=row[8],
                ack_n=row[9], ack_mean=_f(row[10]), ack_p90=_f(row[11]),
                resolve_n=row[12], resolve_mean=_f(row[13]), resolve_p90=_f(row[14]),
            )
    return out


def _f(value) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------- Python (any database)


class _Acc:
    __slots__ = ("count", "open", "resolved", "closed", "ack", "res")

    def __init__(self):
        self.count = self.open = self.resolved = self.closed = 0
        self.ack: list[float] = []
        self.res: list[float] = []

    def add(self, state, ack, res):
        self.count += 1
        if state not in CLOSED_STATES:
            self.open += 1
        if state in RESOLVED_STATES:
            self.resolved += 1
        if state in CLOSED_STATES:
            self.closed += 1
        if ack is not None:
            self.ack.append(ack)
        if res is not None:
            self.res.append(res)

    def row(self, key: str) -> StatRow:
        return StatRow(
            key=key, label="", count=self.count, open=self.open, resolved=self.resolved, closed=self.closed,
            ack_n=len(self.ack), ack_mean=(sum(self.ack) / len(self.ack)) if self.ack else None,
            ack_p90=percentile(self.ack), resolve_n=len(self.res),
            resolve_mean=(sum(self.res) / len(self.res)) if self.res else None, resolve_p90=percentile(self.res),
        )


def _hours(later, earlier) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 3600.0


def _aggregate_python(qs: QuerySet, *, path_field: str, key_len: int) -> dict[str, dict[str, StatRow]]:
    """One query streaming the needed columns; every grouping accumulated in one pass."""
    tz = local_tz()
    accs: dict[str, dict[str, _Acc]] = {k: defaultdict(_Acc) for k in ("unit", "class", "severity", "month")}
    total = _Acc()
    month_severity: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = qs.order_by().values_list(
        path_field, "incident_type__klass__code", "severity", "state", "received_at", "acknowledged_at",
        "resolved_at",
    )
    for path, klass, sev, state, recv, ack_at, res_at in rows.iterator(chunk_size=5000):
        ack, res = _hours(ack_at, recv), _hours(res_at, recv)
        month = recv.astimezone(tz).strftime("%Y-%m")
        for kind, key in (("unit", (path or "")[:key_len]), ("class", klass or ""), ("severity", sev or ""),
                          ("month", month)):
            accs[kind][key].add(state, ack, res)
        total.add(state, ack, res)
        month_severity[month][sev or ""] += 1
    out: dict[str, dict] = {kind: {k: a.row(k) for k, a in groups.items()} for kind, groups in accs.items()}
    out["month_severity"] = {m: dict(by) for m, by in month_severity.items()}
    out["total"] = {"total": total.row("total")} if total.count else {}
    return out


# --------------------------------------------------------------------------- labels and order


def _label(stats: IncidentStats, groups: dict, root: Unit | None, since: dt.date, until: dt.date) -> None:
    """Turn keys into labels, order each table, add empty months, compute the bars."""
    # Units: the root's children in tree order, then the root's own incidents.
    unit_rows = groups["unit"]
    if unit_rows:
        units = {u.path: u for u in Unit.objects.filter(path__in=[k for k in unit_rows if k])}
        rows = []
        for key, row in unit_rows.items():
            u = units.get(key)
            if u is not None:
                row.unit_id = u.pk
                row.label = u.display_name
                if root is not None and u.pk == root.pk:
                    row.label = _("%(unit)s (trực tiếp)") % {"unit": u.display_name}
            else:
                row.label = key or _("(không rõ)")
            rows.append(row)
        root_path = root.path if root is not None else None
        rows.sort(key=lambda r: (r.key == root_path, r.key))
        stats.by_unit = rows
    # Classes in the taxonomy's order; incidents not yet classified last.
    class_rows = groups["class"]
    ordered = []
    for c in IncidentClass.objects.all():
        if c.code in class_rows:
            row = class_rows.pop(c.code)
            row.label = (c.name_en or c.name) if _english() else c.name
            ordered.append(row)
    for key, row in sorted(class_rows.items()):
        row.label = key or _("Chưa phân loại")
        ordered.append(row)
    stats.by_class = ordered
    sev_rows = groups["severity"]
    labels = dict(Severity.choices)
    stats.by_severity = []
    for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        if s in sev_rows:
            row = sev_rows.pop(s)
            row.label = str(labels[s])
            stats.by_severity.append(row)
    for key, row in sorted(sev_rows.items()):
        row.label = str(labels.get(key, "")) or _("Chưa đánh giá")
        stats.by_severity.append(row)
    month_rows = groups["month"]
    stats.by_month = []
    for key in months_between(since, until):
        row = month_rows.get(key) or StatRow(key, "")
        row.label = f"{key[5:7]}/{key[:4]}"
        stats.by_month.append(row)
    for table in (stats.by_unit, stats.by_class, stats.by_severity, stats.by_month):
        top = max((r.count for r in table), default=0)
        for r in table:
            r.share = round(100.0 * r.count / top, 1) if top else 0.0


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "vi").startswith("en")
