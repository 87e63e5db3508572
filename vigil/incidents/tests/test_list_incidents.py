"""The incident list: access (TLP and handling units), filters, keyset pages, the page."""

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.errors import DomainError
from vigil.incidents.selectors import lists
from vigil.incidents.services import workflow as wf

from .test_workflow_services import S, make_incident


def ids(qs):
    return {i.pk for i in qs}


def test_sibling_sees_green_but_not_amber(net):
    amber = make_incident(net, tlp="amber")
    red = make_incident(net, tlp="red")
    green = make_incident(net, tlp="green")
    b = net.users["b_analyst"]
    assert ids(lists.incident_list(b)) == {green.pk}
    assert ids(lists.incident_list(net.users["a_analyst"])) == {amber.pk, red.pk, green.pk}
    assert ids(lists.incident_list(b, unit=net.units["prov_a"])) == {green.pk}


def test_supporting_unit_sees_the_incident_in_its_list(net):
    inc = make_incident(net, tlp="amber")
    wf.incident_assign(actor=Actor(user=net.users["agency_analyst"]), incident=inc, lead_unit=net.units["prov_a"],
                       supporting_units=[net.units["prov_b"]])
    b = net.users["b_analyst"]
    assert ids(lists.incident_list(b)) == {inc.pk}
    assert ids(lists.incident_list(b, unit=net.units["prov_b"])) == {inc.pk}
    assert ids(lists.incident_list(b, relation="waiting")) == {inc.pk}
    assert ids(lists.incident_list(b, relation="owned")) == set()


def test_unit_subtree_and_state_filters(net):
    top = make_incident(net, owner="prov_a", state=S.TRIAGED)
    dept = make_incident(net, owner="prov_a_dept", state=S.NEW)
    other = make_incident(net, owner="prov_b", state=S.TRIAGED)
    office = net.users["office_staff"]
    assert ids(lists.incident_list(office, unit=net.units["prov_a"])) == {top.pk, dept.pk}
    assert ids(lists.incident_list(office, unit=net.units["prov_a"], subtree=False)) == {top.pk}
    assert ids(lists.incident_list(office, unit=net.units["prov_a"], states=["new"])) == {dept.pk}
    assert ids(lists.incident_list(office, states=["triaged"])) == {top.pk, other.pk}
    with pytest.raises(DomainError) as exc:
        lists.incident_list(office, states=["bogus"])
    assert exc.value.field == "state"


def test_lead_unit_relation_and_mine(net):
    inc = make_incident(net, owner="prov_a")
    wf.incident_assign(actor=Actor(user=net.users["agency_analyst"]), incident=inc, lead_unit=net.units["ministry"])
    office = net.users["office_staff"]
    assert ids(lists.incident_list(office, unit=net.units["ministry"])) == {inc.pk}
    assert ids(lists.incident_list(office, lead_unit=net.units["ministry"])) == {inc.pk}
    assert ids(lists.incident_list(net.users["a_analyst"], mine=True)) == {inc.pk}


def test_text_severity_tlp_and_dates(net):
    old = make_incident(net, title="Tấn công DDoS", severity="high",
                        received_at=timezone.now() - dt.timedelta(days=30))
    new = make_incident(net, title="Lừa đảo", severity="low", tlp="green")
    user = net.users["a_analyst"]
    assert ids(lists.incident_list(user, q="ddos")) == {old.pk}
    assert ids(lists.incident_list(user, q=new.reference.lower())) == {new.pk}
    assert ids(lists.incident_list(user, severity="high")) == {old.pk}
    assert ids(lists.incident_list(user, tlp=["green"])) == {new.pk}
    today = timezone.localdate()
    assert ids(lists.incident_list(user, received_from=today - dt.timedelta(days=1))) == {new.pk}
    assert ids(lists.incident_list(user, received_to=today - dt.timedelta(days=1))) == {old.pk}


def test_keyset_pages_cover_everything_once(net):
    made = {make_incident(net).pk for _ in range(7)}
    user = net.users["a_analyst"]
    seen, cursor = [], None
    while True:
        page = lists.page_of(lists.incident_list(user), cursor=cursor, size=3)
        seen += [i.pk for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_list_page_filters_and_access(net, login):
    amber = make_incident(net, title="Sự cố AMBER tỉnh A", tlp="amber")
    green = make_incident(net, title="Sự cố GREEN tỉnh A", tlp="green")
    page = login(net.users["b_analyst"]).get("/incidents/")
    html = page.content.decode()
    assert page.status_code == 200 and green.reference in html and amber.reference not in html
    client = login(net.users["a_analyst"])
    html = client.get("/incidents/", {"tlp": "amber"}).content.decode()
    assert amber.reference in html and green.reference not in html
    partial = client.get("/incidents/", {"q": "GREEN"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and green.reference in partial.content.decode()
    assert client.get("/incidents/", {"cursor": "!!"}).status_code == 200


def test_list_query_count_is_constant(net, login, django_assert_max_num_queries):
    for _ in range(10):
        make_incident(net)
    client = login(net.users["a_analyst"])
    client.get("/incidents/")
    # 20 for the list, 3 for the sidebar (steering, adding an indicator, importing: issue 13)
    with django_assert_max_num_queries(23):
        client.get("/incidents/", {"state": ["triaged"], "unit": net.units["prov_a"].pk})
