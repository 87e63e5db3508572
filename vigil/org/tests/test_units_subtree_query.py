"""Subtree queries are one indexed query on the materialised path, on both backends."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigil.core.access import scope_of
from vigil.org.selectors.units import unit_list, unit_subtree

pytestmark = pytest.mark.django_db


def test_subtree_is_one_query_on_the_path(net):
    scope_of(net.office_staff)
    with CaptureQueriesContext(connection) as ctx:
        codes = {u.code for u in unit_subtree(user=net.office_staff, unit=net.prov_a)}
    assert codes == {"tinh-a", "tinh-a-tb", "tinh-a-sotc"}
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert '"path"' in sql and " LIKE " in sql.upper()


def test_subtree_filter_of_the_list_is_one_query_too(net):
    scope_of(net.a_analyst)
    subtree = list(unit_list(user=net.a_analyst, subtree_of=net.prov_a.pk))  # resolving the root: 1 query
    assert {u.code for u in subtree} == {"tinh-a", "tinh-a-tb", "tinh-a-sotc"}
    with CaptureQueriesContext(connection) as ctx:
        list(unit_subtree(user=net.a_analyst, unit=net.prov_a))
    assert len(ctx.captured_queries) == 1


def test_subtree_query_can_use_an_index_on_path(net):
    qs = unit_subtree(user=net.office_staff, unit=net.prov_a).values("pk")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index" in plan and "path" in plan, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "SEARCH" in plan and "INDEX" in plan and "path" in plan, plan
