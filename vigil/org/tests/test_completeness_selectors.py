"""Completeness of unit bodies: each missing reason, as-of dates, scope, target date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from vigil.core.errors import AccessDenied, DomainError
from vigil.core.models import AuditEntry
from vigil.org.models import CompletenessTarget
from vigil.org.selectors.completeness import (
    completeness_for_unit,
    completeness_list,
    current_target,
    summary_for,
)
from vigil.org.services.completeness import completeness_target_set
from vigil.org.services.memberships import membership_end
from vigil.org.services.people import person_update
from vigil.org.services.units import unit_create
from vigil.testing import make_user

from .people_factories import SYSTEM, actor, complete_body, member, person

pytestmark = pytest.mark.django_db

ON = date(2025, 6, 1)


def status(net, unit, on=ON, user=None):
    return completeness_for_unit(user=user or net.admin, unit=unit, on=on)


def test_a_body_with_everything_is_complete(net):
    complete_body(net.prov_a_sub)
    s = status(net, net.prov_a_sub)
    assert s.complete and s.missing == [] and s.members == 5 and s.min_members == 5
    assert s.last_decision_date == date(2025, 3, 1)


def test_each_missing_reason(net):
    _d, people = complete_body(net.prov_a_sub)
    head, focal, *_members = people
    membership_end(actor=SYSTEM, membership=head.memberships.get(), until=date(2025, 5, 1))
    s = status(net, net.prov_a_sub)
    assert s.missing_codes == ["no_head", "too_few_members"] and s.members == 4
    assert "4/5" in " ".join(s.missing)
    person_update(actor=SYSTEM, person=focal, is_active=False)  # left the post: no longer counts
    s = status(net, net.prov_a_sub)
    assert s.missing_codes == ["no_head", "no_focal_point", "too_few_members"] and s.members == 3


def test_members_without_a_decision_are_not_complete(net):
    for i, code in enumerate(["head", "secretary", "member", "member", "member"]):
        member(person(net.prov_a_sub, f"Thành viên {i}"), net.prov_a_sub, code)
    s = status(net, net.prov_a_sub)
    assert s.missing_codes == ["no_decision"]
    assert "quyết định" in s.missing[0]


def test_one_person_in_two_roles_counts_once(net):
    p = person(net.prov_a_sub)
    member(p, net.prov_a_sub, "head")
    member(p, net.prov_a_sub, "secretary")
    s = status(net, net.prov_a_sub)
    assert s.has_head and s.has_focal_point and s.members == 1


def test_roles_that_are_not_members_do_not_count(net):
    member(person(net.prov_a_sub), net.prov_a_sub, "analyst")
    assert status(net, net.prov_a_sub).members == 0


def test_status_as_of_a_date(net):
    complete_body(net.prov_a_sub, effective=date(2025, 3, 1))
    before = status(net, net.prov_a_sub, on=date(2025, 2, 28))
    assert set(before.missing_codes) == {"no_head", "no_focal_point", "too_few_members", "no_decision"}
    assert status(net, net.prov_a_sub, on=date(2025, 3, 1)).complete


def test_units_without_a_body_have_no_status(net):
    assert status(net, net.prov_a_dept) is None


def test_list_is_scoped_and_filters_incomplete(net):
    complete_body(net.prov_a_sub)
    sub_b = unit_create(actor=SYSTEM, code="tinh-b-tb", name="Tiểu ban tỉnh B", kind="provincial_subcommittee", parent=net.prov_b)
    office_view = {s.unit.code for s in completeness_list(user=net.office_staff, on=ON)}
    assert {"bcd-qg", "tinh-a-tb", "tinh-b-tb"} <= office_view
    a_view = {s.unit.code: s for s in completeness_list(user=net.a_analyst, on=ON)}
    assert set(a_view) == {"tinh-a-tb"} and a_view["tinh-a-tb"].complete
    incomplete = {s.unit.code for s in completeness_list(user=net.office_staff, on=ON, incomplete_only=True)}
    assert "tinh-b-tb" in incomplete and "tinh-a-tb" not in incomplete
    only_b = completeness_list(user=net.office_staff, on=ON, subtree_of=net.prov_b)
    assert [s.unit for s in only_b] == [sub_b]


def test_list_costs_the_same_queries_for_many_units(net, django_assert_max_num_queries):
    for i in range(30):
        unit = unit_create(actor=SYSTEM, code=f"tb-{i}", name=f"Tổ {i}", kind="working_group", parent=net.prov_b)
        member(person(unit, f"Tổ trưởng {i}"), unit, "head")
    with django_assert_max_num_queries(4):
        rows = completeness_list(user=net.admin, on=ON)
    assert len(rows) >= 32 and any(r.members == 1 for r in rows)


def test_target_needs_network_wide_approve(net):
    with pytest.raises(AccessDenied):
        completeness_target_set(actor=actor(net.office_staff), target_date=date(2025, 12, 31))
    with pytest.raises(AccessDenied):
        completeness_target_set(actor=actor(net.a_head), target_date=date(2025, 12, 31))
    chief = make_user(net, "office_chief", net.office, "head")
    t = completeness_target_set(actor=actor(chief), target_date=date(2025, 12, 31), note="Theo Kết luận số 5")
    assert current_target(user=chief).target_date == date(2025, 12, 31) and t.set_by == chief
    assert AuditEntry.objects.filter(action="set_target", actor=chief).exists()
    completeness_target_set(actor=actor(net.admin), target_date=date(2026, 3, 31))
    assert current_target(user=net.a_analyst).target_date == date(2026, 3, 31)
    assert CompletenessTarget.objects.count() == 2  # history kept


def test_target_needs_a_date(net):
    with pytest.raises(DomainError) as exc:
        completeness_target_set(actor=actor(net.admin), target_date="mai")
    assert exc.value.field == "target_date"


def test_summary_counts_and_target_passed(net):
    complete_body(net.prov_a_sub, effective=date(2025, 1, 1))
    today = timezone.localdate()
    completeness_target_set(actor=actor(net.admin), target_date=today - timedelta(days=1))
    s = summary_for(net.office_staff)
    assert s["complete"] == 1 and s["incomplete"] == s["total"] - 1 >= 1
    assert s["target_passed"] is True and s["target_date"] == today - timedelta(days=1)
    completeness_target_set(actor=actor(net.admin), target_date=today + timedelta(days=30))
    assert summary_for(net.a_analyst) == {
        "total": 1, "complete": 1, "incomplete": 0, "target_date": today + timedelta(days=30),
        "target_passed": False, "on": today,
    }
    from django.contrib.auth.models import AnonymousUser

    assert summary_for(AnonymousUser())["total"] == 0


def test_progress_counts_units_complete_month_by_month_against_the_target_date(net, django_assert_max_num_queries):
    """Province A's body became complete on 1 March (its decision's effective date): the
    months before read 0 of 1, March on reads 1 of 1; the pace to the target date is what is
    left spread over the months to it."""
    from vigil.org.selectors.completeness import completeness_progress, completeness_progress_chart

    complete_body(net.prov_a_sub, effective=date(2025, 3, 1))
    completeness_target_set(actor=actor(net.admin), target_date=date(2025, 9, 30))
    with django_assert_max_num_queries(10):  # one count per date, however many units
        mine = completeness_progress(user=net.a_analyst, on=date(2025, 6, 15))
    assert mine.points == [(date(2025, 2, 1), 0), (date(2025, 3, 1), 1), (date(2025, 4, 1), 1),
                           (date(2025, 5, 1), 1), (date(2025, 6, 1), 1), (date(2025, 6, 15), 1)]
    assert mine.total == 1 and mine.remaining == 0 and mine.per_month is None and not mine.target_missed
    network = completeness_progress(user=net.office_staff, on=date(2025, 6, 15))
    assert network.total >= 2 and network.complete == 1 and network.remaining == network.total - 1
    assert network.months_left == 3 and network.per_month == -(-network.remaining // 3)
    chart = completeness_progress_chart(network)
    assert chart["labels"][-1] == "30/09/2025" and chart["max"] == network.total
    done, goal = chart["datasets"]
    assert done["data"] == [0, 1, 1, 1, 1, 1, None]
    assert goal["data"] == [None] * 5 + [1, network.total] and goal["dash"] is True
    assert chart["rows"][0] == ["01/02/2025", 0, network.total, 0]
    # The date passed with units still incomplete: missed, and the goal is a single point.
    late = completeness_progress(user=net.office_staff, on=date(2025, 10, 15))
    assert late.target_missed and late.months_left is None and late.per_month is None
    late_chart = completeness_progress_chart(late)
    assert late_chart["labels"].index("30/09/2025") == 4  # after 1 Jun … 1 Sep, before 1 Oct: in date order
    assert [v for v in late_chart["datasets"][1]["data"] if v is not None] == [late.total]


def test_progress_pages_show_the_pace_in_both_languages(net, login):
    complete_body(net.prov_a_sub, effective=date(2025, 3, 1))
    today = timezone.localdate()
    completeness_target_set(actor=actor(net.admin), target_date=today + timedelta(days=92))
    client = login(net.office_staff)
    page = client.get("/org/completeness/").content.decode()
    assert 'data-testid="completeness-progress"' in page and "chart-completeness-progress" in page
    assert "phải kiện toàn trước hạn" in page and "đơn vị mỗi tháng" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/org/completeness/").content.decode()
    assert "left to complete by" in page and "a month needed" in page and "phải kiện toàn" not in page
    home = client.get("/").content.decode()
    assert "chart-home-completeness" in home
