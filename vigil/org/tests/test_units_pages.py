"""Pages of the unit tree: browse, search, detail, create / edit / move, with the access
rules of the layer (404 outside one's view, 403 when seen but not allowed)."""

import pytest
from django.urls import reverse

from vigil.org.models import Unit
from vigil.org.views import unit_sections
from vigil.org.views.unit_sections import UnitSection

pytestmark = pytest.mark.django_db


def html(resp) -> str:
    return resp.content.decode()


def test_anonymous_is_sent_to_login(client, net):
    resp = client.get(reverse("org:unit_tree"))
    assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_tree_shows_every_unit_to_the_office(net, login):
    resp = login(net.office_staff).get(reverse("org:unit_tree"))
    assert resp.status_code == 200
    page = html(resp)
    assert 'data-testid="unit-tree"' in page
    for code in ("bcd-qg", "vp-bcd", "cqtt", "tinh-a", "tinh-a-tb", "tinh-b", "tinh-b-sotc", "bo-x"):
        assert f'data-testid="unit-link-{code}"' in page
    assert "Tỉnh, thành phố trực thuộc trung ương" in page  # kind badge


def test_tree_of_a_province_stops_at_its_scope(net, login):
    page = html(login(net.a_analyst).get(reverse("org:unit_tree")))
    assert 'data-testid="unit-link-tinh-a-sotc"' in page and 'data-testid="unit-link-bcd-qg"' in page
    assert "unit-link-tinh-b" not in page and "unit-link-bo-x" not in page


def test_search_ignores_diacritics_and_keeps_ancestors_for_context(net, login):
    page = html(login(net.office_staff).get(reverse("org:unit_tree"), {"q": "so tai chinh tinh a"}))
    assert 'data-testid="unit-link-tinh-a-sotc"' in page
    assert 'data-testid="unit-link-tinh-a"' in page  # the ancestor, shown muted
    assert "unit-link-tinh-b-sotc" not in page and "unit-link-bo-x" not in page
    assert "1/9 đơn vị khớp" in page


def test_filter_by_kind(net, login):
    page = html(login(net.office_staff).get(reverse("org:unit_tree"), {"kind": "provincial_department"}))
    assert "unit-link-tinh-a-sotc" in page and "unit-link-tinh-b-sotc" in page
    assert "unit-link-bo-x" not in page and "unit-link-cqtt" not in page


def test_htmx_search_returns_only_the_results(net, login):
    resp = login(net.office_staff).get(reverse("org:unit_tree"), {"q": "Bộ X"}, HTTP_HX_REQUEST="true")
    page = html(resp)
    assert "<html" not in page and "unit-link-bo-x" in page


def test_odd_tree_parameters_do_not_fail(net, login):
    c = login(net.office_staff)
    for params in ({"kind": "bogus"}, {"q": "x" * 5000}, {"q": "%_'\"<script>"}):
        assert c.get(reverse("org:unit_tree"), params).status_code == 200


def test_user_without_active_membership_sees_an_empty_tree(net, login):
    page = html(login(net.nobody).get(reverse("org:unit_tree")))
    assert 'data-testid="unit-tree-empty"' in page


def test_detail_shows_breadcrumb_kind_children_and_contacts(net, login):
    resp = login(net.a_analyst).get(reverse("org:unit_detail", args=[net.prov_a.pk]))
    assert resp.status_code == 200
    page = html(resp)
    assert '<h1 class="h3 mb-1" data-testid="unit-name">Tỉnh A</h1>' in page
    assert 'data-testid="breadcrumb-bcd-qg"' in page
    assert 'data-testid="unit-link-tinh-a-sotc"' in page and 'data-testid="unit-link-tinh-a-tb"' in page
    assert 'data-testid="unit-section-constituency"' in page
    assert 'data-testid="unit-edit"' in page and 'data-testid="unit-move"' in page


def test_detail_of_a_sibling_is_404(net, login):
    c = login(net.a_analyst)
    assert c.get(reverse("org:unit_detail", args=[net.prov_b.pk])).status_code == 404
    assert c.get(reverse("org:unit_detail", args=[987654])).status_code == 404


def test_ancestor_is_visible_but_not_editable(net, login):
    c = login(net.a_analyst)
    page = html(c.get(reverse("org:unit_detail", args=[net.national.pk])))
    assert 'data-testid="unit-edit"' not in page
    assert c.get(reverse("org:unit_edit", args=[net.national.pk])).status_code == 403
    assert c.get(reverse("org:unit_move", args=[net.national.pk])).status_code == 403


def test_create_a_unit(net, login):
    c = login(net.a_analyst)
    assert c.get(reverse("org:unit_create"), {"parent": net.prov_a.pk}).status_code == 200
    resp = c.post(reverse("org:unit_create"), {
        "parent": net.prov_a.pk, "code": "tinh-a-so-khcn", "name": "Sở Khoa học và Công nghệ tỉnh A",
        "kind": "provincial_department",
    })
    unit = Unit.objects.get(code="tinh-a-so-khcn")
    assert resp.status_code == 302 and resp["Location"] == reverse("org:unit_detail", args=[unit.pk])
    assert unit.parent_id == net.prov_a.pk


