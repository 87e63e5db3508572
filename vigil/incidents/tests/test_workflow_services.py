"""The incident workflow's services: assignment, answers, states, closure, reopening,
tasks with checklists, comments with mentions, observables, evidence, related incidents."""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vigil.core.actors import Actor
from vigil.core.errors import AccessDenied, Conflict, DomainError
from vigil.core.models import AuditEntry, Notification
from vigil.incidents.models import (
    ChecklistTemplate,
    EvidenceFile,
    Incident,
    IncidentClass,
    IncidentType,
    IncidentUnit,
    Observable,
    TimelineEvent,
)
from vigil.incidents.selectors import incidents as incident_sel
from vigil.incidents.services import comments as comment_svc
from vigil.incidents.services import evidence as evidence_svc
from vigil.incidents.services import observables as obs_svc
from vigil.incidents.services import tasks as task_svc
from vigil.incidents.services import workflow as wf

_seq = itertools.count(1)
S = Incident.State


def make_incident(net, owner="prov_a", *, tlp="amber", state=S.TRIAGED, title="Mã độc trên máy chủ", **fields):
    n = next(_seq)
    return Incident.objects.create(
        reference=f"VG-T-{n:05d}", title=title, owner_unit=net.units[owner], tlp=tlp, state=state, **fields
    )


def actor(net, name):
    return Actor(user=net.users[name], channel="web")


def assign(net, incident, lead="prov_a_dept", supports=(), by="a_analyst"):
    return wf.incident_assign(actor=actor(net, by), incident=incident, lead_unit=net.units[lead],
                              supporting_units=[net.units[s] for s in supports], note="Xử lý gấp")


def lead_row(incident):
    return IncidentUnit.objects.get(incident=incident, role="lead", active=True)


# --------------------------------------------------------------------------- assignment and answers


def test_assign_creates_units_and_moves_to_assigned(net, django_capture_on_commit_callbacks):
    inc = make_incident(net)
    with django_capture_on_commit_callbacks(execute=True):
        assign(net, inc, supports=["prov_a_sub"])
    inc.refresh_from_db()
    assert inc.state == S.ASSIGNED and inc.lead_unit == net.units["prov_a_dept"]
    rows = IncidentUnit.objects.filter(incident=inc)
    assert {(r.unit.code, r.role, r.answer) for r in rows} == {
        ("tinh-a-sotc", "lead", "pending"), ("tinh-a-tb", "support", "pending")}
    assert TimelineEvent.objects.filter(incident=inc, kind="assigned").exists()
    assert AuditEntry.objects.filter(action="incidents.incident.assign").exists()
    assert Notification.objects.filter(kind=wf.ASSIGNED, recipient=net.users["a_dept"]).exists()


def test_assign_new_incident_is_refused(net):
    inc = make_incident(net, state=S.NEW)
    with pytest.raises(Conflict) as exc:
        assign(net, inc)
    assert "phân loại" in str(exc.value.message)


def test_assign_needs_change_on_incident(net):
    inc = make_incident(net)
    with pytest.raises(AccessDenied):
        assign(net, inc, by="b_analyst")


def test_replacing_lead_deactivates_old_row(net):
    inc = make_incident(net)
    assign(net, inc)
    wf.incident_assign(actor=actor(net, "agency_analyst"), incident=inc, lead_unit=net.units["ministry"],
                       supporting_units=[], note="")
    rows = IncidentUnit.objects.filter(incident=inc, role="lead")
    assert {(r.unit.code, r.active) for r in rows} == {("tinh-a-sotc", False), ("bo-x", True)}
    inc.refresh_from_db()
    assert inc.lead_unit.code == "bo-x"


def test_only_members_of_the_unit_answer(net):
    inc = make_incident(net)
    assign(net, inc)
    row = lead_row(inc)
    for name in ("b_analyst", "agency_analyst", "nobody"):
        with pytest.raises(AccessDenied):
            wf.incident_unit_answer(actor=actor(net, name), incident_unit=row, accept=True)
    wf.incident_unit_answer(actor=actor(net, "a_dept"), incident_unit=row, accept=True)
    row.refresh_from_db()
    assert row.answer == "accepted" and row.answered_by == net.users["a_dept"]


