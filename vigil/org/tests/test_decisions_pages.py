"""Pages: decisions (list, create with upload, items, apply with confirmation, download),
TLP:RED only for recipients with each view audited."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from vigil.core.models import TLP, AuditEntry
from vigil.org.models import Membership, MembershipDecision, Role
from vigil.org.services.decisions import decision_add_item, decision_create

from .people_factories import SYSTEM, actor, pdf_bytes, pdf_upload, person

pytestmark = pytest.mark.django_db


def form_data(net, **kw):
    data = {
        "unit": net.prov_a_sub.pk, "number": "30/QĐ-UBND", "date": "2025-04-01", "effective_date": "2025-04-15",
        "issuer": "Chủ tịch UBND tỉnh A", "title": "Kiện toàn Tiểu ban An ninh mạng tỉnh A", "tlp": "amber",
    }
    data.update(kw)
    return data


def make(net, **kw):
    fields = {"unit": net.prov_a_sub, "number": "31/QĐ", "date": date(2025, 4, 1), "issuer": "UBND tỉnh A",
              "title": "Kiện toàn", "created_by_user": net.a_head}
    fields.update(kw)
    by = fields.pop("created_by_user")
    return decision_create(actor=actor(by), **fields)


def test_create_decision_with_signed_file(net, login):
    client = login(net.a_head)
    assert client.get(reverse("org:decision_create"), {"unit": net.prov_a_sub.pk}).status_code == 200
    resp = client.post(reverse("org:decision_create"), {**form_data(net), "signed_file": pdf_upload()})
    d = MembershipDecision.objects.get(number="30/QĐ-UBND")
    assert resp.status_code == 302 and resp["Location"] == reverse("org:decision_detail", args=[d.pk])
    assert d.signed_file and d.tlp == TLP.AMBER and d.effective_date == date(2025, 4, 15)


def test_create_errors_name_the_field(net, login):
    client = login(net.a_head)
    resp = client.post(reverse("org:decision_create"), form_data(net, effective_date="2025-03-01"))
    assert resp.status_code == 200 and 'data-field="effective_date"' in resp.content.decode()
    fake = SimpleUploadedFile("qd.pdf", b"GIF89a", content_type="application/pdf")
    resp = client.post(reverse("org:decision_create"), {**form_data(net), "signed_file": fake})
    html = resp.content.decode()
    assert 'data-field="signed_file"' in html and "PDF" in html
    with override_settings(VIGIL_MAX_UPLOAD_BYTES=100):
        resp = client.post(reverse("org:decision_create"), {**form_data(net), "signed_file": pdf_upload(size=200)})
    assert 'data-field="signed_file"' in resp.content.decode() and "MB" in resp.content.decode()
    resp = client.post(reverse("org:decision_create"), form_data(net, tlp="red", recipients="khong-ai"))
    assert 'data-field="recipients"' in resp.content.decode()
    assert not MembershipDecision.objects.exists()


def test_items_apply_and_history(net, login):
    d = make(net)
    p = person(net.prov_a_dept, "Văn Thị Ngân")
    client = login(net.a_head)
    resp = client.post(reverse("org:decision_item_add", args=[d.pk]), {
        "action": "appoint", "person": p.pk, "role": Role.objects.get(code="secretary").pk,
    })
    assert resp.status_code == 302
    page = client.get(reverse("org:decision_detail", args=[d.pk])).content.decode()
    assert "Văn Thị Ngân" in page and 'data-testid="decision-apply"' in page
    resp = client.post(reverse("org:decision_item_add", args=[d.pk]), {
        "action": "appoint", "person": p.pk, "role": Role.objects.get(code="secretary").pk,
    })
    assert resp.status_code == 400 and 'data-field="person"' in resp.content.decode()
    confirm = client.get(reverse("org:decision_apply", args=[d.pk]))
    assert confirm.status_code == 200 and "Văn Thị Ngân" in confirm.content.decode()
    assert client.post(reverse("org:decision_apply", args=[d.pk])).status_code == 302
    m = Membership.objects.get(person=p)
    assert m.decision == d and m.since == d.effective_date
    page = client.get(reverse("org:decision_detail", args=[d.pk])).content.decode()
    assert 'data-testid="decision-apply"' not in page and 'data-testid="decision-item-form"' not in page
    # applied: editing pages answer 409, not 500
    assert client.get(reverse("org:decision_edit", args=[d.pk])).status_code == 409
    assert client.post(reverse("org:decision_apply", args=[d.pk])).status_code == 409


def test_apply_failure_is_shown_and_changes_nothing(net, login):
    d = make(net)
    p = person(net.prov_a_dept, "Không Là Thành Viên")
    decision_add_item(actor=SYSTEM, decision=d, action="remove", person=p, role=Role.objects.get(code="member"))
    resp = login(net.a_head).post(reverse("org:decision_apply", args=[d.pk]))
    assert resp.status_code == 400 and "Không Là Thành Viên" in resp.content.decode()
    d.refresh_from_db()
    assert d.status == "draft"


def test_remove_item_and_edit(net, login):
    d = make(net)
    p = person(net.prov_a_dept)
    item = decision_add_item(actor=SYSTEM, decision=d, action="appoint", person=p, role=Role.objects.get(code="member"))
    client = login(net.a_head)
    assert client.post(reverse("org:decision_item_remove", args=[d.pk, item.pk])).status_code == 302
    assert not d.items.exists()
    resp = client.post(reverse("org:decision_edit", args=[d.pk]), {
        "number": "31/QĐ", "date": "2025-04-01", "issuer": "UBND tỉnh A", "title": "Kiện toàn (sửa)", "tlp": "green",
    })
    assert resp.status_code == 302
    d.refresh_from_db()
    assert d.title == "Kiện toàn (sửa)" and d.tlp == "green"


def test_upload_and_download_file(net, login):
    d = make(net)
    client = login(net.a_head)
    resp = client.post(reverse("org:decision_file", args=[d.pk]), {"signed_file": pdf_upload()})
    assert resp.status_code == 302
    resp = client.post(reverse("org:decision_file", args=[d.pk]), {"signed_file": SimpleUploadedFile("a.pdf", b"nope")})
    assert resp.status_code == 400 and 'data-field="signed_file"' in resp.content.decode()
    office = login(net.office_staff)
    resp = office.get(reverse("org:decision_file", args=[d.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == pdf_bytes()
    assert AuditEntry.objects.filter(action="export", object_id=str(d.pk), actor=net.office_staff).exists()


def test_sibling_gets_404_everywhere(net, login):
    d = make(net)
    client = login(net.b_analyst)
    for name in ("decision_detail", "decision_edit", "decision_apply", "decision_file", "decision_item_add"):
        assert client.get(reverse(f"org:{name}", args=[d.pk])).status_code == 404, name
    assert "31/QĐ" not in client.get(reverse("org:decision_list")).content.decode()


def test_visible_but_not_permitted_gets_403(net, login):
    d = make(net)
    client = login(net.a_analyst)
    assert client.get(reverse("org:decision_detail", args=[d.pk])).status_code == 200
    assert client.get(reverse("org:decision_apply", args=[d.pk])).status_code == 403
    assert client.post(reverse("org:decision_apply", args=[d.pk])).status_code == 403


def test_list_filters(net, login):
    make(net)
    make(net, number="32/QĐ", unit=net.prov_a_dept, title="Tổ ứng cứu sự cố")
    client = login(net.office_staff)
    html = client.get(reverse("org:decision_list")).content.decode()
    assert "31/QĐ" in html and "32/QĐ" in html
    html = client.get(reverse("org:decision_list"), {"q": "ứng cứu"}, HTTP_HX_REQUEST="true").content.decode()
    assert "32/QĐ" in html and "31/QĐ" not in html and "<html" not in html


def test_red_decision_only_for_recipients_and_each_view_audited(net, login):
    d = make(net, number="33/QĐ-MẬT", tlp=TLP.RED, recipients=["auditor"])
    office = login(net.office_staff)
    assert office.get(reverse("org:decision_detail", args=[d.pk])).status_code == 404
    assert "33/QĐ-MẬT" not in office.get(reverse("org:decision_list")).content.decode()
    recipient = login(net.auditor)
    for _ in range(2):
        resp = recipient.get(reverse("org:decision_detail", args=[d.pk]))
        assert resp.status_code == 200 and 'data-testid="red-notice"' in resp.content.decode()
    views = AuditEntry.objects.filter(action="view", object_id=str(d.pk), actor=net.auditor)
    assert views.count() == 2 and views.first().channel == "web"
    assert "33/QĐ-MẬT" in recipient.get(reverse("org:decision_list")).content.decode()
    assert views.count() == 3
