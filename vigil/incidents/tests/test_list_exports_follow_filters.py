"""Export links follow the filters just applied with htmx (issue 13): the incident list's
export buttons live in the part htmx replaces."""

import pytest

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_incident_list_export_links_carry_the_filters_of_the_list_shown(net, client):
    client.force_login(net.users["a_analyst"])
    full = client.get("/incidents/").content.decode()
    assert 'href="/incidents/export.csv" data-testid="incident-export-csv"' in full  # no filter yet
    part = client.get("/incidents/", {"state": "new", "severity": "high", "q": "máy chủ"}, **HTMX).content.decode()
    assert "<html" not in part  # the htmx answer is the list's part only
    assert 'href="/incidents/export.csv?state=new&amp;severity=high&amp;q=m%C3%A1y+ch%E1%BB%A7"' in part
    assert 'href="/incidents/export.xlsx?state=new&amp;severity=high&amp;q=m%C3%A1y+ch%E1%BB%A7"' in part


def test_the_filtered_export_link_exports_what_the_list_shows(net, client):
    client.force_login(net.users["a_analyst"])
    response = client.get("/incidents/export.csv?state=new&severity=high")
    assert response.status_code == 200
    assert response["X-Vigil-Export-Rows"] == "0"