def test_lead_acceptance_sets_first_response_once(net):
    inc = make_incident(net)
    assign(net, inc)
    wf.incident_unit_answer(actor=actor(net, "a_dept"), incident_unit=lead_row(inc), accept=True)
    inc.refresh_from_db()
    first = inc.first_response_at
    assert first is not None
    with pytest.raises(Conflict):
        wf.incident_unit_answer(actor=actor(net, "a_dept"), incident_unit=lead_row(inc), accept=True)


def test_decline_requires_reason_and_returns_to_triaged(net, django_capture_on_commit_callbacks):
    inc = make_incident(net)
    assign(net, inc)
    with pytest.raises(DomainError) as exc:
        wf.incident_unit_answer(actor=actor(net, "a_dept"), incident_unit=lead_row(inc), accept=False, reason=" ")
    assert exc.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        wf.incident_unit_answer(actor=actor(net, "a_dept"), incident_unit=lead_row(inc), accept=False,
                                reason="Không thuộc thẩm quyền")
    inc.refresh_from_db()
    assert inc.state == S.TRIAGED and inc.lead_unit is None
    assert Notification.objects.filter(kind=wf.ANSWERED, recipient=net.users["a_analyst"]).exists()


def test_supporting_unit_sees_the_incident(net):
    from vigil.incidents.selectors.incidents import incident_get

    inc = make_incident(net, owner="prov_a")
    wf.incident_assign(actor=actor(net, "agency_analyst"), incident=inc, lead_unit=net.units["prov_a"],
                       supporting_units=[net.units["prov_b"]])
    assert incident_get(user=net.users["b_analyst"], pk=inc.pk) == inc


# --------------------------------------------------------------------------- states


def _to_in_progress(net, inc):
    assign(net, inc)
    wf.incident_unit_answer(actor=actor(net, "a_dept"), incident_unit=lead_row(inc), accept=True)
    return wf.incident_transition(actor=actor(net, "a_analyst"), incident=inc, to_state=S.IN_PROGRESS)


def test_in_progress_needs_lead_acceptance(net):
    inc = make_incident(net)
    assign(net, inc)
    with pytest.raises(Conflict):
        wf.incident_transition(actor=actor(net, "a_analyst"), incident=inc, to_state=S.IN_PROGRESS)


def test_full_lifecycle(net):
    inc = make_incident(net)
    _to_in_progress(net, inc)
    wf.incident_transition(actor=actor(net, "a_dept"), incident=inc, to_state=S.CONTAINED, note="Đã cô lập")
    with pytest.raises(DomainError) as exc:
        wf.incident_transition(actor=actor(net, "a_dept"), incident=inc, to_state=S.RESOLVED)
    assert exc.value.field == "resolution"
    wf.incident_transition(actor=actor(net, "a_dept"), incident=inc, to_state=S.RESOLVED, resolution="Đã gỡ mã độc")
    inc.refresh_from_db()
    assert inc.resolved_at and inc.resolution == "Đã gỡ mã độc"
    with pytest.raises(DomainError) as exc:
        wf.incident_close(actor=actor(net, "a_analyst"), incident=inc, root_cause="Mật khẩu yếu", lessons_learned="")
    assert exc.value.field == "lessons_learned"
    wf.incident_close(actor=actor(net, "a_analyst"), incident=inc, root_cause="Mật khẩu yếu",
                      lessons_learned="Bật xác thực hai lớp")
    inc.refresh_from_db()
    assert inc.state == S.CLOSED and inc.closed_at and inc.root_cause == "Mật khẩu yếu"
    wf.incident_reopen(actor=actor(net, "a_analyst"), incident=inc, reason="Tái nhiễm")
    inc.refresh_from_db()
    assert inc.state == S.IN_PROGRESS and inc.closed_at is None
    kinds = list(TimelineEvent.objects.filter(incident=inc).values_list("kind", flat=True))
    assert "closed" in kinds and "reopened" in kinds


@pytest.mark.parametrize("state,target", [
    (S.TRIAGED, S.IN_PROGRESS), (S.NEW, S.RESOLVED), (S.IN_PROGRESS, S.ASSIGNED), (S.CLOSED, S.CONTAINED),
    (S.MERGED, S.IN_PROGRESS),
])
def test_illegal_transitions_name_the_current_state(net, state, target):
    inc = make_incident(net, state=state)
    with pytest.raises(Conflict) as exc:
        wf.incident_transition(actor=actor(net, "a_analyst"), incident=inc, to_state=target, note="x")
    assert str(Incident.State(state).label) in str(exc.value.message)


