"""`vigil program inspections list|show|findings|close-finding ... --as USER`: inspections and the
follow-up of their findings, through the same selectors and services as the pages.

    vigil program inspections list [--year Y] [--unit CODE] [--target CODE] [--status S] --as USER [--json]
    vigil program inspections show ID --as USER [--json]
    vigil program inspections findings [--inspection ID] [--severity N | --min-severity N] [--subtree CODE]
                               [--year Y] [--status open|closed|all] --as USER [--json]
    vigil program inspections close-finding FINDING_ID --note TEXT [--override REASON] --as USER

`--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, add_identity_arguments, parse_int, schema_data
from vigil.program.api.inspections import FindingOut, InspectionDetailOut, InspectionOut, _detail
from vigil.program.selectors import inspections as sel
from vigil.program.services import inspections as svc

STATUSES = ["planned", "in_progress", "reported", "closed"]


class Command(VigilCommand):
    help = "Inspections: list, show, the findings to follow up, and closing a finding."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="inspections you may see")
        listing.add_argument("--year", default=None, help="plan year")
        listing.add_argument("--unit", default=None, help="code of an inspecting unit (and its subtree)")
        listing.add_argument("--target", default=None, help="code of an inspected unit (and its subtree)")
        listing.add_argument("--status", default=None, choices=STATUSES)
        add_identity_arguments(listing)
        show = sub.add_parser("show", help="one inspection: targets, findings and their tasks")
        show.add_argument("inspection_id")
        add_identity_arguments(show)
        findings = sub.add_parser("findings", help="findings to follow up (open ones by default)")
        findings.add_argument("--inspection", default=None, help="id of one inspection")
        findings.add_argument("--severity", default=None, choices=["1", "2", "3", "4"])
        findings.add_argument("--min-severity", dest="min_severity", default=None, choices=["1", "2", "3", "4"])
        findings.add_argument("--subtree", default=None, help="code of a unit: findings about it and its descendants")
        findings.add_argument("--year", default=None, help="inspection plan year")
        findings.add_argument("--status", default="open", choices=["open", "closed", "all"])
        add_identity_arguments(findings)
        close = sub.add_parser("close-finding", help="close a finding after follow-up")
        close.add_argument("finding_id")
        close.add_argument("--note", required=True, help="what was done (required)")
        close.add_argument("--override", default="", help="why it may close although some tasks are not done")
        add_identity_arguments(close)

    def do_list(self, user, options):
        unit = self.unit(user, options["unit"], field="unit")
        target = self.unit(user, options["target"], field="target")
        year = parse_int(options["year"], "--year") if options["year"] else None
        rows = list(sel.inspection_list(user, year=year, unit=unit, target_unit=target, status=options["status"]))
        if options["json"]:
            return self.emit_schema(InspectionOut, rows, many=True)
        for i in rows:
            self.stdout.write(
                f"{i.pk:>6}  {i.year}  {i.get_status_display():<24} {i.inspecting_unit.code:<16} "
                f"{i.target_count:>3}  {i.open_finding_count:>3}/{i.finding_count:<3}  {i.title}"
            )
        self.stdout.write(ngettext("%(n)s đợt kiểm tra.", "%(n)s đợt kiểm tra.", len(rows)) % {"n": len(rows)})

    def do_show(self, user, options):
        inspection = sel.inspection_get(user, options["inspection_id"])
        groups = sel.findings_by_unit(user, inspection)
        if options["json"]:
            # the API's inspection, with the findings it lists under /findings?inspection_id=
            return self.emit_schema(
                InspectionDetailOut, _detail(user, inspection.pk),
                findings=schema_data(FindingOut, [f for g in groups for f in g.findings], many=True),
            )
        self.stdout.write(f"{inspection.title} ({inspection.get_status_display()})")
        rows = [
            (_("Đơn vị kiểm tra"), f"{inspection.inspecting_unit.display_name} ({inspection.inspecting_unit.code})"),
            (_("Năm kế hoạch"), str(inspection.year)),
            (_("Thời gian dự kiến"), f"{inspection.planned_start:%d/%m/%Y} – {inspection.planned_end:%d/%m/%Y}"),
            (_("Trưởng đoàn"), inspection.lead_inspector.full_name if inspection.lead_inspector_id else "—"),
        ]
        for label, value in rows:
            self.stdout.write(f"  {label}: {value}")
        if inspection.summary:
            self.stdout.write(f"  {_('Kết luận kiểm tra')}: {inspection.summary}")
        for g in groups:
            visited = f" ({g.target.visited_on:%d/%m/%Y})" if g.target and g.target.visited_on else ""
            self.stdout.write(f"- {g.unit.display_name} [{g.unit.code}]{visited}")
            for f in g.findings:
                self._finding_line(f, indent="    ")

    def _finding_line(self, f, indent=""):
        self.stdout.write(
            f"{indent}#{f.number} [{f.get_severity_display()}] {f.get_status_display()} (id {f.pk}): {f.text}"
        )
        for t in getattr(f, "task_list", []):
            self.stdout.write(f"{indent}    → {t.title} · {t.due_date:%d/%m/%Y} · {t.status_label}")

    def do_findings(self, user, options):
        inspection = sel.inspection_get(user, options["inspection"]) if options["inspection"] else None
        subtree = self.unit(user, options["subtree"], field="subtree")
        year = parse_int(options["year"], "--year") if options["year"] else None
        status = None if options["status"] == "all" else options["status"]
        rows = sel.decorate(sel.open_findings(
            user, status=status, severity=int(options["severity"]) if options["severity"] else None,
            min_severity=int(options["min_severity"]) if options["min_severity"] else None,
            unit=subtree, year=year, inspection=inspection,
        ))
        if options["json"]:
            return self.emit_schema(FindingOut, rows, many=True)
        for f in rows:
            self.stdout.write(f"{f.unit.code:<16} {f.inspection.year} {f.inspection.title}")
            self._finding_line(f, indent="    ")
        self.stdout.write(ngettext("%(n)s phát hiện.", "%(n)s phát hiện.", len(rows)) % {"n": len(rows)})

    def do_close_finding(self, user, options):
        finding = sel.finding_get(user, options["finding_id"])
        finding = svc.finding_close(
            actor=self.actor(user), finding=finding, note=options["note"], override_reason=options["override"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã đóng phát hiện số %(n)s của đợt “%(t)s”.") % {"n": finding.number, "t": finding.inspection.title}
            )
        )
