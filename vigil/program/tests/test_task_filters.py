"""The committee task list's filters are parsed once (`TaskFilters`) for the page, the API
and the CLI; each error names its field."""

import datetime as dt

import pytest
from django.http import QueryDict

from vigil.core.errors import DomainError, NotFound
from vigil.program.selectors import tasks as sel

from .test_tasks_services import DUE, provinces_task


def test_page_api_and_cli_values_give_the_same_filters(net):
    user = net.users["office_staff"]
    unit_id = net.units["prov_a"].pk
    page = QueryDict(f"unit={unit_id}&subtree=0&relation=lead&due_from=2026-01-01&top_level=on&status=overdue")
    api = {"unit": "tinh-a", "subtree": False, "relation": "lead", "due_from": dt.date(2026, 1, 1),
           "top_level": True, "status": "overdue", "q": "", "parent_id": None}
    assert sel.TaskFilters.parse(user, page) == sel.TaskFilters.parse(user, api)


def test_each_error_names_its_field(net):
    user = net.users["office_staff"]
    for data, field in (
        ({"status": "soon"}, "status"), ({"source": "rumour"}, "source"), ({"relation": "cousin"}, "relation"),
        ({"due_from": "2026-02-30"}, "due_from"), ({"due_from": "2026-03-01", "due_to": "2026-02-01"}, "due_to"),
        ({"unit": "khong-co"}, "unit"), ({"q": "x" * 201}, "q"),
    ):
        with pytest.raises((DomainError, NotFound)) as err:
            sel.TaskFilters.parse(user, data)
        assert err.value.field == field, data


def test_filtered_lists_the_children_of_a_parent(net):
    parent = provinces_task(net)
    children = list(parent.children.all())
    user = net.users["office_staff"]
    f = sel.TaskFilters.parse(user, {"parent_id": str(parent.pk), "due_to": DUE.isoformat()})
    assert {t.pk for t in sel.filtered(user, f)} == {c.pk for c in children}
    f = sel.TaskFilters.parse(user, {"unit": "tinh-b", "relation": "lead", "subtree": "1"})
    assert [t.lead_unit.code for t in sel.filtered(user, f)] == ["tinh-b"]
