"""The incident's page shows the affected systems the reporter chose (issue 13): by name,
linked, to whoever may see them; as a number to whoever may see the incident but not them."""

import pytest

from vigil.assets.services.systems import system_create
from vigil.core.actors import Actor, system_actor
from vigil.incidents import reference as reference_data
from vigil.incidents.services import intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(net):
    reference_data.load_all()
    portal = system_create(actor=system_actor(), owner_unit=net.units["prov_a_dept"], code="cong-tt",
                           name="Cổng thông tin Sở Tài chính")
    return intake.incident_report(actor=Actor(user=net.users["a_analyst"], channel="web"),
                                  title="Cổng bị thay giao diện", systems=[portal.pk], tlp="clear")


def test_the_reporters_unit_sees_the_system_by_name_with_a_link(net, client, incident):
    client.force_login(net.users["a_analyst"])
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="affected-system"' in html
    assert "Cổng thông tin Sở Tài chính" in html
    assert f"/assets/systems/{incident.systems.get().pk}/" in html
    assert "affected-systems-hidden" not in html


def test_a_reader_who_may_not_see_the_system_gets_its_count_not_its_name(net, client, incident):
    client.cookies["django_language"] = "en"
    client.force_login(net.users["b_analyst"])  # sees a CLEAR incident, not A's registry
    response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cổng thông tin Sở Tài chính" not in html
    assert 'data-testid="affected-systems-hidden"' in html


def test_an_incident_without_systems_shows_no_empty_line(net, client):
    reference_data.load_all()
    bare = intake.incident_report(actor=Actor(user=net.users["a_analyst"], channel="web"), title="Không rõ hệ thống")
    client.force_login(net.users["a_analyst"])
    assert "affected-systems" not in client.get(f"/incidents/{bare.pk}/").content.decode()


def test_the_api_names_visible_systems_and_counts_the_others(net, api_client, incident):
    mine = api_client(net.users["a_analyst"]).get(f"/api/v1/incidents/{incident.pk}").json()
    assert [s["name"] for s in mine["systems"]] == ["Cổng thông tin Sở Tài chính"]
    assert mine["systems"][0]["owner_unit"]["code"] == "tinh-a-sotc" and mine["systems_hidden"] == 0
    theirs = api_client(net.users["b_analyst"]).get(f"/api/v1/incidents/{incident.pk}").json()
    assert theirs["systems"] == [] and theirs["systems_hidden"] == 1
