"""`vigil program reminders run [--today YYYY-MM-DD] [--digest] [--json]`: send the task
reminders, overdue notices and escalations by hand (the worker does it every morning);
with --digest, also each unit's weekly digest. Runs with the platform's authority, like
the worker; running it twice sends nothing new.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import (
    VigilCommand,
    add_identity_arguments,
    parse_date,
    platform_actor,
    usage_error,
)
from vigil.program.services import reminders


class Command(VigilCommand):
    help = "Send task reminders, overdue notices and escalations (and, with --digest, weekly digests)."

    def add_arguments(self, parser):
        sub = self.subcommands(parser)
        run = sub.add_parser("run", help="send what is due today (idempotent)")
        run.add_argument("--today", default=None, help="act as if today were this date (YYYY-MM-DD)")
        run.add_argument("--digest", action="store_true", help="also send the weekly digest of each unit")
        run.add_argument("--no-reminders", action="store_true", help="only the digest (with --digest)")
        add_identity_arguments(run, as_user=False)

    needs_user = False  # the platform acts, like the worker

    def do_run(self, user, options):
        today = parse_date(options["today"], "--today")
        if options["no_reminders"] and not options["digest"]:
            raise usage_error(_("--no-reminders chỉ dùng cùng --digest."))
        actor = platform_actor()
        out = {}
        if not options["no_reminders"]:
            out["reminders"] = reminders.run_reminders(today=today, actor=actor).as_dict()
        if options["digest"]:
            out["digest"] = reminders.run_digest(today=today, actor=actor).as_dict()
        if options["json"]:
            return self.emit_json(out)
        if "reminders" in out:
            r = out["reminders"]
            counts = ", ".join([
                ngettext("%(n)s nhắc hạn", "%(n)s nhắc hạn", r["due_soon"]) % {"n": r["due_soon"]},
                ngettext("%(n)s quá hạn", "%(n)s quá hạn", r["overdue"]) % {"n": r["overdue"]},
                ngettext("%(n)s báo cáo cấp trên", "%(n)s báo cáo cấp trên", r["escalated"]) % {"n": r["escalated"]},
                ngettext("%(n)s nhắc báo cáo định kỳ", "%(n)s nhắc báo cáo định kỳ", r["period"]) % {"n": r["period"]},
            ])
            self.stdout.write(_("Ngày %(d)s: %(counts)s; %(notes)s.") % {
                "d": r["today"], "counts": counts,
                "notes": ngettext("%(n)s thông báo", "%(n)s thông báo", r["notifications"]) % {"n": r["notifications"]},
            })
        if "digest" in out:
            g = out["digest"]
            self.stdout.write(_("Tổng hợp tuần %(w)s: %(units)s, %(notes)s.") % {
                "w": g["week"],
                "units": ngettext("%(n)s đơn vị", "%(n)s đơn vị", g["units"]) % {"n": g["units"]},
                "notes": ngettext("%(n)s thông báo", "%(n)s thông báo", g["notifications"]) % {"n": g["notifications"]},
            })
