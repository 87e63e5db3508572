"""The indicator list's export menu follows the filters just applied with htmx (issue 13):
it is refreshed out of band with the results."""

import pytest

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_indicator_export_menu_is_refreshed_out_of_band_with_the_filters(net, client):
    client.force_login(net.users["a_analyst"])
    full = client.get("/intel/indicators/").content.decode()
    assert full.count('id="indicator-exports"') == 1 and "hx-swap-oob" not in full
    part = client.get("/intel/indicators/", {"type": "domain", "q": "evil"}, **HTMX).content.decode()
    assert '<div id="indicator-exports" hx-swap-oob="true">' in part
    assert "type=domain&amp;q=evil" in part and 'data-testid="export-' in part
