"""Incident statistics against a plain Python reference computation: counts, open and
closed, means and continuous 90th percentiles per unit, class, severity and month, with
visibility, the period, the filters and the roll-up by subtree. On PostgreSQL the SQL
engine (percentile_cont) is compared with the Python one on the same rows."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from vigil.core.errors import DomainError
from vigil.core.models import TLP
from vigil.incidents.selectors import stats as st

from .test_reports_docx import make_incident, make_taxonomy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_stats():
    """Statistics are cached per visibility and filters: each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def ref_percentile(values, p=0.9):
    """Textbook linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)


def test_percentile_rule_matches_the_reference():
    rng = random.Random(3)
    for n in (1, 2, 3, 10, 11, 97):
        values = [rng.uniform(0, 100) for _ in range(n)]
        assert st.percentile(values) == pytest.approx(ref_percentile(values))
    assert st.percentile([]) is None
    assert st.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == pytest.approx(9.1)


@pytest.fixture
def dataset(net):
    """40 incidents in province A (and its units), 15 in B, 5 in the ministry, spread
    over the last months, with random acknowledgement and resolution times."""
    tax = make_taxonomy()
    rng = random.Random(7)
    now = timezone.now()
    owners = [net.prov_a] * 15 + [net.prov_a_dept] * 15 + [net.prov_a_sub] * 10 + [net.prov_b] * 10 + \
        [net.prov_b_dept] * 5 + [net.ministry] * 5
    rows = []
    for owner in owners:
        received = now - dt.timedelta(days=rng.uniform(0, 300))
        state = rng.choice(["new", "in_progress", "resolved", "closed", "closed", "merged"])
        ack = rng.uniform(0.1, 30) if state != "new" else None
        res = rng.uniform(1, 500) if state in ("resolved", "closed") else None
        rows.append(make_incident(
            owner, received_at=received, ack_h=ack, res_h=res, state=state,
            severity=rng.choice(["low", "medium", "high", "critical"]),
            itype=rng.choice([tax["type"], tax["dos"], None]), tlp=rng.choice([TLP.AMBER, TLP.GREEN]),
        ))
    # One outside the default period, one merged: neither counts.
    rows.append(make_incident(net.prov_a, received_at=now - dt.timedelta(days=500), ack_h=1))
    return rows


def reference(rows, *, key, tz=None):
    """The expected rows of a table: {key: (count, open, closed, ack mean, ack p90, res mean, res p90)}."""
    tz = tz or ZoneInfo(settings.TIME_ZONE)
    groups = {}
    for inc in rows:
        groups.setdefault(key(inc), []).append(inc)
    out = {}
    for k, incs in groups.items():
        ack = [(i.acknowledged_at - i.received_at).total_seconds() / 3600 for i in incs if i.acknowledged_at]
        res = [(i.resolved_at - i.received_at).total_seconds() / 3600 for i in incs if i.resolved_at]
        out[k] = (
            len(incs), sum(1 for i in incs if i.state != "closed"), sum(1 for i in incs if i.state == "closed"),
            sum(ack) / len(ack) if ack else None, ref_percentile(ack),
            sum(res) / len(res) if res else None, ref_percentile(res),
        )
    return out


def as_tuple(row):
    return (row.count, row.open, row.closed, row.ack_mean, row.ack_p90, row.resolve_mean, row.resolve_p90)


def assert_table(rows_out, expected):
    got = {r.key: as_tuple(r) for r in rows_out if r.count}
    assert set(got) == set(expected)
    for k, exp in expected.items():
        g = got[k]
        assert g[:3] == exp[:3], k
        for a, b in zip(g[3:], exp[3:], strict=True):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9, abs=1e-9), k


def counted(rows, since, until, owners=None):
    tz = ZoneInfo(settings.TIME_ZONE)
    out = []
    for inc in rows:
        local = inc.received_at.astimezone(tz).date()
        if inc.state == "merged" or not (since <= local <= until):
            continue
        if owners is not None and inc.owner_unit_id not in owners:
            continue
        out.append(inc)
    return out


def test_network_wide_stats_match_the_reference(net, dataset):
    s = st.incident_stats(net.agency_analyst, engine="python")
    rows = counted(dataset, s.since, s.until)
    tz = ZoneInfo(settings.TIME_ZONE)
    assert s.root == net.national
    assert_table([s.total], {"total": reference(rows, key=lambda i: "total")["total"]})
    # Roll-up per child of the national committee: A's units count for A.
    assert_table(s.by_unit, reference(rows, key=lambda i: i.owner_unit.path[: len(net.national.path) + 9]))
    assert_table(s.by_severity, reference(rows, key=lambda i: i.severity))
    assert_table(s.by_class, reference(
        rows, key=lambda i: i.incident_type.klass.code if i.incident_type_id else ""))
    assert_table(s.by_month, reference(rows, key=lambda i: i.received_at.astimezone(tz).strftime("%Y-%m")))
    labels = {r.label for r in s.by_unit}
    assert {"Tỉnh A", "Tỉnh B", "Bộ X"} <= labels


def test_months_cover_the_period_even_when_empty(net, dataset):
    s = st.incident_stats(net.agency_analyst)
    assert len(s.by_month) == 12
    assert s.by_month[0].key == s.since.strftime("%Y-%m") and s.since.day == 1


def test_unit_filter_rolls_up_by_child_and_keeps_the_units_own(net, dataset):
    s = st.incident_stats(net.a_analyst, unit=net.prov_a, engine="python")
    a_units = {net.prov_a.pk, net.prov_a_dept.pk, net.prov_a_sub.pk}
    rows = counted(dataset, s.since, s.until, owners=a_units)
    assert_table(s.by_unit, reference(rows, key=lambda i: i.owner_unit.path))
    own = next(r for r in s.by_unit if r.unit_id == net.prov_a.pk)
    assert "(trực tiếp)" in own.label
    assert s.by_unit[-1] is own  # the unit's own incidents come last


def test_province_analyst_counts_only_its_scope(net, dataset):
    s = st.incident_stats(net.b_analyst, engine="python")
    b_units = {net.prov_b.pk, net.prov_b_dept.pk}
    assert s.total.count == len(counted(dataset, s.since, s.until, owners=b_units))
    assert s.root == net.prov_b


def test_filters_by_severity_class_and_period(net, dataset):
    tax = make_taxonomy()
    since = timezone.localdate() - dt.timedelta(days=90)
    s = st.incident_stats(net.agency_analyst, severity="high", klass=tax["klass"], since=since, engine="python")
    rows = [i for i in counted(dataset, since, s.until)
            if i.severity == "high" and i.incident_type_id == tax["type"].pk]
    assert s.total.count == len(rows)


def test_lead_unit_roll_up(net, dataset):
    inc = dataset[0]
    inc.lead_unit = net.ministry
    inc.save()
    s = st.incident_stats(net.agency_analyst, by="lead", engine="python")
    assert s.total.count >= 1 and any(r.unit_id == net.ministry.pk for r in s.by_unit)


def test_bad_input_names_the_field(net):
    with pytest.raises(DomainError) as err:
        st.incident_stats(net.agency_analyst, severity="huge")
    assert err.value.field == "severity"
    with pytest.raises(DomainError) as err:
        st.incident_stats(net.agency_analyst, since=dt.date(2026, 5, 1), until=dt.date(2026, 1, 1))
    assert err.value.field == "since"
    with pytest.raises(DomainError) as err:
        st.incident_stats(net.agency_analyst, by="owner_or_lead")
    assert err.value.field == "by"
    with pytest.raises(DomainError) as err:
        st.stats_params(net.agency_analyst, since="2026-13-01")
    assert err.value.field == "since"


def test_user_without_membership_sees_nothing(net, dataset):
    assert st.incident_stats(net.nobody).total.count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL engine is PostgreSQL's")
def test_sql_engine_matches_python_engine(net, dataset):
    for user, unit in ((net.agency_analyst, None), (net.a_analyst, net.prov_a)):
        a = st.incident_stats(user, unit=unit, engine="sql")
        b = st.incident_stats(user, unit=unit, engine="python")
        for ta, tb in ((a.by_unit, b.by_unit), (a.by_class, b.by_class), (a.by_severity, b.by_severity),
                       (a.by_month, b.by_month), ([a.total], [b.total])):
            assert [r.key for r in ta] == [r.key for r in tb]
            for ra, rb in zip(ta, tb, strict=True):
                assert ra.count == rb.count and ra.open == rb.open and ra.closed == rb.closed
                for x, y in ((ra.ack_p90, rb.ack_p90), (ra.resolve_mean, rb.resolve_mean)):
                    assert (x is None and y is None) or x == pytest.approx(y, rel=1e-6)


def test_figures_are_cached_per_visibility_and_recomputed_on_request(net, dataset):
    first = st.incident_stats(net.agency_analyst)
    make_incident(net.prov_b, ack_h=1)
    assert st.incident_stats(net.agency_analyst).total.count == first.total.count  # from the cache
    assert st.incident_stats(net.agency_analyst).computed_at == first.computed_at
    assert st.incident_stats(net.agency_analyst, fresh=True).total.count == first.total.count + 1
    # Another scope never reads those figures.
    b = st.incident_stats(net.b_analyst)
    assert b.total.count < first.total.count and b.root == net.prov_b
