"""The incident list's filters are parsed once (`lists.IncidentFilters`) for the page, the
API, the CLI and the exports: the same names, the exports' older names as aliases, errors
that name the parameter the caller wrote."""

import datetime as dt

import pytest
from django.http import QueryDict

from vigil.core.errors import DomainError
from vigil.incidents.selectors import lists

from .test_workflow_services import make_incident


def test_a_query_string_and_a_dict_give_the_same_filters(net):
    user = net.users["office_staff"]
    query = QueryDict(mutable=True)
    query.setlist("state", ["new", "triaged"])
    query.update({"unit": net.units["prov_a"].code, "subtree": "0", "tlp": "AMBER", "received_from": "2026-01-01"})
    from_page = lists.IncidentFilters.parse(user, query)
    from_api = lists.IncidentFilters.parse(user, {
        "unit": str(net.units["prov_a"].pk), "subtree": False, "state": "new,triaged", "tlp": ["amber"],
        "received_from": dt.date(2026, 1, 1),
    })
    assert from_page == from_api
    assert from_page.unit == net.units["prov_a"] and not from_page.subtree
    assert from_page.state == ["new", "triaged"] and from_page.tlp == ["amber"]


def test_the_exports_older_names_are_read_and_errors_name_them(net):
    user = net.users["office_staff"]
    f = lists.IncidentFilters.parse(user, {"since": "2026-01-01", "until": "2026-02-01"})
    assert (f.received_from, f.received_to) == (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    for data, field in (
        ({"since": "31/02/2026"}, "since"), ({"received_from": "31/02/2026"}, "received_from"),
        ({"since": "2026-03-01", "until": "2026-02-01"}, "since"), ({"class": "khong-co"}, "class"),
        ({"incident_type": "khong-co"}, "incident_type"), ({"state": "bogus"}, "state"),
        ({"severity": "low,huge"}, "severity"), ({"relation": "cousin"}, "relation"),
        ({"unit": "khong-co"}, "unit"), ({"lead_unit": "²"}, "lead_unit"), ({"q": "x" * 201}, "q"),
    ):
        with pytest.raises(DomainError) as err:
            lists.IncidentFilters.parse(user, data)
        assert err.value.field == field, data


def test_the_page_also_takes_day_first_dates(net):
    user = net.users["office_staff"]
    f = lists.IncidentFilters.parse(user, {"received_to": "15/01/2026"}, day_first=True)
    assert f.received_to == dt.date(2026, 1, 15)
    with pytest.raises(DomainError):
        lists.IncidentFilters.parse(user, {"received_to": "15/01/2026"})


def test_filtered_lists_what_the_filters_say(net):
    top = make_incident(net, owner="prov_a", state="triaged", severity="high")
    make_incident(net, owner="prov_a_dept", state="new")
    make_incident(net, owner="prov_b", state="triaged")
    user = net.users["office_staff"]
    f = lists.IncidentFilters.parse(user, {"unit": "tinh-a", "subtree": "false", "severity": "high"})
    assert [i.pk for i in lists.filtered(user, f)] == [top.pk]
    assert f.as_dict()["unit"] == "tinh-a" and f.as_dict()["severity"] == "high"