def test_create_errors_name_the_field(net, login):
    c = login(net.office_staff)
    resp = c.post(reverse("org:unit_create"), {"parent": net.national.pk, "code": "tinh-a", "name": "X", "kind": "province"})
    assert resp.status_code == 200
    assert 'data-field="code"' in html(resp)
    resp = c.post(reverse("org:unit_create"), {"parent": net.national.pk, "code": "bad code", "name": "", "kind": "zzz"})
    page = html(resp)
    assert 'data-field="code"' in page and 'data-field="name"' in page and 'data-field="kind"' in page


def test_sibling_cannot_create_under_the_other_province(net, login):
    c = login(net.b_analyst)
    resp = c.post(reverse("org:unit_create"), {"parent": net.prov_a.pk, "code": "x", "name": "X", "kind": "other"})
    assert resp.status_code == 200 and 'data-field="parent"' in html(resp)
    assert not Unit.objects.filter(code="x").exists()


def test_root_creation_by_a_non_admin_is_refused_on_the_form(net, login):
    resp = login(net.office_staff).post(reverse("org:unit_create"), {"code": "goc", "name": "Gốc", "kind": "other"})
    assert resp.status_code == 200 and 'data-testid="form-errors"' in html(resp)
    assert not Unit.objects.filter(code="goc").exists()


def test_user_who_may_add_nowhere_gets_403_on_create(net, login):
    assert login(net.nobody).get(reverse("org:unit_create")).status_code == 403
    assert login(net.auditor).get(reverse("org:unit_create")).status_code == 403


def test_edit_a_unit(net, login):
    c = login(net.a_analyst)
    url = reverse("org:unit_edit", args=[net.prov_a_dept.pk])
    assert c.get(url).status_code == 200
    data = {"name": "Sở Tài chính tỉnh A", "kind": "provincial_department", "email": "stc@a.example.vn", "is_active": "on"}
    assert c.post(url, data).status_code == 302
    net.prov_a_dept.refresh_from_db()
    assert net.prov_a_dept.email == "stc@a.example.vn"
    resp = c.post(url, {**data, "email": "nope"})
    assert resp.status_code == 200 and 'data-field="email"' in html(resp)


def test_edit_permissions(net, login):
    assert login(net.b_analyst).get(reverse("org:unit_edit", args=[net.prov_a.pk])).status_code == 404
    assert login(net.a_dept).post(reverse("org:unit_edit", args=[net.prov_a.pk]), {"name": "X", "kind": "province"}).status_code == 403
    net.prov_a.refresh_from_db()
    assert net.prov_a.name == "Tỉnh A"


def test_move_a_unit(net, login):
    c = login(net.office_staff)
    url = reverse("org:unit_move", args=[net.prov_a_dept.pk])
    page = html(c.get(url))
    assert f'value="{net.prov_b.pk}"' in page and f'value="{net.prov_a_dept.pk}"' not in page
    assert c.post(url, {"new_parent": net.prov_b.pk}).status_code == 302
    moved = Unit.objects.get(pk=net.prov_a_dept.pk)
    assert moved.parent_id == net.prov_b.pk and moved.path == moved.compute_path()


def test_move_under_own_subtree_is_a_field_error(net, login):
    resp = login(net.office_staff).post(reverse("org:unit_move", args=[net.prov_a.pk]), {"new_parent": net.prov_a_sub.pk})
    assert resp.status_code == 200 and 'data-field="new_parent"' in html(resp)


def test_sibling_cannot_move_the_other_province_units(net, login):
    c = login(net.b_analyst)
    assert c.post(reverse("org:unit_move", args=[net.prov_a_dept.pk]), {"new_parent": net.prov_b.pk}).status_code == 404
    resp = c.post(reverse("org:unit_move", args=[net.prov_b_dept.pk]), {"new_parent": net.prov_a.pk})
    assert resp.status_code == 200 and 'data-field="new_parent"' in html(resp)
    assert Unit.objects.get(pk=net.prov_b_dept.pk).parent_id == net.prov_b.pk


def test_registered_sections_render_and_missing_templates_are_skipped(net, login, monkeypatch):
    monkeypatch.setattr(unit_sections, "SECTIONS", [
        *unit_sections.SECTIONS,
        UnitSection(key="ghost", title="Ghost", template="org/_does_not_exist.html", order=10),
        UnitSection(key="people-demo", title="Demo", template="org/unit_breadcrumb.html", order=20,
                    context="vigil.org.selectors.units.unit_stats"),
    ])
    page = html(login(net.office_staff).get(reverse("org:unit_detail", args=[net.prov_a.pk])))
    assert 'data-testid="unit-section-people-demo"' in page
    assert "unit-section-ghost" not in page
    assert page.index("unit-section-people-demo") < page.index("unit-section-constituency")


def test_tree_page_query_count_does_not_grow_with_the_tree(net, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vigil.core.actors import system_actor
    from vigil.org.services.units import unit_create

    c = login(net.office_staff)
    c.get(reverse("org:unit_tree"))  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("org:unit_tree"))
    for i in range(15):
        unit_create(actor=system_actor(), code=f"tinh-b-so-{i}", name=f"Sở {i} tỉnh B",
                    kind="provincial_department", parent=net.prov_b)
    with CaptureQueriesContext(connection) as large:
        resp = c.get(reverse("org:unit_tree"))
    assert "unit-link-tinh-b-so-14" in html(resp)
    assert len(large.captured_queries) == len(small.captured_queries)
