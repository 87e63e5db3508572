"""The DOCX report of one incident: its content read back with python-docx, the TLP label
on every page, access (NotFound for a sibling province) and the audit entries, through
the service, the page, the API and the CLI."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document

from vigil.core.actors import Actor
from vigil.core.errors import NotFound
from vigil.core.models import TLP, AuditEntry
from vigil.incidents.documents.incident_docx import EXPORT_ACTION, incident_report_export
from vigil.incidents.models import (
    Incident,
    IncidentClass,
    IncidentType,
    IncidentUnit,
    Observable,
    TimelineEvent,
)

pytestmark = pytest.mark.django_db

_seq = [0]


def make_taxonomy():
    klass, _ = IncidentClass.objects.get_or_create(
        code="malicious-code", defaults={"name": "Mã độc", "name_en": "Malicious code"}
    )
    itype, _ = IncidentType.objects.get_or_create(
        code="malicious-code:infected-system",
        defaults={"klass": klass, "name": "Hệ thống nhiễm mã độc", "name_en": "Infected system"},
    )
    other, _ = IncidentClass.objects.get_or_create(
        code="availability", defaults={"name": "Tính sẵn sàng", "name_en": "Availability"}
    )
    dos, _ = IncidentType.objects.get_or_create(
        code="availability:ddos", defaults={"klass": other, "name": "Tấn công từ chối dịch vụ", "name_en": "DDoS"}
    )
    return {"klass": klass, "type": itype, "other": other, "dos": dos}


def make_incident(owner, *, tlp=TLP.AMBER, title="Máy chủ nhiễm mã độc", received_at=None, ack_h=None,
                  res_h=None, state=Incident.State.IN_PROGRESS, severity="high", itype=None, lead=None, **extra):
    _seq[0] += 1
    received_at = received_at or timezone.now() - dt.timedelta(days=2)
    return Incident.objects.create(
        reference=f"SC-TEST-{_seq[0]:05d}", title=title, owner_unit=owner, tlp=tlp, state=state,
        severity=severity, incident_type=itype, lead_unit=lead, received_at=received_at,
        detected_at=received_at - dt.timedelta(hours=1),
        acknowledged_at=received_at + dt.timedelta(hours=ack_h) if ack_h is not None else None,
        resolved_at=received_at + dt.timedelta(hours=res_h) if res_h is not None else None, **extra,
    )


@pytest.fixture
def incident(net):
    tax = make_taxonomy()
    inc = make_incident(
        net.prov_a, title="MARKER-A-INCIDENT máy chủ cổng thông tin", itype=tax["type"], lead=net.prov_a, ack_h=1.5,
        root_cause="Lỗ hổng chưa vá trên máy chủ web", lessons_learned="Vá lỗ hổng trong 48 giờ",
        description="Phát hiện tiến trình lạ.",
    )
    IncidentUnit.objects.create(incident=inc, unit=net.prov_a, role="lead", answer="accepted")
    IncidentUnit.objects.create(incident=inc, unit=net.ministry, role="support", answer="declined",
                                reason="Không thuộc phạm vi")
    Observable.objects.create(incident=inc, kind="domain", value="evil.example.com")
    Observable.objects.create(incident=inc, kind="url", value="http://evil.example.com/a.php")
    TimelineEvent.objects.create(incident=inc, kind="received", text="Tiếp nhận báo cáo", actor_name="Phạm Thị A")
    return inc


def read(content: bytes) -> tuple[Document, str]:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return doc, "\n".join(parts)


def test_report_holds_title_reference_and_every_section(net, incident):
    produced = incident_report_export(actor=Actor(user=net.a_analyst), incident_id=incident.pk)
    doc, text = read(produced.content)
    assert produced.filename == f"bao-cao-su-co_{incident.reference}.docx"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "BÁO CÁO" in text
    assert f"Sự cố an toàn thông tin mạng {incident.reference}" in text
    for heading in ("THÔNG TIN CHUNG", "HỆ THỐNG THÔNG TIN BỊ ẢNH HƯỞNG", "DIỄN BIẾN VÀ CÁC BƯỚC XỬ LÝ",
                    "DẤU HIỆU KỸ THUẬT", "ĐƠN VỊ THAM GIA XỬ LÝ", "NHIỆM VỤ XỬ LÝ", "BÁO CÁO THEO QUY ĐỊNH",
                    "THỜI HẠN XỬ LÝ (SLA)", "NGUYÊN NHÂN VÀ BÀI HỌC KINH NGHIỆM"):
        assert heading in text, heading
    assert "Lỗ hổng chưa vá trên máy chủ web" in text
    assert "Vá lỗ hổng trong 48 giờ" in text
    assert "Không thuộc phạm vi" in text  # a unit's answer and reason
    assert "Nơi nhận:" in text


def test_observables_are_defanged(net, incident):
    _doc, text = read(incident_report_export(actor=Actor(user=net.a_analyst), incident_id=incident.pk).content)
    assert "evil[.]example[.]com" in text
    assert "hxxp://evil[.]example[.]com/a.php" in text
    assert "http://evil.example.com" not in text


def test_tlp_label_is_at_the_top_of_every_page(net, incident):
    doc, _text = read(incident_report_export(actor=Actor(user=net.a_analyst), incident_id=incident.pk).content)
    section = doc.sections[0]
    assert "TLP:AMBER" in section.first_page_header.paragraphs[0].text
    assert "TLP:AMBER" in "\n".join(p.text for p in section.header.paragraphs)
    assert "TLP:AMBER" in "\n".join(p.text for p in section.footer.paragraphs)


def test_report_in_english(net, incident):
    produced = incident_report_export(actor=Actor(user=net.a_analyst), incident_id=incident.pk, language="en")
    _doc, text = read(produced.content)
    assert "SOCIALIST REPUBLIC OF VIET NAM" in text


def test_export_is_audited(net, incident):
    before = AuditEntry.objects.filter(action=EXPORT_ACTION).count()
    incident_report_export(actor=Actor(user=net.a_analyst), incident_id=incident.pk)
    entry = AuditEntry.objects.filter(action=EXPORT_ACTION).order_by("-seq").first()
    assert AuditEntry.objects.filter(action=EXPORT_ACTION).count() == before + 1
    assert entry.object_id == str(incident.pk) and entry.actor == net.a_analyst
    assert entry.after["format"] == "docx"


def test_red_incident_download_records_a_view(net):
    inc = make_incident(net.prov_a, tlp=TLP.RED)
    incident_report_export(actor=Actor(user=net.a_analyst), incident_id=inc.pk)
    assert AuditEntry.objects.filter(action="view", object_id=str(inc.pk)).count() == 1


def test_sibling_province_gets_not_found(net, incident):
    with pytest.raises(NotFound):
        incident_report_export(actor=Actor(user=net.b_analyst), incident_id=incident.pk)
    assert not AuditEntry.objects.filter(action=EXPORT_ACTION, object_id=str(incident.pk)).exists()


def test_page_downloads_the_report(net, incident, login):
    client = login(net.a_analyst)
    response = client.get(f"/incidents/{incident.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert incident.reference in read(response.content)[1]


def test_page_hides_another_province_incident(net, incident, login):
    response = login(net.b_analyst).get(f"/incidents/{incident.pk}/report.docx")
    assert response.status_code == 404
    assert b"MARKER-A-INCIDENT" not in response.content


def test_api_downloads_the_report_and_hides_it_from_a_sibling(net, incident, api_client):
    ok = api_client(net.a_analyst).get(f"/api/v1/incidents/{incident.pk}/report.docx")
    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    hidden = api_client(net.b_analyst).get(f"/api/v1/incidents/{incident.pk}/report.docx")
    assert hidden.status_code == 404


def test_detail_panel_gives_the_button(net, incident, rf):
    from vigil.incidents.views.documents import detail_panel

    ctx = detail_panel(rf.get("/"), incident)
    assert ctx["report_docx_url"] == f"/incidents/{incident.pk}/report.docx"


def test_cli_writes_the_report(net, incident, tmp_path):
    out = tmp_path / "r.docx"
    call_command("incident_report", str(incident.pk), "--out", str(out), "--as", "a_analyst")
    assert incident.reference in read(out.read_bytes())[1]
    with pytest.raises(CommandError):
        call_command("incident_report", str(incident.pk), "--out", str(tmp_path / "x.docx"), "--as", "b_analyst")
