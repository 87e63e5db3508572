"""`vigil incident-sla …`: SLA breaches and statutory reporting stages from the shell,
through the same selectors and services (and access rules) as the pages and the API.

    vigil incident-sla run [--now ISO] [--json]         record and escalate missed SLA clocks (the job
                                                         the worker runs every 5 minutes; idempotent)
    vigil incident-sla breaches [--unit CODE] [--clock C] [--level N] --as USER [--json]
    vigil incident-sla stages-due [--unit CODE] --as USER [--json]
    vigil incident-sla stages-overdue [--unit CODE] --as USER [--json]
    vigil incident-sla submit STAGE_REPORT_ID --data JSON --as USER [--json]
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from vigil.core import safejson
from vigil.core.management.commands._cli import acting_user, add_identity_arguments, cli_actor
from vigil.org.management.commands.people import cli_actor as user_actor
from vigil.org.management.commands.people import run_guarded

from ...selectors import sla as sla_sel
from ...selectors import stages as stage_sel
from ...services import sla as sla_svc
from ...services import stages as stage_svc


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def report_dict(r) -> dict:
    return {
        "id": r.pk, "incident": r.incident.reference, "incident_id": r.incident_id, "stage": r.stage.code,
        "stage_name": r.stage.name, "sequence": r.sequence, "due_at": _iso(r.due_at),
        "submitted_at": _iso(r.submitted_at), "late": r.submitted_at is None and r.due_at < timezone.now(),
        "days_late": getattr(r, "days_late", 0), "data": r.data,
    }


def breach_dict(b) -> dict:
    return {
        "id": b.pk, "incident": b.incident.reference, "clock": b.clock, "level": b.level, "due_at": _iso(b.due_at),
        "detected_at": _iso(b.detected_at), "escalated_to": b.escalated_to.code if b.escalated_to_id else None,
    }


class Command(BaseCommand):
    help = "SLA breaches and escalation; statutory reporting stages (due, late, submit)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="record and escalate missed SLA clocks (idempotent)")
        run.add_argument("--now", default=None, help="act as if it were this time (ISO 8601)")
        run.add_argument("--json", action="store_true", help="machine-readable output")
        breaches = sub.add_parser("breaches", help="SLA breaches you may see")
        breaches.add_argument("--unit", default=None, help="unit code: incidents owned or led in its subtree")
        breaches.add_argument("--clock", choices=["acknowledge", "respond", "resolve"], default=None)
        breaches.add_argument("--level", type=int, choices=[1, 2], default=None)
        add_identity_arguments(breaches)
        due = sub.add_parser("stages-due", help="statutory reports your units owe")
        due.add_argument("--unit", default=None)
        add_identity_arguments(due)
        late = sub.add_parser("stages-overdue", help="who is late with statutory reports")
        late.add_argument("--unit", default=None)
        add_identity_arguments(late)
        submit = sub.add_parser("submit", help="submit a statutory report")
        submit.add_argument("stage_report_id", type=int)
        submit.add_argument("--data", required=True, help='the fields as a JSON object, e.g. {"summary": "..."}')
        add_identity_arguments(submit)

    def handle(self, *args, action, **options):
        self.as_json = options.get("json", False)
        if action == "run":
            return self.run(options)
        user = acting_user(options)
        return getattr(self, action.replace("-", "_"))(user, options)

    def emit(self, data, text_lines):
        if self.as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for line in text_lines:
                self.stdout.write(line)

    def run(self, options):
        now = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None:
                raise CommandError(_("--now: thời điểm không hợp lệ (ISO 8601): %(v)s") % {"v": options["now"]},
                                   returncode=2)
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = sla_svc.sla_check(now=now, actor=cli_actor()).as_dict()
        self.emit(result, [
            _("Đã kiểm tra %(c)s mốc quá hạn: %(a)s vi phạm mức 1, %(b)s mức 2; %(n)s thông báo.")
            % {"c": result["checked"], "a": result["level1"], "b": result["level2"], "n": result["notifications"]}
        ])

    def _unit(self, user, options):
        if not options.get("unit"):
            return None
        return run_guarded(lambda: sla_sel.unit_ref(user=user, ref=options["unit"], field="--unit"))

    def breaches(self, user, options):
        rows = list(sla_sel.breach_list(user=user, unit=self._unit(user, options), clock=options["clock"],
                                        level=options["level"])[:500])
        data = [breach_dict(b) for b in rows]
        self.emit(data, [
            f"{d['detected_at']}  {d['incident']}  {d['clock']}  L{d['level']}  → {d['escalated_to'] or '-'}"
            for d in data
        ] or [_("Không có vi phạm nào.")])

    def stages_due(self, user, options):
        now = timezone.now()
        rows = stage_sel.annotate_late(stage_sel.stages_due(user=user, unit=self._unit(user, options), now=now)[:500], now)
        data = [report_dict(r) for r in rows]
        self.emit(data, [
            f"#{d['id']}  {d['incident']}  {d['stage']}#{d['sequence']}  {d['due_at']}"
            + ("  " + _("trễ %(n)s ngày") % {"n": d["days_late"]} if d["late"] else "")
            for d in data
        ] or [_("Không có báo cáo nào đến hạn.")])

    def stages_overdue(self, user, options):
        groups = stage_sel.stages_overdue(user=user, unit=self._unit(user, options))
        data = [
            {"unit": g.unit.code, "count": g.count, "oldest_due": _iso(g.oldest_due), "days_late": g.days_late,
             "reports": [report_dict(r) for r in g.reports]}
            for g in groups
        ]
        lines = []
        for g in data:
            lines.append(_("%(u)s: %(n)s báo cáo chậm, chậm nhất %(d)s ngày") % {"u": g["unit"], "n": g["count"],
                                                                              "d": g["days_late"]})
            lines += [f"  #{r['id']}  {r['incident']}  {r['stage']}#{r['sequence']}  {r['due_at']}" for r in g["reports"]]
        self.emit(data, lines or [_("Không có đơn vị nào chậm báo cáo.")])

    def submit(self, user, options):
        try:
            payload = safejson.loads(options["data"])
        except ValueError:
            raise CommandError(_("--data: JSON không hợp lệ."), returncode=2) from None
        report = run_guarded(lambda: stage_sel.stage_report_get(user=user, stage_report_id=options["stage_report_id"]))
        run_guarded(lambda: stage_svc.stage_report_submit(actor=user_actor(user), stage_report=report, data=payload))
        report = stage_sel.stage_report_get(user=user, stage_report_id=report.pk)
        self.emit(report_dict(report), [_("Đã nộp báo cáo #%(id)s.") % {"id": report.pk}])
