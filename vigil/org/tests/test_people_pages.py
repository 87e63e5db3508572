"""Pages: people and memberships (render for the permitted, 404 for a sibling province,
errors named next to the field, never a 500)."""

from datetime import date

import pytest
from django.urls import reverse

from vigil.org.models import Membership, Person, Role
from vigil.testing import make_user

from .people_factories import member, person

pytestmark = pytest.mark.django_db


def test_person_list_shows_scope_and_filters(net, login):
    person(net.prov_a_dept, "Trịnh Công Sơn")
    person(net.prov_b_dept, "Lưu Thị Bích")
    client = login(net.a_analyst)
    resp = client.get(reverse("org:person_list"))
    html = resp.content.decode()
    assert resp.status_code == 200 and "Trịnh Công Sơn" in html and "Lưu Thị Bích" not in html
    assert 'data-testid="person-table"' in html
    resp = client.get(reverse("org:person_list"), {"q": "sơn"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "<html" not in resp.content.decode() and "Trịnh Công Sơn" in resp.content.decode()
    resp = client.get(reverse("org:person_list"), {"unit": net.prov_a_dept.pk, "role": "head"})
    assert "Trịnh Công Sơn" not in resp.content.decode()


def test_person_list_inactive_filter(net, login):
    person(net.prov_a_dept, "Người Đã Nghỉ", is_active=False)
    client = login(net.a_head)
    assert "Người Đã Nghỉ" not in client.get(reverse("org:person_list")).content.decode()
    assert "Người Đã Nghỉ" in client.get(reverse("org:person_list"), {"active": "0"}).content.decode()


def test_person_detail_shows_history_and_sibling_gets_404(net, login):
    p = person(net.prov_a_dept, "Trịnh Công Sơn")
    member(p, net.prov_a_sub, "member", since=date(2024, 1, 1), until=date(2025, 1, 1))
    member(p, net.prov_a_sub, "secretary", since=date(2025, 1, 1))
    resp = login(net.a_head).get(reverse("org:person_detail", args=[p.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200 and html.count('data-testid="membership-row"') == 2
    assert 'data-testid="membership-end"' in html and 'data-testid="person-edit"' in html
    other = login(net.b_analyst).get(reverse("org:person_detail", args=[p.pk]))
    assert other.status_code == 404 and "Trịnh Công Sơn" not in other.content.decode()


def test_create_person_through_the_form(net, login):
    client = login(net.a_head)
    assert client.get(reverse("org:person_create")).status_code == 200
    resp = client.post(reverse("org:person_create"), {
        "full_name": "Đoàn Thị Hương", "home_unit": net.prov_a_dept.pk, "position": "Chuyên viên",
        "email": "huong@example.vn",
    })
    created = Person.objects.get(full_name="Đoàn Thị Hương")
    assert resp.status_code == 302 and resp["Location"] == reverse("org:person_detail", args=[created.pk])


def test_create_person_errors_name_the_field(net, login):
    resp = login(net.a_head).post(reverse("org:person_create"), {"full_name": "", "home_unit": net.prov_a.pk, "email": "x"})
    html = resp.content.decode()
    assert resp.status_code == 200 and 'data-field="full_name"' in html and 'data-field="email"' in html
    # a unit outside the user's reach is not a valid choice
    resp = login(net.a_head).post(reverse("org:person_create"), {"full_name": "X", "home_unit": net.prov_b.pk})
    assert 'data-field="home_unit"' in resp.content.decode()


def test_user_without_add_anywhere_cannot_open_the_form(net, login):
    assert login(net.nobody).get(reverse("org:person_create")).status_code == 403


def test_edit_person(net, login):
    p = person(net.prov_a_dept, "Trịnh Công Sơn")
    client = login(net.a_head)
    assert client.get(reverse("org:person_edit", args=[p.pk])).status_code == 200
    resp = client.post(reverse("org:person_edit", args=[p.pk]), {
        "full_name": "Trịnh Công Sơn", "home_unit": net.prov_a_dept.pk, "position": "Phó Giám đốc", "is_active": "on",
    })
    assert resp.status_code == 302
    p.refresh_from_db()
    assert p.position == "Phó Giám đốc" and p.is_active
    assert login(net.b_analyst).get(reverse("org:person_edit", args=[p.pk])).status_code == 404
    viewer = make_user(net, "a_viewer", net.prov_a, "viewer")
    assert login(viewer).get(reverse("org:person_detail", args=[p.pk])).status_code == 200
    assert login(viewer).get(reverse("org:person_edit", args=[p.pk])).status_code == 403


def test_add_membership_from_person_page_and_from_unit(net, login):
    p = person(net.prov_a_dept, "Trịnh Công Sơn")
    client = login(net.a_head)
    url = reverse("org:person_membership_add", args=[p.pk])
    assert client.get(url).status_code == 200
    resp = client.post(url, {"person": p.pk, "unit": net.prov_a_sub.pk, "role": Role.objects.get(code="member").pk, "since": "2025-02-01"})
    assert resp.status_code == 302
    assert Membership.objects.filter(person=p, unit=net.prov_a_sub).count() == 1
    url = reverse("org:unit_membership_add", args=[net.prov_a_sub.pk])
    resp = client.post(url, {"person": p.pk, "unit": net.prov_a_sub.pk, "role": Role.objects.get(code="member").pk, "since": "2025-03-01"})
    html = resp.content.decode()
    assert resp.status_code == 200 and 'data-field="role"' in html and "Trịnh Công Sơn" in html  # duplicate
    resp = client.post(url, {"person": p.pk, "unit": net.prov_a_sub.pk, "role": Role.objects.get(code="secretary").pk, "since": "2025-03-01", "until": "2025-01-01"})
    assert 'data-field="until"' in resp.content.decode()


def test_add_membership_in_sibling_unit_is_404(net, login):
    client = login(net.b_analyst)
    assert client.get(reverse("org:unit_membership_add", args=[net.prov_a_sub.pk])).status_code == 404
    assert login(net.a_analyst).get(reverse("org:unit_membership_add", args=[net.prov_a_sub.pk])).status_code == 403


def test_end_membership_page(net, login):
    p = person(net.prov_a_dept, "Trịnh Công Sơn")
    m = member(p, net.prov_a_sub, "member", since=date(2025, 1, 1))
    client = login(net.a_head)
    url = reverse("org:membership_end", args=[m.pk])
    assert client.get(url).status_code == 200
    resp = client.post(url, {"until": "2024-06-01"})
    assert resp.status_code == 200 and 'data-field="until"' in resp.content.decode()
    resp = client.post(url, {"until": "2025-06-01", "note": "Chuyển công tác"})
    assert resp.status_code == 302
    m.refresh_from_db()
    assert m.until == date(2025, 6, 1)
    assert login(net.b_analyst).post(url, {"until": "2025-07-01"}).status_code == 404
    assert login(net.a_analyst).get(url).status_code == 403


def test_unit_page_shows_members_decisions_and_completeness(net, login):
    from .people_factories import complete_body

    complete_body(net.prov_a_sub, effective=date(2025, 1, 1))
    resp = login(net.a_head).get(reverse("org:unit_detail", args=[net.prov_a_sub.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-testid="unit-members"' in html and html.count('data-testid="unit-member"') == 5
    assert 'data-testid="unit-decisions"' in html and "01/QĐ-TB" in html
    assert 'data-testid="unit-completeness" data-complete="1"' in html
    assert 'data-testid="unit-membership-add"' in html


def test_anonymous_is_sent_to_login(client, net):
    resp = client.get(reverse("org:person_list"))
    assert resp.status_code == 302 and "/login/" in resp["Location"]


def test_list_pages_do_not_query_per_row(net, login, django_assert_max_num_queries):
    from .people_factories import complete_body

    for i in range(3):
        complete_body(net.prov_a_sub if i == 0 else net.national, number=f"{i}/QĐ", prefix=f"Nhóm {i}")
    client = login(net.office_staff)
    client.get(reverse("org:person_list"))  # warm the session and scope
    with django_assert_max_num_queries(14):
        resp = client.get(reverse("org:person_list"))
    assert resp.content.decode().count('data-testid="person-row"') >= 15
    with django_assert_max_num_queries(14):
        client.get(reverse("org:decision_list"))
    # The completeness page also counts the units complete on each of the last six months'
    # first days and today (progress against the target date): a fixed eight more.
    with django_assert_max_num_queries(22):
        client.get(reverse("org:completeness"))
