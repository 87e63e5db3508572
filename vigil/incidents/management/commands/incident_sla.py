"""`vigil incidents sla …`: SLA breaches and statutory reporting stages from the shell,
through the same selectors and services (and access rules) as the pages and the API.

    vigil incidents sla run [--now ISO] [--json]         record and escalate missed SLA clocks (the job
                                                         the worker runs every 5 minutes; idempotent)
    vigil incidents sla breaches [--unit CODE] [--clock C] [--level N] --as USER [--json]
    vigil incidents sla stages-due [--unit CODE] --as USER [--json]
    vigil incidents sla stages-overdue [--unit CODE] --as USER [--json]
    vigil incidents sla submit STAGE_REPORT_ID --data JSON --as USER [--json]
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core import safejson
from vigil.core.commands import (
    VigilCommand,
    add_identity_arguments,
    parse_datetime,
    platform_actor,
    schema_data,
    usage_error,
)

from ...api.stages import BreachOut, LateReportOut, LateUnitOut, StageReportOut
from ...selectors import sla as sla_sel
from ...selectors import stages as stage_sel
from ...services import sla as sla_svc
from ...services import stages as stage_svc


class Command(VigilCommand):
    help = "SLA breaches and escalation; statutory reporting stages (due, late, submit)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="record and escalate missed SLA clocks (idempotent)")
        run.add_argument("--now", default=None, help="act as if it were this time (ISO 8601)")
        add_identity_arguments(run, as_user=False)
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

    platform_subcommands = ("run",)  # the platform acts, like the worker

    def emit(self, options, data, text_lines):
        if options.get("json"):
            self.emit_json(data)
        else:
            for line in text_lines:
                self.stdout.write(line)

    def do_run(self, user, options):
        now = parse_datetime(options["now"], "--now")
        result = sla_svc.sla_check(now=now, actor=platform_actor()).as_dict()
        self.emit(options, result, [
            ngettext("Đã kiểm tra %(c)s mốc quá hạn: %(breaches)s; %(notes)s.",
                     "Đã kiểm tra %(c)s mốc quá hạn: %(breaches)s; %(notes)s.", result["checked"])
            % {"c": result["checked"],
               "breaches": ngettext("%(a)s vi phạm mức 1, %(b)s mức 2", "%(a)s vi phạm mức 1, %(b)s mức 2", result["level1"])
               % {"a": result["level1"], "b": result["level2"]},
               "notes": ngettext("%(n)s thông báo", "%(n)s thông báo", result["notifications"])
               % {"n": result["notifications"]}}
        ])

    def _unit(self, user, options):
        return self.unit(user, options.get("unit"), field="--unit")

    def do_breaches(self, user, options):
        rows = list(sla_sel.breach_list(user=user, unit=self._unit(user, options), clock=options["clock"],
                                        level=options["level"])[:500])
        self.emit(options, schema_data(BreachOut, rows, many=True), [
            f"{b.detected_at.isoformat()}  {b.incident.reference}  {b.clock}  L{b.level}  "
            f"→ {b.escalated_to.code if b.escalated_to_id else '-'}"
            for b in rows
        ] or [_("Không có vi phạm nào.")])

    def do_stages_due(self, user, options):
        now = timezone.now()
        rows = stage_sel.annotate_late(stage_sel.stages_due(user=user, unit=self._unit(user, options), now=now)[:500], now)
        self.emit(options, schema_data(LateReportOut, rows, many=True), [
            f"#{r.pk}  {r.incident.reference}  {r.stage.code}#{r.sequence}  {r.due_at.isoformat()}"
            + ("  " + ngettext("trễ %(n)s ngày", "trễ %(n)s ngày", r.days_late) % {"n": r.days_late} if r.submitted_at is None and r.due_at < now else "")
            for r in rows
        ] or [_("Không có báo cáo nào đến hạn.")])

    def do_stages_overdue(self, user, options):
        groups = stage_sel.stages_overdue(user=user, unit=self._unit(user, options))
        lines = []
        for g in groups:
            oldest = ngettext("chậm nhất %(n)s ngày", "chậm nhất %(n)s ngày", g.days_late) % {"n": g.days_late}
            lines.append(ngettext("%(u)s: %(n)s báo cáo chậm, %(oldest)s", "%(u)s: %(n)s báo cáo chậm, %(oldest)s", g.count)
                         % {"u": g.unit.code, "n": g.count, "oldest": oldest})
            lines += [f"  #{r.pk}  {r.incident.reference}  {r.stage.code}#{r.sequence}  {r.due_at.isoformat()}"
                      for r in g.reports]
        self.emit(options, schema_data(LateUnitOut, groups, many=True),
                  lines or [_("Không có đơn vị nào chậm báo cáo.")])

    def do_submit(self, user, options):
        try:
            payload = safejson.loads(options["data"])
        except ValueError:
            raise usage_error(_("--data: JSON không hợp lệ.")) from None
        report = stage_sel.stage_report_get(user=user, stage_report_id=options["stage_report_id"])
        stage_svc.stage_report_submit(actor=self.actor(user), stage_report=report, data=payload)
        report = stage_sel.stage_report_get(user=user, stage_report_id=report.pk)
        self.emit(options, schema_data(StageReportOut, report), [_("Đã nộp báo cáo #%(id)s.") % {"id": report.pk}])
