"""Pages of constituency: declare and withdraw claims, who owns X?, overlapping claims."""

import pytest
from django.urls import reverse

from vigil.org.models import ConstituencyEntry

from .constituency_fixtures import claims_fixture  # noqa: F401 (the `claims` fixture)

pytestmark = pytest.mark.django_db


def html(resp) -> str:
    return resp.content.decode()


def test_unit_page_lists_the_constituency_with_an_add_form_for_editors(net, login, claims):
    page = html(login(net.a_head).get(reverse("org:unit_detail", args=[net.prov_a.pk])))
    assert 'data-value="10.1.0.0/16"' in page and 'data-value="tinh-a.gov.vn"' in page
    assert 'data-testid="constituency-add-form"' in page and 'data-testid="constituency-remove"' in page
    page = html(login(net.a_analyst).get(reverse("org:unit_detail", args=[net.prov_a.pk])))
    assert 'data-value="10.1.0.0/16"' in page and "constituency-add-form" not in page
    page = html(login(net.auditor).get(reverse("org:unit_detail", args=[net.prov_a.pk])))
    assert 'data-value="10.1.0.0/16"' in page and "constituency-add-form" not in page


def test_declare_several_values(net, login):
    c = login(net.a_head)
    resp = c.post(reverse("org:constituency_add", args=[net.prov_a.pk]), {
        "values": "198.51.100.0/24\n2001:db8:a::/48\nAS64510\nCổngthôngtin.tinh-a.vn.", "kind": "", "note": "mạng tỉnh",
    })
    assert resp.status_code == 302 and resp["Location"].endswith("#constituency")
    values = set(ConstituencyEntry.objects.filter(unit=net.prov_a).values_list("value", flat=True))
    assert values == {"198.51.100.0/24", "2001:db8:a::/48", "AS64510", "cổngthôngtin.tinh-a.vn".encode("idna").decode()}


def test_invalid_line_is_an_error_on_the_values_field_naming_the_line(net, login):
    resp = login(net.a_head).post(reverse("org:constituency_add", args=[net.prov_a.pk]), {
        "values": "198.51.100.0/24\n198.51.100.7/24", "kind": "",
    })
    assert resp.status_code == 200
    page = html(resp)
    assert 'data-field="values"' in page and "Dòng 2" in page and "198.51.100.0/24" in page
    assert not ConstituencyEntry.objects.filter(unit=net.prov_a).exists()


def test_kind_mismatch_is_an_error_on_the_values_field(net, login):
    resp = login(net.a_head).post(reverse("org:constituency_add", args=[net.prov_a.pk]), {
        "values": "example.vn", "kind": "ipv4",
    })
    assert resp.status_code == 200 and 'data-field="values"' in html(resp)


def test_constituency_permissions_on_pages(net, login, claims):
    url = reverse("org:constituency_add", args=[net.prov_a.pk])
    assert login(net.b_analyst).post(url, {"values": "192.0.2.0/24"}).status_code == 404
    assert login(net.auditor).post(url, {"values": "192.0.2.0/24"}).status_code == 403
    entry = claims[("prov_a", "10.1.0.0/16")]
    remove = reverse("org:constituency_remove", args=[net.prov_a.pk, entry.pk])
    assert login(net.b_analyst).post(remove).status_code == 404
    assert login(net.auditor).post(remove).status_code == 403
    assert ConstituencyEntry.objects.filter(pk=entry.pk).exists()


def test_withdraw_a_value(net, login, claims):
    entry = claims[("prov_a", "10.1.0.0/16")]
    c = login(net.a_head)
    assert c.get(reverse("org:constituency_remove", args=[net.prov_a.pk, entry.pk])).status_code == 405
    assert c.post(reverse("org:constituency_remove", args=[net.prov_a.pk, entry.pk])).status_code == 302
    assert not ConstituencyEntry.objects.filter(pk=entry.pk).exists()


def test_overlaps_page_for_the_office(net, login, claims):
    page = html(login(net.office_staff).get(reverse("org:constituency_overlaps")))
    assert page.count('data-testid="overlap-row"') == 15
    assert page.count('data-relation="conflict"') == 5
    page = html(login(net.office_staff).get(reverse("org:constituency_overlaps"), {"relation": "conflict", "kind": "asn"}))
    assert page.count('data-testid="overlap-row"') == 1


def test_overlaps_page_for_a_province_withholds_other_units(net, login, claims):
    page = html(login(net.b_analyst).get(reverse("org:constituency_overlaps")))
    assert "Tỉnh A" not in page and "Sở Tài chính tỉnh A" not in page
    assert "10.1.2.0/24" not in page and "10.1.0.0/16" not in page  # hidden units' ranges (issue 11)
    page = html(login(net.a_analyst).get(reverse("org:constituency_overlaps")))
    assert 'data-relation="conflict"' in page and "10.1.2.128/25" in page


def test_overlaps_page_tolerates_odd_filters(net, login):
    resp = login(net.office_staff).get(reverse("org:constituency_overlaps"), {"relation": "x", "kind": "<b>"})
    assert resp.status_code == 200