def test_close_only_when_resolved_and_reopen_needs_reason(net):
    inc = make_incident(net, state=S.IN_PROGRESS)
    with pytest.raises(Conflict):
        wf.incident_close(actor=actor(net, "a_analyst"), incident=inc, root_cause="a", lessons_learned="b")
    with pytest.raises(Conflict):
        wf.incident_reopen(actor=actor(net, "a_analyst"), incident=inc, reason="x")
    inc = make_incident(net, state=S.RESOLVED)
    with pytest.raises(DomainError) as exc:
        wf.incident_reopen(actor=actor(net, "a_analyst"), incident=inc, reason="")
    assert exc.value.field == "reason"


def test_transition_refused_to_outsider(net):
    inc = make_incident(net, state=S.IN_PROGRESS)
    with pytest.raises(AccessDenied):
        wf.incident_transition(actor=actor(net, "b_analyst"), incident=inc, to_state=S.CONTAINED)


# --------------------------------------------------------------------------- tasks


def test_task_from_template_and_checklist(net):
    klass = IncidentClass.objects.create(code="malicious-code", name="Mã độc", name_en="Malicious code")
    itype = IncidentType.objects.create(klass=klass, code="malicious-code:infected-system", name="Nhiễm mã độc",
                                        name_en="Infected system")
    tpl = ChecklistTemplate.objects.create(code="malware", name="Xử lý mã độc", name_en="Malware", klass=klass,
                                           items=[{"text": "Cô lập máy", "text_en": "Isolate"}, {"text": "Thu thập mẫu"}])
    ChecklistTemplate.objects.create(code="phishing", name="Lừa đảo", name_en="Phishing",
                                     klass=IncidentClass.objects.create(code="fraud", name="Gian lận", name_en="Fraud"))
    inc = make_incident(net, incident_type=itype)
    assign(net, inc)
    assert [t.code for t in incident_sel.checklist_templates(inc)] == ["malware"]
    with pytest.raises(DomainError) as exc:
        task_svc.task_create(actor=actor(net, "a_analyst"), incident=inc, unit=net.units["prov_a_dept"],
                             template=tpl, assignee=net.users["a_analyst"])
    assert exc.value.field == "assignee"
    task = task_svc.task_create(actor=actor(net, "a_analyst"), incident=inc, unit=net.units["prov_a_dept"],
                                template=tpl, assignee=net.users["a_dept"])
    assert task.title == "Xử lý mã độc"
    items = list(task.items.all())
    assert [i.text for i in items] == ["Cô lập máy", "Thu thập mẫu"]
    with pytest.raises(Conflict):
        task_svc.task_complete(actor=actor(net, "a_dept"), task=task)
    for item in items:
        task_svc.item_set(actor=actor(net, "a_dept"), item=item, done=True)
    task_svc.task_complete(actor=actor(net, "a_dept"), task=task)
    task.refresh_from_db()
    assert task.status == "done" and task.done_at


def test_task_unit_must_handle_the_incident(net):
    inc = make_incident(net)
    with pytest.raises(DomainError) as exc:
        task_svc.task_create(actor=actor(net, "a_analyst"), incident=inc, unit=net.units["prov_b"], title="X")
    assert exc.value.field == "unit"


def test_task_force_complete_and_cancel(net):
    inc = make_incident(net)
    task = task_svc.task_create(actor=actor(net, "a_analyst"), incident=inc, unit=net.units["prov_a"],
                                title="Rà soát", items=["Bước 1"])
    task_svc.task_complete(actor=actor(net, "a_analyst"), task=task, force=True)
    other = task_svc.task_create(actor=actor(net, "a_analyst"), incident=inc, unit=net.units["prov_a"], title="B")
    with pytest.raises(DomainError):
        task_svc.task_cancel(actor=actor(net, "a_analyst"), task=other, reason="")
    task_svc.task_cancel(actor=actor(net, "a_analyst"), task=other, reason="Trùng")
    with pytest.raises(Conflict):
        task_svc.task_cancel(actor=actor(net, "a_analyst"), task=other, reason="Trùng")


# --------------------------------------------------------------------------- comments


def test_mentions_notify_only_those_who_can_see(net, django_capture_on_commit_callbacks):
    inc = make_incident(net, tlp="amber")
    with django_capture_on_commit_callbacks(execute=True):
        c = comment_svc.comment_add(actor=actor(net, "a_analyst"), incident=inc,
                                    body="@a_head xem giúp, cc @b_analyst và @khongtontai")
    assert list(c.mentions.values_list("username", flat=True)) == ["a_head"]
    assert Notification.objects.filter(kind=wf.MENTIONED, recipient=net.users["a_head"]).exists()
    assert not Notification.objects.filter(kind=wf.MENTIONED, recipient=net.users["b_analyst"]).exists()


