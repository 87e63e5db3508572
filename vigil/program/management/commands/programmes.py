"""`vigil programmes …`: annual work programmes, through the same selectors and services
(and so the same access rules) as the pages and the API.

    vigil programmes list [--unit CODE] [--subtree CODE] [--year Y] [--status draft|approved] --as USER [--json]
    vigil programmes show ID --as USER [--json]
    vigil programmes approve ID --as USER           (the unit's head; the programme is then frozen)

`--as` may be replaced by the environment variable VIGIL_USER.
"""

import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from vigil.core.management.commands._cli import acting_user, add_identity_arguments
from vigil.org.management.commands.people import cli_actor, run_guarded
from vigil.program.models import WorkProgramme
from vigil.program.selectors import meetings as meeting_sel
from vigil.program.selectors import programmes as sel
from vigil.program.services import programmes as svc

from .meetings import task_brief


def programme_dict(p) -> dict:
    return {
        "id": p.pk, "unit": p.unit.code, "year": p.year, "title": p.title, "description": p.description,
        "status": p.status, "approved_by": p.approved_by.username if p.approved_by_id else None,
        "approved_at": p.approved_at.isoformat() if p.approved_at else None,
    }


class Command(BaseCommand):
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

    def handle(self, *args, action, **options):
        user = run_guarded(lambda: acting_user(options))
        return run_guarded(lambda: getattr(self, f"do_{action}")(user, options))

    def do_list(self, user, options):
        unit = meeting_sel.unit_ref(user=user, ref=options["unit"], field="unit") if options["unit"] else None
        subtree = meeting_sel.unit_ref(user=user, ref=options["subtree"], field="subtree") if options["subtree"] else None
        rows = list(sel.programme_list(user=user, unit=unit, subtree_of=subtree, year=options["year"],
                                       status=options["status"]))
        if options["json"]:
            data = [{**programme_dict(p), "task_count": p.task_count} for p in rows]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for p in rows:
            self.stdout.write(
                f"{p.pk:>6}  {p.year}  {p.get_status_display():<14} {p.unit.code:<16} {p.task_count:>4}  {p.title}"
            )
        self.stdout.write(_("%(n)s chương trình công tác.") % {"n": len(rows)})

    def do_show(self, user, options):
        p = sel.programme_get(user=user, programme_id=options["programme_id"])
        tasks = sel.programme_tasks(user=user, programme=p)
        if options["json"]:
            self.stdout.write(json.dumps({**programme_dict(p), "tasks": [task_brief(t) for t in tasks]},
                                         ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{p.title} – {p.unit.display_name}, {p.year} ({p.get_status_display()})")
        if p.approved_at:
            who = p.approved_by.username if p.approved_by_id else "—"
            self.stdout.write("  " + _("Phê duyệt: %(d)s, %(u)s") % {"d": p.approved_at.strftime("%d/%m/%Y"), "u": who})
        for t in tasks:
            self.stdout.write(
                f"  #{t.pk} {t.title} – {t.lead_unit.code}, {t.due_date:%d/%m/%Y}, {t.progress}%, {t.status_label}"
            )
        self.stdout.write(_("%(n)s nhiệm vụ.") % {"n": len(tasks)})

    def do_approve(self, user, options):
        p = sel.programme_get(user=user, programme_id=options["programme_id"])
        p = svc.programme_approve(actor=cli_actor(user), programme=p)
        self.stdout.write(self.style.SUCCESS(
            _("Đã phê duyệt chương trình công tác “%(t)s” (%(y)s).") % {"t": p.title, "y": p.year}
        ))
