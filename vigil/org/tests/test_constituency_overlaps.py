"""Overlapping claims: found by one SQL self-join, conflict vs delegation, scoped by access."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigil.core.access import scope_of, visible_to
from vigil.core.actors import system_actor
from vigil.org.models import ConstituencyEntry
from vigil.org.selectors.constituency import CONFLICT, DELEGATION, overlap_pairs, overlaps
from vigil.org.services.constituency import constituency_add

from .constituency_fixtures import claims_fixture  # noqa: F401 (the `claims` fixture)

pytestmark = pytest.mark.django_db


def as_set(found):
    return {(o.wider.unit.code, o.wider.value, o.narrower.unit.code, o.narrower.value, o.relation) for o in found}


def test_network_wide_role_sees_every_overlap_with_its_relation(net, claims):
    found = as_set(overlaps(user=net.office_staff))
    assert found == {
        ("bcd-qg", "10.0.0.0/8", "tinh-a", "10.1.0.0/16", DELEGATION),
        ("bcd-qg", "10.0.0.0/8", "tinh-a-sotc", "10.1.2.0/24", DELEGATION),
        ("bcd-qg", "10.0.0.0/8", "tinh-b", "10.1.2.128/25", DELEGATION),
        ("tinh-a", "10.1.0.0/16", "tinh-a-sotc", "10.1.2.0/24", DELEGATION),
        ("tinh-a", "10.1.0.0/16", "tinh-b", "10.1.2.128/25", CONFLICT),
        ("tinh-a-sotc", "10.1.2.0/24", "tinh-b", "10.1.2.128/25", CONFLICT),
        ("tinh-a", "2001:db8::/32", "tinh-a-sotc", "2001:db8:1::/48", DELEGATION),
        ("bcd-qg", "gov.vn", "tinh-a", "tinh-a.gov.vn", DELEGATION),
        ("bcd-qg", "gov.vn", "tinh-b", "tinh-a.gov.vn", DELEGATION),
        ("bcd-qg", "gov.vn", "tinh-b", "tinh-ab.gov.vn", DELEGATION),
        ("bcd-qg", "gov.vn", "tinh-a-sotc", "stc.tinh-a.gov.vn", DELEGATION),
        ("tinh-a", "tinh-a.gov.vn", "tinh-a-sotc", "stc.tinh-a.gov.vn", DELEGATION),
        ("tinh-b", "tinh-a.gov.vn", "tinh-a-sotc", "stc.tinh-a.gov.vn", CONFLICT),
        ("tinh-a", "AS64500", "bo-x", "AS64500", CONFLICT),
        # equal claims come once, the older entry as the "wider" side
        ("tinh-a", "tinh-a.gov.vn", "tinh-b", "tinh-a.gov.vn", CONFLICT),
    }
    equal = [o for o in overlaps(user=net.office_staff) if o.kind == "domain" and o.same_value]
    assert len(equal) == 1 and equal[0].relation == CONFLICT
    assert {equal[0].wider.unit.code, equal[0].narrower.unit.code} == {"tinh-a", "tinh-b"}
    assert len(overlaps(user=net.office_staff)) == 15


def test_conflicts_come_first_and_relation_filter_works(net, claims):
    found = overlaps(user=net.office_staff)
    relations = [o.relation for o in found]
    assert relations == sorted(relations, key=lambda r: r != CONFLICT)
    assert {o.relation for o in overlaps(user=net.office_staff, relation=CONFLICT)} == {CONFLICT}
    assert len(overlaps(user=net.office_staff, relation=CONFLICT)) == 5
    assert {o.kind for o in overlaps(user=net.office_staff, kind="ipv6")} == {"ipv6"}


def test_disjoint_and_same_unit_claims_are_not_overlaps(net):
    actor = system_actor()
    constituency_add(actor=actor, unit=net.prov_a, value="192.0.2.0/25")
    constituency_add(actor=actor, unit=net.prov_b, value="192.0.2.128/25")
    constituency_add(actor=actor, unit=net.prov_a, value="192.0.2.0/24")  # same unit: redundant, not an overlap
    constituency_add(actor=actor, unit=net.prov_a, value="a-b.vn")
    constituency_add(actor=actor, unit=net.prov_b, value="a.vn")
    constituency_add(actor=actor, unit=net.prov_b, value="xa-b.vn")
    assert as_set(overlaps(user=net.office_staff)) == {
        ("tinh-a", "192.0.2.0/24", "tinh-b", "192.0.2.128/25", CONFLICT),
    }


def test_a_province_never_sees_a_hidden_units_range(net, claims):
    """Issue 11: the overlaps list showed the exact range of a unit outside the caller's
    view. Now a pair is listed only when the caller may see both claims."""
    found = overlaps(user=net.b_analyst)
    seen = {e.pk for e in visible_to(net.b_analyst, ConstituencyEntry)}
    assert all(o.wider.pk in seen and o.narrower.pk in seen for o in found)
    values = {v for o in found for v in (o.wider.value, o.narrower.value)}
    assert not values & {"10.1.0.0/16", "10.1.2.0/24", "stc.tinh-a.gov.vn"}  # tinh-a's ranges
    # tinh-a's members were asked about (and so see) tinh-b's claims inside theirs
    found_a = overlaps(user=net.a_analyst)
    assert ("10.1.2.0/24", "10.1.2.128/25", CONFLICT) in {(o.wider.value, o.narrower.value, o.relation) for o in found_a}
    assert overlaps(user=net.nobody) == []


def test_overlap_pairs_is_one_query(net, claims):
    scope_of(net.b_analyst)  # the user's memberships, loaded once per request
    with CaptureQueriesContext(connection) as ctx:
        overlap_pairs(user=net.b_analyst)
    # the access layer resolves the user's units first; the pairs are one statement
    pair_queries = [q["sql"] for q in ctx.captured_queries if "UNION ALL" in q["sql"]]
    assert len(pair_queries) == 1 and len(ctx.captured_queries) <= 3
    assert "range_start" in pair_queries[0]


def test_cli_overlaps(net, claims):
    out = StringIO()
    call_command("units", "overlaps", "--as", "office_staff", stdout=out)
    text = out.getvalue()
    assert "xung đột" in text and "10.1.2.128/25" in text and "15 cặp" in text
    out = StringIO()
    call_command("units", "overlaps", "--relation", "conflict", "--as", "b_analyst", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert all(d["relation"] == "conflict" for d in data)
    assert not {"10.1.0.0/16", "10.1.2.0/24"} & {d[s]["value"] for d in data for s in ("wider", "narrower")}
    out = StringIO()
    call_command("units", "overlaps", "--relation", "conflict", "--as", "a_analyst", "--json", stdout=out)
    assert any(d["narrower"]["value"] == "10.1.2.128/25" for d in json.loads(out.getvalue()))


def test_overlap_join_looks_the_narrower_side_up_by_index(net, claims):
    """The self-join must stay an index look-up per row, never all pairs: checked on the
    query plan, with enough rows (PostgreSQL plans by statistics)."""
    from vigil.org.models import ConstituencyEntry
    from vigil.org.selectors.constituency import _dialect, _pair_sql
    from vigil.org.services.constituency import parse_value

    units = [net.prov_a, net.prov_b, net.ministry, net.prov_a_dept]
    rows = []
    for i in range(3000):
        p = parse_value(f"h{i}.d{i % 700}.vn" if i % 2 else f"10.{i % 250}.{i // 250}.0/24")
        rows.append(ConstituencyEntry(
            unit=units[i % 4], kind=p.kind, value=p.value, range_start=p.range_start,
            range_end=p.range_end, prefix_len=p.prefix_len, match_key=p.match_key,
        ))
    ConstituencyEntry.objects.bulk_create(rows)
    sql = _pair_sql(_dialect()).format(scope="", kind="")
    tail = [True, True, "active", "active"]
    params = ["ipv4", "ipv6", "asn", *tail, "domain", *tail, "domain", *tail]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE org_constituencyentry")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "(range_start)::text >= (a.range_start)::text" in plan, plan
            assert "Index Cond: ((match_key)::text = (a_1.match_key)::text)" in plan, plan
            assert "Index Cond: (((match_key)::text ~>=~" in plan, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            details = [str(row[-1]) for row in cursor.fetchall()]
            inner = [d for d in details if d.startswith(("SEARCH b ", "SCAN b"))]
            assert len(inner) == 3, details
            assert all(d.startswith("SEARCH b USING") for d in inner), details
            assert sum("match_key" in d for d in inner) == 2, details
