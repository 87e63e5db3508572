"""The demo dataset of incidents: five reports from the demo units, each taken as far
along the workflow as a real one would be, so every page has something to show:

- Hà Nội's public-service portal defaced: triaged by the standing agency, led by Hà Nội
  with the agency supporting, accepted, in progress, with a checklist task and a comment;
- a phishing campaign against the Ministry of Finance, reported by e-mail: contained, its
  initial statutory report submitted;
- ransomware at Hồ Chí Minh City: resolved and closed with root cause and lessons;
- a second report of the same phishing campaign, merged into the first;
- a scan of Đà Nẵng's network reported a minute ago, not yet triaged (its SLA clock runs).

Everything goes through the services as the demo users (an analyst of the standing
agency, the provinces' and ministry's focal points), so permissions, timelines, the SLA
targets, the statutory stages and the audit log are real. Idempotent: each report has an
intake key, and a report already stored is left as it is.
"""

from __future__ import annotations

from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.models import User
from vigil.org.models import Unit

from .models import Incident, IncidentUnit
from .selectors import incidents as incident_sel
from .services import comments, intake, observables, stages, tasks, triage, workflow

PORTAL = "demo:portal-defacement"


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username, is_active=True).first()
    return Actor(user=user, channel="cli") if user else None


def _unit(code: str) -> Unit | None:
    return Unit.objects.filter(code=code, is_active=True).first()


def _report(actor: Actor, key: str, **fields) -> Incident | None:
    if Incident.objects.filter(intake_key=key).exists():
        return None  # loaded before: leave it as it is now
    return intake.incident_report(actor=actor, intake_key=key, **fields)


def _lead_row(incident: Incident) -> IncidentUnit:
    return IncidentUnit.objects.get(incident=incident, role=IncidentUnit.Role.LEAD, active=True)


def load(*, actor: Actor) -> list:
    """Load the demo incidents (after the org, program and assets demos); no new login."""
    agency = _actor("phantich")
    hanoi, hcm, finance = _actor("hanoi"), _actor("hcm"), _actor("botaichinh")
    if not all((agency, hanoi, hcm, finance)):
        return []
    _portal(agency, hanoi)
    phishing = _phishing(agency, finance)
    _ransomware(agency, hcm)
    if phishing is not None:
        duplicate = _report(
            finance, "demo:phishing-2", title="Thư giả mạo Tổng cục Thuế gửi cán bộ Vụ Ngân sách",
            description="Thư có đường link tới trang đăng nhập giả mạo, cùng chiến dịch với báo cáo trước.",
            observables_text="hxxps://thuedientu-gdt[.]example/dang-nhap",
        )
        if duplicate is not None:
            triage.incident_merge(actor=agency, duplicate=duplicate, into=phishing,
                                  reason="Cùng chiến dịch lừa đảo, cùng đường link giả mạo.")
    _report(
        _actor("phantich"), "demo:danang-scan", title="Dò quét cổng dịch vụ từ bên ngoài vào mạng Đà Nẵng",
        description="Hệ thống giám sát ghi nhận dò quét cổng 22, 3389 nhằm vào cổng dịch vụ công Đà Nẵng.",
        observables_text="198.51.100.200", reporter_unit=_unit("cqtt"),
    )
    return []


def _portal(agency: Actor, hanoi: Actor) -> None:
    incident = _report(
        hanoi, PORTAL, title="Cổng dịch vụ công Hà Nội bị thay đổi giao diện",
        description="Từ 07:40 trang chủ hiển thị nội dung lạ; người dân không nộp được hồ sơ trực tuyến.",
        observables_text="hxxps://dichvucong.hanoi[.]example/index.php\n203.0.113.130",
        detected_at=timezone.now() - timezone.timedelta(hours=3),
    )
    if incident is None:
        return
    incident = triage.incident_triage(
        actor=agency, incident=incident, incident_type="intrusions:application-compromise", impact=3, urgency=3,
        sector="government",
    )
    incident = workflow.incident_assign(
        actor=agency, incident=incident, lead_unit=_unit("ha-noi"), supporting_units=[_unit("cqtt")],
        note="Hà Nội chủ trì khắc phục; Cơ quan thường trực hỗ trợ phân tích.",
    )
    workflow.incident_unit_answer(actor=hanoi, incident_unit=_lead_row(incident), accept=True)
    incident.refresh_from_db()
    incident = workflow.incident_transition(actor=hanoi, incident=incident, to_state=Incident.State.IN_PROGRESS,
                                            note="Đã chuyển trang chủ sang chế độ bảo trì.")
    template = next(iter(incident_sel.checklist_templates(incident)), None)
    tasks.task_create(actor=hanoi, incident=incident, unit=_unit("ha-noi"), template=template,
                      title="" if template else "Khôi phục cổng từ bản sao lưu sạch",
                      items=() if template else ("Cô lập máy chủ", "Thu thập nhật ký", "Khôi phục"))
    comments.comment_add(actor=agency, incident=incident,
                         body="Đề nghị gửi nhật ký máy chủ web 48 giờ gần nhất để phân tích điểm xâm nhập.")


