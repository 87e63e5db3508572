"""`vigil program programmes …`: annual work programmes, through the same selectors and services
(and so the same access rules) as the pages and the API.

    vigil program programmes list [--unit CODE] [--subtree CODE] [--year Y] [--status draft|approved] --as USER [--json]
    vigil program programmes show ID --as USER [--json]
    vigil program programmes approve ID --as USER           (the unit's head; the programme is then frozen)

`--as` may be replaced by the environment variable VIGIL_USER.
"""


from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, add_identity_arguments
from vigil.program.api.programmes import ProgrammeDetailOut, ProgrammeOut
from vigil.program.models import WorkProgramme
from vigil.program.selectors import programmes as sel
from vigil.program.services import programmes as svc


class Command(VigilCommand):
    help = "Annual work programmes: list, show, approve."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="programmes you may see")
        listing.add_argument("--unit", default=None, help="code of the unit")
        listing.add_argument("--subtree", default=None, help="code of a unit: programmes of its subtree")
        listing.add_argument("--year", type=int, default=None)
        listing.add_argument("--status", default=None, choices=WorkProgramme.Status.values)
        add_identity_arguments(listing)
        show = sub.add_parser("show", help="one programme and its tasks")
        show.add_argument("programme_id")
        add_identity_arguments(show)
        approve = sub.add_parser("approve", help="approve a programme (the unit's head)")
        approve.add_argument("programme_id")
        add_identity_arguments(approve)

    def do_list(self, user, options):
        unit = self.unit(user, options["unit"], field="unit")
        subtree = self.unit(user, options["subtree"], field="subtree")
        rows = list(sel.programme_list(user=user, unit=unit, subtree_of=subtree, year=options["year"],
                                       status=options["status"]))
        if options["json"]:
            return self.emit_schema(ProgrammeOut, rows, many=True)
        for p in rows:
            self.stdout.write(
                f"{p.pk:>6}  {p.year}  {p.get_status_display():<14} {p.unit.code:<16} {p.task_count:>4}  {p.title}"
            )
        self.stdout.write(ngettext("%(n)s chương trình công tác.", "%(n)s chương trình công tác.", len(rows)) % {"n": len(rows)})

    def do_show(self, user, options):
        p = sel.programme_get(user=user, programme_id=options["programme_id"])
        tasks = sel.programme_tasks(user=user, programme=p)
        if options["json"]:
            p.task_rows = tasks
            return self.emit_schema(ProgrammeDetailOut, p)
        self.stdout.write(f"{p.title} – {p.unit.display_name}, {p.year} ({p.get_status_display()})")
        if p.approved_at:
            who = p.approved_by.username if p.approved_by_id else "—"
            self.stdout.write("  " + _("Phê duyệt: %(d)s, %(u)s") % {"d": p.approved_at.strftime("%d/%m/%Y"), "u": who})
        for t in tasks:
            self.stdout.write(
                f"  #{t.pk} {t.title} – {t.lead_unit.code}, {t.due_date:%d/%m/%Y}, {t.progress}%, {t.status_label}"
            )
        self.stdout.write(ngettext("%(n)s nhiệm vụ.", "%(n)s nhiệm vụ.", len(tasks)) % {"n": len(tasks)})

    def do_approve(self, user, options):
        p = sel.programme_get(user=user, programme_id=options["programme_id"])
        p = svc.programme_approve(actor=self.actor(user), programme=p)
        self.stdout.write(self.style.SUCCESS(
            _("Đã phê duyệt chương trình công tác “%(t)s” (%(y)s).") % {"t": p.title, "y": p.year}
        ))
