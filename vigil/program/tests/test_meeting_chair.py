"""The meeting's chair is chosen among the body's members, pre-filled with its head
(issue 13: the chair was one of every person the user may see, none pre-filled); the
incident's lead unit is pre-filled with the owner unit."""

import pytest

from vigil.program.forms.meetings import MeetingForm
from vigil.program.services import meetings as svc

from .test_meetings_factories import PAST, act

pytestmark = pytest.mark.django_db


def names(form):
    return {p.user.username for p in form.fields["chair"].queryset if p.user_id}


def test_the_chair_is_one_of_the_bodys_members_and_its_head_comes_first(net):
    form = MeetingForm(user=net.a_analyst, initial={"body_unit": net.prov_a.pk})
    # The body's members (the head; an analyst is staff, not a member), not B's people, not the
    # department's, not "nobody" (a member from 2099).
    assert names(form) == {"a_head"}
    assert form.initial["chair"] == net.people["a_head"].pk
    by_code = MeetingForm(user=net.a_analyst, initial={"body_unit": "tinh-a"})
    assert by_code.initial["chair"] == net.people["a_head"].pk


def test_a_posted_body_unit_decides_the_candidates(net):
    form = MeetingForm({"body_unit": str(net.prov_a.pk), "title": "x", "kind": "regular", "held_on": "2026-01-05",
                        "chair": str(net.people["b_analyst"].pk)}, user=net.a_analyst)
    assert not form.is_valid() and "chair" in form.errors


def test_editing_keeps_the_current_chair_even_after_their_membership_ended(net):
    meeting = svc.meeting_create(actor=act(net, "a_analyst"), body_unit=net.prov_a, title="Họp tỉnh A", held_on=PAST,
                                 chair=net.people["a_dept"])  # not a member of the province's body
    form = MeetingForm(user=net.a_analyst, meeting=meeting, initial={"chair": meeting.chair_id})
    assert names(form) == {"a_dept", "a_head"}
    fresh = svc.meeting_create(actor=act(net, "a_analyst"), body_unit=net.prov_a, title="Họp lần hai", held_on=PAST)
    assert MeetingForm(user=net.a_analyst, meeting=fresh).initial["chair"] == net.people["a_head"].pk


def test_the_incident_assign_form_pre_fills_the_owner_unit_as_lead(net, client):
    from vigil.core.actors import Actor
    from vigil.incidents import reference as reference_data
    from vigil.incidents.services import intake, triage

    reference_data.load_all()
    incident = intake.incident_report(actor=Actor(user=net.users["a_analyst"]), title="Dò quét")
    incident = triage.incident_triage(actor=Actor(user=net.users["a_analyst"]), incident=incident,
                                      incident_type="information-gathering:scanner", impact=2, urgency=2)
    client.force_login(net.users["a_head"])
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    start = html.index('name="assign-lead_unit"')
    select = html[start:html.index("</select>", start)]
    assert f'<option value="{incident.owner_unit_id}" selected>' in select