def _phishing(agency: Actor, finance: Actor) -> Incident | None:
    incident = _report(
        finance, "demo:phishing-1", title="Chiến dịch thư lừa đảo giả mạo Tổng cục Thuế",
        description="Nhiều cán bộ nhận thư yêu cầu đăng nhập để “xác thực mã số thuế”.",
        observables_text="hxxps://thuedientu-gdt[.]example/dang-nhap\nhotro@thuedientu-gdt.example",
        tlp="green",
    )
    if incident is None:
        return Incident.objects.filter(intake_key="demo:phishing-1").first()
    incident = triage.incident_triage(actor=agency, incident=incident, incident_type="fraud:phishing",
                                      impact=2, urgency=3, tlp="green")
    incident = workflow.incident_assign(actor=agency, incident=incident, lead_unit=_unit("bo-tai-chinh"))
    workflow.incident_unit_answer(actor=finance, incident_unit=_lead_row(incident), accept=True)
    incident.refresh_from_db()
    incident = workflow.incident_transition(actor=finance, incident=incident, to_state=Incident.State.IN_PROGRESS)
    observables.observable_add(actor=finance, incident=incident, value="185.220.101.1",
                               note="Máy chủ gửi thư")
    incident = workflow.incident_transition(actor=finance, incident=incident, to_state=Incident.State.CONTAINED,
                                            note="Đã chặn tên miền và địa chỉ gửi thư trên cổng thư điện tử.")
    initial = incident.stage_reports.filter(stage__code="initial").first()
    if initial is not None:
        stages.stage_report_submit(actor=finance, stage_report=initial, data={
            "summary": "Chiến dịch thư lừa đảo giả mạo Tổng cục Thuế nhắm vào cán bộ của Bộ.",
            "detected_at": incident.detected_at.isoformat(),
            "affected_systems": "Hệ thống thư điện tử công vụ của Bộ Tài chính.",
            "impact_scope": "sector",
            "actions_taken": "Chặn tên miền giả mạo; cảnh báo toàn bộ cán bộ; đổi mật khẩu 12 tài khoản đã nhập.",
            "contact": "Hoàng Văn Đức, 0243 000 0000",
        })
    return incident


def _ransomware(agency: Actor, hcm: Actor) -> None:
    incident = _report(
        hcm, "demo:ransomware-hcm", title="Mã độc tống tiền mã hoá dữ liệu tại Sở Tài chính TP.HCM",
        description="5 máy trạm và 1 máy chủ tệp bị mã hoá, có thư đòi tiền chuộc.",
        observables_text="3f786850e387550fdab836ed7e6dc881de23001b3f786850e387550fdab836ed",
        detected_at=timezone.now() - timezone.timedelta(hours=20),
    )
    if incident is None:
        return
    incident = triage.incident_triage(actor=agency, incident=incident, incident_type="malicious-code:infected-system",
                                      impact=3, urgency=4)
    incident = workflow.incident_assign(actor=agency, incident=incident, lead_unit=_unit("ho-chi-minh"))
    workflow.incident_unit_answer(actor=hcm, incident_unit=_lead_row(incident), accept=True)
    incident.refresh_from_db()
    for state, note in ((Incident.State.IN_PROGRESS, "Cô lập mạng của Sở."),
                        (Incident.State.CONTAINED, "Không còn máy mới bị mã hoá.")):
        incident = workflow.incident_transition(actor=hcm, incident=incident, to_state=state, note=note)
    incident = workflow.incident_transition(
        actor=hcm, incident=incident, to_state=Incident.State.RESOLVED,
        resolution="Khôi phục dữ liệu từ bản sao lưu ngoại tuyến; cài lại 6 máy.",
    )
    workflow.incident_close(
        actor=hcm, incident=incident,
        root_cause="Dịch vụ truy cập từ xa (RDP) mở ra Internet với mật khẩu yếu.",
        lessons_learned="Đóng RDP ra Internet, bắt buộc xác thực hai lớp cho truy cập từ xa, kiểm tra sao lưu hằng tháng.",
    )
