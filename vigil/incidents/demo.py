"""The demo dataset of incidents: six months of reports (`demo.json`: provinces,
ministries, every kind of incident and severity), each taken along the workflow at its own
past times — acknowledged minutes to hours after receipt, assigned, accepted, contained,
resolved and closed days later, a few still open — so that the statistics have real
durations, some SLA clocks ran out (the SLA check runs at the moments the scheduled job
would have), some statutory reports are late, and Hà Nội's webhook has deliveries. Then
five stories of the last days, so every page has something to show:

- Hà Nội's public-service portal defaced: triaged by the standing agency, led by Hà Nội
  with the agency supporting, accepted, in progress, with a checklist task and a comment;
- a phishing campaign against the Ministry of Finance, reported by e-mail: contained, its
  initial statutory report submitted;
- ransomware at Hồ Chí Minh City: resolved and closed with root cause and lessons;
- a second report of the same phishing campaign, merged into the first;
- a scan of Đà Nẵng's network reported a minute ago, not yet triaged (its SLA clock runs).

Everything goes through the services as the demo users (an analyst of the standing
agency, the provinces' and ministry's focal points), so permissions, timelines, the SLA
targets, the statutory stages and the audit log are real; each step runs with the process
clock moved to its moment (time-machine), in chronological order within an incident. The
audit chain orders entries by sequence, not by time, so it verifies as ever. Idempotent:
each report has an intake key, and a report already stored is left as it is; the webhook
is looked up by its unit and name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import time_machine
from django.utils import timezone

from vigil.core.actors import Actor
from vigil.core.models import User
from vigil.org.models import Unit

from .models import Incident, IncidentUnit, StageReport
from .selectors import incidents as incident_sel
from .services import comments, intake, observables, sla, stages, tasks, triage, workflow

PORTAL = "demo:portal-defacement"
DATA_FILE = Path(__file__).resolve().parent / "demo.json"
WEBHOOK_UNIT, WEBHOOK_NAME = "ha-noi", "Trung tâm giám sát an ninh mạng Hà Nội (SOC)"
WEBHOOK_URL = "https://soc.hanoi.example/hooks/vigil"


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
    now = timezone.now()
    since = _members_since(["phantich", "hanoi", "hcm", "botaichinh"])
    _webhook(hanoi, min(max(now - dt.timedelta(days=182), since), now - dt.timedelta(minutes=30)))
    history = json.loads(DATA_FILE.read_text(encoding="utf-8"))["history"]
    for row in sorted(history, key=lambda r: -r["days_ago"]):
        _History(row, now, agency, since).run()
    _portal(agency, hanoi, now)
    phishing = _phishing(agency, finance, now)
    _ransomware(agency, hcm, now)
    if phishing is not None:
        with _at(now - dt.timedelta(hours=20)):
            duplicate = _report(
                finance, "demo:phishing-2", title="Thư giả mạo Tổng cục Thuế gửi cán bộ Vụ Ngân sách",
                description="Thư có đường link tới trang đăng nhập giả mạo, cùng chiến dịch với báo cáo trước.",
                observables_text="hxxps://thuedientu-gdt[.]example/dang-nhap",
            )
        if duplicate is not None:
            with _at(now - dt.timedelta(hours=19, minutes=30)):
                triage.incident_merge(actor=agency, duplicate=duplicate, into=phishing,
                                      reason="Cùng chiến dịch lừa đảo, cùng đường link giả mạo.")
    with _at(now - dt.timedelta(minutes=40)):
        _report(
            _actor("phantich"), "demo:danang-scan", title="Dò quét cổng dịch vụ từ bên ngoài vào mạng Đà Nẵng",
            description="Hệ thống giám sát ghi nhận dò quét cổng 22, 3389 nhằm vào cổng dịch vụ công Đà Nẵng.",
            observables_text="https://dichvucong.danang.example/\n198.18.66.10", reporter_unit=_unit("cqtt"),
        )
    sla.sla_check()  # the scheduled job's run of now: the open incidents whose clocks ran out
    return []


def _members_since(usernames: list[str]) -> dt.datetime:
    """From when every demo login held its post (the org demo dates them a year back; an
    older dataset may have them from today): no past step runs before then."""
    from django.db.models import Min

    from vigil.org.models import Membership

    firsts = (Membership.objects.filter(person__user__username__in=usernames, until__isnull=True)
              .values("person").annotate(first=Min("since")).values_list("first", flat=True))
    day = max(firsts, default=None) or timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


@contextlib.contextmanager
def _at(when: dt.datetime | None):
    """Run a step with the process clock at `when` (None: the real now)."""
    if when is None:
        yield
        return
    with time_machine.travel(when, tick=False):
        yield


def _webhook(hanoi: Actor, when: dt.datetime) -> None:
    """Hà Nội's SOC receives the notifications about Hà Nội (and its departments) as
    signed webhooks; registered months ago with a test event. The demo has no receiver:
    the address does not resolve, so the deliveries are recorded as failed and retried
    (what a user sees while the receiving end is down)."""
    from vigil.core.models import WebhookEndpoint
    from vigil.core.notify import webhooks

    unit = _unit(WEBHOOK_UNIT)
    if unit is None or WebhookEndpoint.objects.filter(unit=unit, name=WEBHOOK_NAME).exists():
        return
    with _at(when):
        endpoint, _secret = webhooks.endpoint_create(
            actor=hanoi, unit=unit, name=WEBHOOK_NAME, url=WEBHOOK_URL, include_descendants=True,
        )
    with _at(when + dt.timedelta(minutes=3)):
        webhooks.endpoint_send_test(actor=hanoi, endpoint=endpoint)


class _History:
    """One past incident of demo.json, taken along the workflow step by step, each step at
    its own moment; before each step the SLA check runs at every moment a clock of the
    incident ran out (as the five-minute job would have)."""

    def __init__(self, row: dict, now: dt.datetime, agency: Actor, since: dt.datetime):
        self.row, self.agency, self.since = row, agency, since
        local = timezone.localtime(now)
        hour = float(row.get("hour", 9))
        received = (local - dt.timedelta(days=row["days_ago"])).replace(
            hour=int(hour), minute=int(round((hour % 1) * 60)), second=0, microsecond=0)
        self.received = min(received, now - dt.timedelta(hours=2))
        self.now = now
        self.incident: Incident | None = None
        self.checked: set[dt.datetime] = set()
        self.last = self.received

    def after(self, *, minutes: float = 0, hours: float = 0) -> dt.datetime | None:
        when = self.received + dt.timedelta(minutes=minutes, hours=hours)
        return when if when < self.now - dt.timedelta(minutes=5) else None

    def step(self, when: dt.datetime | None, action, keep: bool = True):
        """Run `action` at `when` (never before the previous step); skipped when that
        moment has not come yet. Returns the incident as it is after the step."""
        if when is None:
            return self.incident
        when = max(when, self.last + dt.timedelta(minutes=2))
        if when >= self.now - dt.timedelta(minutes=5):
            return self.incident
        self.last = when
        self._sla_until(when)
        with _at(when):
            result = action()
        return result if keep else self.incident

    def _sla_until(self, when: dt.datetime) -> None:
        incident = self.incident
        if incident is None:
            return
        incident.refresh_from_db()
        if incident.state in sla.CLOSED_STATES:
            return
        checks = set()
        for clock, (due_field, met_field, _m) in sla.CLOCKS.items():
            due = getattr(incident, due_field)
            if due is None or getattr(incident, met_field) is not None:
                continue
            # the five-minute job: level 1 just after the due time, level 2 a grace later
            checks |= {due + dt.timedelta(minutes=4), due + sla.escalate_after(incident, clock)
                       + dt.timedelta(minutes=4)}
        for check in sorted(c for c in checks - self.checked if c < when):
            self.checked.add(check)
            with _at(check):
                sla.sla_check(now=check)

    def run(self) -> None:
        self._run()
        if self.incident is not None:  # left open: the clocks that ran out since
            self._sla_until(self.now - dt.timedelta(minutes=5))

    def _run(self) -> None:
        row = self.row
        reporter = _actor(row["by"])
        if (reporter is None or self.received < self.since
                or Incident.objects.filter(intake_key=row["key"]).exists()):
            return
        worker = _actor(row.get("worker") or "phantich")
        until = row["until"]
        with _at(self.received):
            self.incident = intake.incident_report(
                actor=reporter, intake_key=row["key"], title=row["title"], description=row["description"],
                observables_text=row.get("observables", ""), tlp=row.get("tlp", "amber"),
                reporter_unit=_unit(row["unit"]) if row.get("unit") else None,
                detected_at=self.received - dt.timedelta(hours=row.get("detected_h", 1)),
            )
        if until == "new":
            return
        t = row["ack_min"]
        fields = {"sector": row["sector"]} if row.get("sector") else {}
        self.incident = self.step(self.after(minutes=t), lambda: triage.incident_triage(
            actor=self.agency, incident=self.incident, incident_type=row["type"], impact=row["impact"],
            urgency=row["urgency"], **fields))
        t += 10
        self.incident = self.step(self.after(minutes=t), lambda: workflow.incident_assign(
            actor=self.agency, incident=self.incident, lead_unit=_unit(row["lead"])))
        if until == "assigned":
            return
        t += row["accept_min"]
        self.step(self.after(minutes=t), lambda: workflow.incident_unit_answer(
            actor=worker, incident_unit=_lead_row(self.incident), accept=True), keep=False)
        self._urgent_notice(worker)
        t += 20
        self.incident = self.step(self.after(minutes=t), lambda: self._move(worker, Incident.State.IN_PROGRESS,
                                                                            "Đã bắt đầu xử lý, thu thập nhật ký."))
        self._stage(worker, "initial", row.get("initial_h"), self._initial_data)
        if until == "in_progress":
            return
        self.incident = self.step(self.after(minutes=t, hours=row["contain_h"]), lambda: self._move(
            worker, Incident.State.CONTAINED, "Đã ngăn chặn, không còn ảnh hưởng lan rộng."))
        self._stage(worker, "update", row.get("update_h"), self._update_data)
        if until == "contained":
            return
        resolved = self.after(hours=row["resolve_h"])
        self.incident = self.step(resolved, lambda: workflow.incident_transition(
            actor=worker, incident=self.incident, to_state=Incident.State.RESOLVED, resolution=row["resolution"]))
        if until == "resolved" or self.incident.state != Incident.State.RESOLVED:
            return
        closed_h = row["resolve_h"] + row["close_h"]
        self._stage(worker, "final", closed_h - 2, self._final_data)
        self.incident = self.step(self.after(hours=closed_h), lambda: workflow.incident_close(
            actor=worker, incident=self.incident, root_cause=row["cause"], lessons_learned=row["lessons"]))

    def _move(self, worker: Actor, state: str, note: str) -> Incident:
        self.incident.refresh_from_db()
        return workflow.incident_transition(actor=worker, incident=self.incident, to_state=state, note=note)

    def _urgent_notice(self, worker: Actor) -> None:
        if StageReport.objects.filter(incident=self.incident, stage__code="urgent-notice").exists():
            self._stage(worker, "urgent-notice", (self.row["ack_min"] + 45) / 60, self._initial_data)

    def _stage(self, worker: Actor, code: str, hours, data) -> None:
        if hours is None:
            return
        report = (StageReport.objects.filter(incident=self.incident, stage__code=code, submitted_at__isnull=True)
                  .select_related("stage").order_by("sequence").first())
        if report is None:
            return
        fields = {f["name"] for f in stages.stage_fields(report.stage)}
        values = {k: v for k, v in data().items() if k in fields}
        self.step(self.after(hours=hours), lambda: stages.stage_report_submit(
            actor=worker, stage_report=report, data=values), keep=False)

    def _initial_data(self) -> dict:
        incident = self.incident
        return {
            "summary": incident.title, "detected_at": incident.detected_at.isoformat(),
            "affected_systems": incident.description, "impact_scope": "local",
            "actions_taken": "Khoanh vùng, thu thập nhật ký, báo cáo Cơ quan thường trực.",
            "contact": "Đầu mối an ninh mạng của đơn vị (dữ liệu mẫu)",
        }

    def _update_data(self) -> dict:
        return {"progress": "Đã ngăn chặn; đang rà soát các hệ thống liên quan.", "status": "contained",
                "next_steps": "Khắc phục triệt để, kiểm tra lại sau 7 ngày."}

    def _final_data(self) -> dict:
        incident, row = self.incident, self.row
        incident.refresh_from_db()
        return {
            "root_cause": row["cause"], "impact": incident.description, "damage_estimate": 0,
            "measures": row["resolution"], "lessons_learned": row["lessons"],
            "resolved_at": (incident.resolved_at or timezone.now()).isoformat(),
        }


def _portal(agency: Actor, hanoi: Actor, now: dt.datetime) -> None:
    def ago(minutes: int):
        return _at(now - dt.timedelta(minutes=minutes))

    with ago(170):
        incident = _report(
            hanoi, PORTAL, title="Cổng dịch vụ công Hà Nội bị thay đổi giao diện",
            description="Từ 07:40 trang chủ hiển thị nội dung lạ; người dân không nộp được hồ sơ trực tuyến.",
            observables_text="hxxps://dichvucong.hanoi[.]example/index.php\n203.0.113.130",
            detected_at=now - dt.timedelta(hours=3),
        )
    if incident is None:
        return
    with ago(150):
        incident = triage.incident_triage(
            actor=agency, incident=incident, incident_type="intrusions:application-compromise", impact=3, urgency=3,
            sector="government",
        )
    with ago(140):
        incident = workflow.incident_assign(
            actor=agency, incident=incident, lead_unit=_unit("ha-noi"), supporting_units=[_unit("cqtt")],
            note="Hà Nội chủ trì khắc phục; Cơ quan thường trực hỗ trợ phân tích.",
        )
    with ago(120):
        workflow.incident_unit_answer(actor=hanoi, incident_unit=_lead_row(incident), accept=True)
    incident.refresh_from_db()
    with ago(100):
        incident = workflow.incident_transition(actor=hanoi, incident=incident, to_state=Incident.State.IN_PROGRESS,
                                                note="Đã chuyển trang chủ sang chế độ bảo trì.")
    template = next(iter(incident_sel.checklist_templates(incident)), None)
    with ago(90):
        tasks.task_create(actor=hanoi, incident=incident, unit=_unit("ha-noi"), template=template,
                          title="" if template else "Khôi phục cổng từ bản sao lưu sạch",
                          items=() if template else ("Cô lập máy chủ", "Thu thập nhật ký", "Khôi phục"))
    with ago(60):
        comments.comment_add(actor=agency, incident=incident,
                             body="Đề nghị gửi nhật ký máy chủ web 48 giờ gần nhất để phân tích điểm xâm nhập.")


def _phishing(agency: Actor, finance: Actor, now: dt.datetime) -> Incident | None:
    def ago(hours: float):
        return _at(now - dt.timedelta(hours=hours))

    with ago(30):
        incident = _report(
            finance, "demo:phishing-1", title="Chiến dịch thư lừa đảo giả mạo Tổng cục Thuế",
            description="Nhiều cán bộ nhận thư yêu cầu đăng nhập để “xác thực mã số thuế”.",
            observables_text="hxxps://thuedientu-gdt[.]example/dang-nhap\nhotro@thuedientu-gdt.example",
            tlp="green", detected_at=now - dt.timedelta(hours=31),
        )
    if incident is None:
        return Incident.objects.filter(intake_key="demo:phishing-1").first()
    with ago(29):
        incident = triage.incident_triage(actor=agency, incident=incident, incident_type="fraud:phishing",
                                          impact=2, urgency=3, tlp="green")
    with ago(28.8):
        incident = workflow.incident_assign(actor=agency, incident=incident, lead_unit=_unit("bo-tai-chinh"))
    with ago(28):
        workflow.incident_unit_answer(actor=finance, incident_unit=_lead_row(incident), accept=True)
    incident.refresh_from_db()
    with ago(27.5):
        incident = workflow.incident_transition(actor=finance, incident=incident, to_state=Incident.State.IN_PROGRESS)
    with ago(27):
        observables.observable_add(actor=finance, incident=incident, value="185.220.101.1",
                                   note="Máy chủ gửi thư")
    with ago(24):
        incident = workflow.incident_transition(actor=finance, incident=incident, to_state=Incident.State.CONTAINED,
                                                note="Đã chặn tên miền và địa chỉ gửi thư trên cổng thư điện tử.")
    initial = incident.stage_reports.filter(stage__code="initial").first()
    if initial is not None:
        with ago(22):
            stages.stage_report_submit(actor=finance, stage_report=initial, data={
                "summary": "Chiến dịch thư lừa đảo giả mạo Tổng cục Thuế nhắm vào cán bộ của Bộ.",
                "detected_at": incident.detected_at.isoformat(),
                "affected_systems": "Hệ thống thư điện tử công vụ của Bộ Tài chính.",
                "impact_scope": "sector",
                "actions_taken": "Chặn tên miền giả mạo; cảnh báo toàn bộ cán bộ; đổi mật khẩu 12 tài khoản đã nhập.",
                "contact": "Hoàng Văn Đức, 0243 000 0000",
            })
    return incident


def _ransomware(agency: Actor, hcm: Actor, now: dt.datetime) -> None:
    def ago(hours: float):
        return _at(now - dt.timedelta(hours=hours))

    with ago(12 * 24):
        incident = _report(
            hcm, "demo:ransomware-hcm", title="Mã độc tống tiền mã hoá dữ liệu tại Sở Tài chính TP.HCM",
            description="5 máy trạm và 1 máy chủ tệp bị mã hoá, có thư đòi tiền chuộc.",
            observables_text="3f786850e387550fdab836ed7e6dc881de23001b3f786850e387550fdab836ed",
            detected_at=now - dt.timedelta(hours=12 * 24 + 3),
        )
    if incident is None:
        return
    with ago(12 * 24 - 0.3):
        incident = triage.incident_triage(actor=agency, incident=incident,
                                          incident_type="malicious-code:infected-system", impact=3, urgency=4)
    with ago(12 * 24 - 0.5):
        incident = workflow.incident_assign(actor=agency, incident=incident, lead_unit=_unit("ho-chi-minh"))
    with ago(12 * 24 - 0.8):
        workflow.incident_unit_answer(actor=hcm, incident_unit=_lead_row(incident), accept=True)
    incident.refresh_from_db()
    for hours, state, note in ((12 * 24 - 1, Incident.State.IN_PROGRESS, "Cô lập mạng của Sở."),
                               (11 * 24, Incident.State.CONTAINED, "Không còn máy mới bị mã hoá.")):
        with ago(hours):
            incident = workflow.incident_transition(actor=hcm, incident=incident, to_state=state, note=note)
    with ago(8 * 24):
        incident = workflow.incident_transition(
            actor=hcm, incident=incident, to_state=Incident.State.RESOLVED,
            resolution="Khôi phục dữ liệu từ bản sao lưu ngoại tuyến; cài lại 6 máy.",
        )
    with ago(6 * 24):
        workflow.incident_close(
            actor=hcm, incident=incident,
            root_cause="Dịch vụ truy cập từ xa (RDP) mở ra Internet với mật khẩu yếu.",
            lessons_learned="Đóng RDP ra Internet, bắt buộc xác thực hai lớp cho truy cập từ xa, "
                            "kiểm tra sao lưu hằng tháng.",
        )