def test_comment_by_handler_sets_first_response(net):
    inc = make_incident(net, reported_by=net.users["a_analyst"])
    assign(net, inc, lead="prov_a")
    comment_svc.comment_add(actor=actor(net, "a_analyst"), incident=inc, body="Tôi là người báo cáo")
    inc.refresh_from_db()
    assert inc.first_response_at is None
    comment_svc.comment_add(actor=actor(net, "a_head"), incident=inc, body="Đã tiếp nhận")
    inc.refresh_from_db()
    assert inc.first_response_at is not None


def test_empty_comment_refused(net):
    inc = make_incident(net)
    with pytest.raises(DomainError) as exc:
        comment_svc.comment_add(actor=actor(net, "a_analyst"), incident=inc, body="  ")
    assert exc.value.field == "body"


# --------------------------------------------------------------------------- observables


def test_observable_stored_refanged(net):
    inc = make_incident(net)
    obs = obs_svc.observable_add(actor=actor(net, "a_analyst"), incident=inc, value="hxxp://evil[.]com")
    assert (obs.kind, obs.value) == ("url", "http://evil.com")
    with pytest.raises(Conflict):
        obs_svc.observable_add(actor=actor(net, "a_analyst"), incident=inc, value="http://evil.com")
    with pytest.raises(DomainError) as exc:
        obs_svc.observable_add(actor=actor(net, "a_analyst"), incident=inc, kind="ipv4", value="300.1.1.1")
    assert exc.value.field == "value"
    obs_svc.observable_remove(actor=actor(net, "a_analyst"), observable=obs)
    assert not Observable.objects.filter(incident=inc).exists()


def test_seen_in_other_visible_incidents_only(net):
    from vigil.incidents.selectors.incidents import seen_elsewhere

    a1 = make_incident(net, tlp="amber")
    a2 = make_incident(net, tlp="amber")
    b1 = make_incident(net, owner="prov_b", tlp="amber")
    for inc, who in ((a1, "a_analyst"), (a2, "a_analyst"), (b1, "b_analyst")):
        obs_svc.observable_add(actor=actor(net, who), incident=inc, value="1.2.3[.]4")
    rows = list(Observable.objects.filter(incident=a1))
    seen = seen_elsewhere(net.users["a_analyst"], a1, rows)
    assert [i.pk for i in seen[rows[0].pk]] == [a2.pk]


# --------------------------------------------------------------------------- evidence and related


def test_evidence_upload_checks_and_hash(net, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    inc = make_incident(net)
    ev = evidence_svc.evidence_upload(actor=actor(net, "a_analyst"), incident=inc,
                                      upload=SimpleUploadedFile("log.txt", b"dong 1\n"))
    assert ev.size == 7 and len(ev.sha256) == 64 and ev.content_type == "text/plain"
    with pytest.raises(DomainError) as exc:
        evidence_svc.evidence_upload(actor=actor(net, "a_analyst"), incident=inc,
                                     upload=SimpleUploadedFile("x.exe", b"MZ\x90"))
    assert exc.value.field == "file"
    with pytest.raises(DomainError):
        evidence_svc.evidence_upload(actor=actor(net, "a_analyst"), incident=inc,
                                     upload=SimpleUploadedFile("fake.pdf", b"not a pdf"))


def test_evidence_file_removed_when_transaction_fails(net, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    inc = make_incident(net)

    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(evidence_svc.audit, "record", boom)
    with pytest.raises(RuntimeError):
        evidence_svc.evidence_upload(actor=actor(net, "a_analyst"), incident=inc,
                                     upload=SimpleUploadedFile("log.txt", b"abc"))
    assert not EvidenceFile.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_related_link_requires_both_visible(net):
    a1 = make_incident(net)
    a2 = make_incident(net)
    b1 = make_incident(net, owner="prov_b")
    wf.related_link(actor=actor(net, "a_analyst"), incident=a1, other=a2)
    assert list(a2.related.all()) == [a1]
    with pytest.raises(DomainError):
        wf.related_link(actor=actor(net, "a_analyst"), incident=a1, other=b1)
    wf.related_unlink(actor=actor(net, "a_analyst"), incident=a1, other=a2)
    assert not a1.related.exists()
