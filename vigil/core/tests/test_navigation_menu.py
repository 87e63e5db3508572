"""Who sees which menu entry (each rule of `NavEntry.needs`), and that no entry shown to a
user leads to a refusal: every entry of every test user's menu answers 200 for that user,
and the entries with a rule are shown exactly to those their page lets in."""

from datetime import date

import pytest
from django.urls import reverse

from tests.test_access_matrix import session_client, world  # noqa: F401  (the fixture)
from vigil.core.navigation import NavEntry, _allowed, entries_for, menu_for, registered_entries
from vigil.testing import make_user

pytestmark = pytest.mark.django_db

STEERING = {"program:my_unit_tasks", "program:task_list", "program:meeting_list", "program:programme_list",
            "program:office_matrix", "program:calendar", "program:timeline", "program:inspection_list",
            "program:report_premeeting"}
# Entries whose rule is narrower than "a member": their page refuses (403) whoever the
# menu leaves them out for.
GUARDED = {"intel:indicator_create", "intel:import_upload", "core:audit_list", "core:role_list"}


def names(user) -> set[str]:
    return {e.url_name for e in entries_for(user)}


def ministry_user(net):
    return make_user(net, "m_analyst", net.units["ministry"], "analyst", full_name="Bộ X Phân Tích")


def a_source(net):
    from vigil.intel.models import Source

    return Source.objects.create(owner_unit=net.units["prov_a"], name="Nguồn tỉnh A", created_by=net.users["a_analyst"])


def test_every_entry_of_every_app_names_a_known_rule(net):
    for entry in registered_entries():
        reverse(entry.url_name)
        _allowed(entry, net.users["office_staff"])  # raises on an unknown rule
    with pytest.raises(ValueError):
        _allowed(NavEntry("x", "core:dashboard", needs="superpowers"), net.users["office_staff"])


def test_a_user_without_an_active_membership_has_no_menu(net):
    assert menu_for(net.users["nobody"]) == []


def test_intel_import_only_for_those_who_may_import_into_a_source(net):
    assert not any("intel:import_upload" in names(u) for u in net.users.values() if u.username != "admin")
    a_source(net)
    shown = {name for name, u in net.users.items() if "intel:import_upload" in names(u)}
    # Province A's source: A's analyst and head, the office (network-wide), the administrator;
    # not province B, not A's department (below the source's unit), not the auditor or a viewer.
    assert shown == {"a_analyst", "a_head", "office_staff", "agency_analyst", "admin"}


def test_adding_an_indicator_only_for_those_who_hold_add_on_a_unit(net):
    shown = {name for name, u in net.users.items() if "intel:indicator_create" in names(u)}
    assert shown == {"office_staff", "agency_analyst", "a_head", "a_analyst", "a_dept", "b_analyst", "admin"}
    assert "intel:indicator_list" in names(net.users["auditor"])  # reading stays open to every member


def test_audit_log_for_auditors_and_roles_for_the_network_administrator(net):
    assert {n for n, u in net.users.items() if "core:audit_list" in names(u)} == {"auditor", "admin"}
    assert {n for n, u in net.users.items() if "core:role_list" in names(u)} == {"admin"}


def test_steering_for_units_of_the_committee_structure_network_wide_users_and_committee_bodies(net):
    shown = {name for name, u in net.users.items() if STEERING <= names(u)}
    # The office and agency (network-wide), the national committee's members (auditor,
    # viewer), province A (its provincial subcommittee sits under it), the administrator.
    assert shown == {"office_staff", "agency_analyst", "a_head", "a_analyst", "auditor", "national_viewer", "admin"}
    # Province B has no subcommittee and no committee work yet; A's department neither.
    for name in ("b_analyst", "a_dept"):
        assert not STEERING & names(net.users[name])


def test_a_ministry_sees_no_steering_until_it_takes_part_in_the_committees_work(net):
    from vigil.program.models import Meeting, MeetingSite

    user = ministry_user(net)
    assert not STEERING & names(user)
    assert {"org:unit_tree", "incidents:incident_list", "intel:indicator_create"} <= names(user)
    meeting = Meeting.objects.create(body_unit=net.units["national"], title="Phiên họp toàn quốc",
                                     held_on=date(2026, 3, 2), is_online=True)
    MeetingSite.objects.create(meeting=meeting, unit=net.units["ministry"])
    assert STEERING <= names(user)


def test_a_province_with_a_programme_sees_steering(net):
    from vigil.program.models import WorkProgramme

    WorkProgramme.objects.create(unit=net.units["prov_b"], year=2026, title="Chương trình tỉnh B")
    assert STEERING <= names(net.users["b_analyst"])
    assert not STEERING & names(net.users["a_dept"])


def test_each_rule_is_decided_once_per_menu(net, monkeypatch):
    import vigil.program.navigation as program_navigation
    from vigil.core import navigation

    calls = []
    real = program_navigation.takes_part
    monkeypatch.setattr(program_navigation, "takes_part", lambda user: calls.append(user) or real(user))
    navigation._predicate.cache_clear()
    try:
        menu_for(net.users["a_analyst"])
    finally:
        navigation._predicate.cache_clear()
    assert calls == [net.users["a_analyst"]]  # nine steering entries, one decision


def test_the_menu_of_a_committee_member_costs_few_queries(net, django_assert_max_num_queries):
    user = net.users["a_analyst"]
    entries_for(user)  # warm the scope
    # steering: one query (A's unit has a committee body under it); adding an indicator and
    # importing: one each.
    with django_assert_max_num_queries(3):
        menu_for(user)


@pytest.fixture
def world_users(world):  # noqa: F811
    net = world["net"]
    users = dict(net.users)
    users["m_analyst"] = ministry_user(net)
    return users


def test_every_entry_shown_opens_for_its_user(world_users):
    """No menu entry leads to 403 or 404: each user of the access matrix's world (and a
    ministry user) opens every entry of their menu."""
    failures = []
    for name, user in world_users.items():
        client = session_client(user)
        for entry in entries_for(user):
            resp = client.get(reverse(entry.url_name), follow=True)
            if resp.status_code != 200:
                failures.append((name, entry.url_name, resp.status_code))
    assert failures == []


def test_guarded_entries_are_shown_exactly_to_those_their_page_lets_in(world_users):
    """The rule and the page agree both ways: hidden means the page refuses."""
    entries = [e for e in registered_entries() if e.url_name in GUARDED]
    assert {e.url_name for e in entries} == GUARDED
    disagreements = []
    for name, user in world_users.items():
        if name == "nobody":
            continue
        client = session_client(user)
        shown = names(user)
        for entry in entries:
            opens = client.get(reverse(entry.url_name)).status_code == 200
            if opens != (entry.url_name in shown):
                disagreements.append((name, entry.url_name, opens))
    assert disagreements == []
