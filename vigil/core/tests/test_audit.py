"""The audit log: append-only, hash-chained, verified by the CLI, read by auditors only."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from vigil.core import audit
from vigil.core.actors import Actor
from vigil.core.models import TLP, AuditEntry
from vigil.org.models import MembershipDecision
from vigil.org.services.units import unit_update
from vigil.testing import make_user

from .conftest import audit_triggers_dropped

pytestmark = pytest.mark.django_db


def verify_cli():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- the chain


def test_verify_reports_ok_with_the_number_of_entries(net):
    count = AuditEntry.objects.count()
    assert count > 0  # the network was built through services
    code, out, _err = verify_cli()
    assert code == 0 and out.strip() == f"OK: {count} entries"


def test_verify_names_an_altered_entry(net):
    target = AuditEntry.objects.order_by("seq")[3]
    with audit_triggers_dropped():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditentry SET object_repr = %s WHERE seq = %s", ["forged", target.seq])
    code, _out, err = verify_cli()
    assert code == 1
    assert f"seq {target.seq} altered" in err
    assert f"bản ghi số {target.seq} bị sửa đổi" in err


def test_verify_names_a_deleted_entry_as_missing(net):
    target = AuditEntry.objects.order_by("seq")[2]
    with audit_triggers_dropped():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [target.seq])
    code, _out, err = verify_cli()
    assert code == 1 and f"seq {target.seq} missing" in err


def test_verify_notices_the_last_entry_removed(net):
    last = AuditEntry.objects.order_by("-seq").first()
    with audit_triggers_dropped():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry WHERE seq = %s", [last.seq])
    code, _out, err = verify_cli()
    assert code == 1 and f"seq {last.seq} missing" in err


def test_database_refuses_update_and_delete(net):
    entry = AuditEntry.objects.order_by("seq").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.object_repr != "forged"
    assert verify_cli()[0] == 0


def test_service_writes_are_recorded_with_before_and_after(net):
    unit_update(actor=Actor(user=net.a_head), unit=net.prov_a_dept, phone="024 1234")
    entry = AuditEntry.objects.get(action="update", object_type="org.unit", object_id=str(net.prov_a_dept.pk))
    assert entry.before["phone"] == "" and entry.after["phone"] == "024 1234"
    assert entry.actor == net.a_head and entry.unit_id == net.prov_a_dept.pk


def test_record_view_logs_tlp_red_only_and_record_export_logs_always(net):
    def decision(tlp, number):
        return MembershipDecision.objects.create(
            owner_unit=net.prov_a, number=number, date=timezone.localdate(),
            effective_date=timezone.localdate(), issuer="UBND", title="QĐ", tlp=tlp,
        )

    actor = Actor(user=net.a_head, address="10.0.0.1")
    assert audit.record_view(actor, decision(TLP.AMBER, "1")) is None
    red = decision(TLP.RED, "2")
    entry = audit.record_view(actor, red)
    assert entry.action == "view" and entry.object_id == str(red.pk) and entry.unit_id == net.prov_a.pk
    export = audit.record_export(actor, object_type="org.unit", count=12, fmt="csv", filters={"q": "a"})
    assert export.action == "export" and export.after == {"format": "csv", "count": 12, "filters": {"q": "a"}}
    assert verify_cli()[0] == 0


# --------------------------------------------------------------------------- reading it


@pytest.fixture
def trail(net):
    """A few entries in province A and in province B."""
    unit_update(actor=Actor(user=net.a_head), unit=net.prov_a_dept, phone="111")
    unit_update(actor=Actor(user=net.a_head), unit=net.prov_a, phone="222")
    unit_update(actor=Actor(user=net.b_analyst), unit=net.prov_b_dept, phone="333")
    return net


def test_auditor_browses_and_filters_the_log(trail, login):
    net = trail
    client = login(net.auditor)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == AuditEntry.objects.exclude(unit=None).count()
    filtered = client.get("/audit/", {"actor": "b_analy", "action": "update"})
    rows = list(filtered.context["page"].object_list)
    assert [e.object_id for e in rows] == [str(net.prov_b_dept.pk)]
    by_unit = client.get("/audit/", {"unit": net.prov_a.pk, "action": "update"})
    assert {e.object_id for e in by_unit.context["page"].object_list} == {
        str(net.prov_a.pk), str(net.prov_a_dept.pk)
    }
    by_object = client.get("/audit/", {"object_type": "org.unit", "object_id": net.prov_a.pk, "action": "update"})
    assert len(by_object.context["page"].object_list) == 1
    by_text = client.get("/audit/", {"q": "Sở Tài chính tỉnh B"})
    assert all("tỉnh B" in e.object_repr for e in by_text.context["page"].object_list)
    assert by_text.context["page"].paginator.count >= 1
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert client.get("/audit/", {"date_from": tomorrow}).context["page"].paginator.count == 0
    today = timezone.localdate().isoformat()
    assert client.get("/audit/", {"date_from": today, "date_to": today}).context["page"].paginator.count > 0


def test_audit_filter_errors_name_the_field(trail, login):
    client = login(trail.auditor)
    response = client.get("/audit/", {"date_from": "2026-13-45", "date_to": "hôm qua"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="date_from"' in body and 'data-field="date_to"' in body
    reversed_range = client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert 'data-field="date_to"' in reversed_range.content.decode()


def test_audit_list_paginates(trail, login, monkeypatch):
    from vigil.core.views import audit_log

    monkeypatch.setattr(audit_log, "PER_PAGE", 2)
    client = login(trail.auditor)
    first = client.get("/audit/", {"action": "update"})
    assert len(first.context["page"].object_list) == 2 and first.context["page"].has_next()
    assert 'data-testid="audit-next"' in first.content.decode()
    second = client.get("/audit/", {"action": "update", "page": 2})
    assert len(second.context["page"].object_list) == 1


def test_audit_detail_shows_the_diff(trail, login):
    entry = AuditEntry.objects.get(action="update", object_id=str(trail.prov_a.pk), object_type="org.unit")
    response = login(trail.auditor).get(f"/audit/{entry.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-field="phone" ' in body or 'data-field="phone"' in body
    changed = [r for r in response.context["diff"] if r["changed"]]
    assert [r["field"] for r in changed] == ["phone"] and changed[0]["after"] == "222"


def test_provincial_auditor_sees_only_their_province(trail):
    net = trail
    a_auditor = make_user(net, "a_auditor", net.prov_a, "auditor")
    from django.test import Client

    client = Client()
    client.force_login(a_auditor)
    units = {e.unit_id for e in client.get("/audit/").context["page"].object_list}
    assert units and units <= {net.prov_a.pk, net.prov_a_sub.pk, net.prov_a_dept.pk}
    b_entry = AuditEntry.objects.get(action="update", object_id=str(net.prov_b_dept.pk), object_type="org.unit")
    assert client.get(f"/audit/{b_entry.pk}/").status_code == 404


def test_non_auditors_get_403_pages_and_an_empty_api(trail, login, api_client):
    entry = AuditEntry.objects.filter(action="update").first()
    client = login(trail.a_head)
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/{entry.pk}/").status_code == 403
    api = api_client(trail.a_head)
    listing = api.get("/api/v1/core/audit")
    assert listing.status_code == 200 and listing.json() == {"items": [], "count": 0}
    assert api.get(f"/api/v1/core/audit/{entry.pk}").status_code == 404


def test_audit_api_filters_paginates_and_details(trail, api_client):
    net = trail
    api = api_client(net.auditor)
    everything = api.get("/api/v1/core/audit", {"page_size": 2})
    assert everything.status_code == 200
    body = everything.json()
    assert len(body["items"]) == 2 and body["count"] > 2
    updates = api.get("/api/v1/core/audit", {"action": "update", "unit": net.prov_a.pk}).json()
    assert updates["count"] == 2 and {i["unit_code"] for i in updates["items"]} <= {"tinh-a", "tinh-a-sotc"}
    one = updates["items"][0]
    detail = api.get(f"/api/v1/core/audit/{one['id']}").json()
    assert detail["changes"] == [{"field": "phone", "before": "", "after": one["object_repr"] and detail["after"]["phone"]}]
    assert detail["hash"] and detail["prev_hash"]
    bad = api.get("/api/v1/core/audit", {"date_from": "nope"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "date_from"
    reversed_range = api.get("/api/v1/core/audit", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert reversed_range.status_code == 422 and reversed_range.json()["errors"][0]["field"] == "date_to"
