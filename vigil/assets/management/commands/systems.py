"""`vigil assets systems …`: the information systems registry, through the same selectors and
services (and so the same access rules) as the pages and the API.

    vigil assets systems list [--unit CODE] [--no-subtree] [--level N] [--important yes|no]
                       [--status S] [--q TEXT] [--due soon|overdue] --as USER [--json]
    vigil assets systems show ID --as USER [--json]
    vigil assets systems create --unit CODE --code C --name N [--level N] [--hosting H] [--address A]...
                         [--cpe CPE]... [--review-due D] [--reapproval-due D] [--important] --as USER [--json]
    vigil assets systems import FILE [--skip-bad-lines] [--dry-run] --as USER [--json]
    vigil assets systems export --format csv|xlsx [--output FILE] [filters] --as USER
    vigil assets systems reminders run [--today YYYY-MM-DD] [--json]   (platform authority; idempotent)

`--as` may be replaced by the environment variable VIGIL_USER. Import exits with status 1
when a row has an error and nothing was imported.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.assets import selectors as sel
from vigil.assets.api import ImportOut, SystemDetailOut, SystemOut
from vigil.assets.models import InformationSystem
from vigil.assets.services import imports, reminders
from vigil.assets.services import systems as svc
from vigil.core.commands import (
    VigilCommand,
    add_identity_arguments,
    parse_date,
    parse_int,
    platform_actor,
    schema_data,
    usage_error,
)


def _add_filters(parser) -> None:
    parser.add_argument("--unit", default=None, help="code of a unit (with its subtree)")
    parser.add_argument("--no-subtree", action="store_true", help="only the unit itself")
    parser.add_argument("--level", type=int, default=None, choices=range(1, 6))
    parser.add_argument("--important", default=None, choices=["yes", "no"])
    parser.add_argument("--status", default=None, choices=InformationSystem.Status.values)
    parser.add_argument("--q", default=None, help="text to look for")
    parser.add_argument("--due", default=None, choices=sel.DUE_CHOICES)


class Command(VigilCommand):
    help = "Information systems: list, show, create, import, export, reminders."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="systems you may see")
        _add_filters(listing)
        add_identity_arguments(listing)
        show = sub.add_parser("show", help="one system with its addresses and software")
        show.add_argument("system_id")
        add_identity_arguments(show)
        create = sub.add_parser("create", help="register a system")
        create.add_argument("--unit", required=True, help="code of the owner unit")
        create.add_argument("--code", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--purpose", default="")
        create.add_argument("--operator", default="")
        create.add_argument("--hosting", default="on_premises")
        create.add_argument("--status", default="operating")
        create.add_argument("--level", default="")
        create.add_argument("--decision-number", default="")
        create.add_argument("--decision-date", default="")
        create.add_argument("--important", action="store_true")
        create.add_argument("--review-due", default="")
        create.add_argument("--reapproval-due", default="")
        create.add_argument("--address", action="append", default=[], help="repeatable")
        create.add_argument("--cpe", action="append", default=[], help="repeatable: a CPE 2.3 name")
        add_identity_arguments(create)
        importing = sub.add_parser("import", help="import a CSV or XLSX file (all or nothing)")
        importing.add_argument("file")
        importing.add_argument("--skip-bad-lines", action="store_true", help="import the good rows, report the bad")
        importing.add_argument("--dry-run", action="store_true", help="check only")
        add_identity_arguments(importing)
        export = sub.add_parser("export", help="export the systems you may see")
        export.add_argument("--format", required=True, choices=list(imports.FORMATS))
        export.add_argument("--output", default=None, help="file to write (default: the file's own name)")
        _add_filters(export)
        add_identity_arguments(export)
        rem = sub.add_parser("reminders", help="review / re-approval reminders")
        rem_sub = rem.add_subparsers(dest="reminders_action", required=True)
        run = rem_sub.add_parser("run", help="send what is due today (idempotent)")
        run.add_argument("--today", default=None, help="act as if today were this date (YYYY-MM-DD)")
        add_identity_arguments(run, as_user=False)

    platform_subcommands = ("reminders",)  # the platform acts, like the worker

    def _filters(self, user, options) -> dict:
        unit = self.unit(user, options["unit"], field="unit", active_only=True)
        return {
            "unit": unit, "subtree": not options["no_subtree"], "level": options["level"],
            "important": {"yes": True, "no": False}.get(options["important"] or ""),
            "status": options["status"] or "", "q": options["q"] or "", "due": options["due"] or "",
        }

    def do_list(self, user, options):
        rows = list(sel.systems_visible(user, **self._filters(user, options)))
        if options["json"]:
            return self.emit_schema(SystemOut, rows, many=True)
        for s in rows:
            level = s.level or "-"
            self.stdout.write(f"{s.pk:>6}  {s.owner_unit.code:<16} {s.code:<20} {level!s:<2} {s.status:<10} {s.name}")
        self.stdout.write(ngettext("%(n)s hệ thống.", "%(n)s hệ thống.", len(rows)) % {"n": len(rows)})

    def do_show(self, user, options):
        s = sel.system_get(user=user, system_id=parse_int(options["system_id"], "system_id"))
        data = schema_data(SystemDetailOut, s)
        if options["json"]:
            return self.emit_json(data)
        self.stdout.write(f"{s.name} ({s.code}) – {s.owner_unit.display_name}, {s.get_status_display()}")
        self.stdout.write("  " + _("Cấp độ: %(l)s") % {"l": s.level or "—"})
        for a in data["addresses"]:
            self.stdout.write(f"  {a['kind']:<7} {a['value']}")
        for i in data["software"]:
            self.stdout.write(f"  {i['cpe']}")

    def do_create(self, user, options):
        unit = self.unit(user, options["unit"], field="unit", active_only=True)
        system = svc.system_create(
            actor=self.actor(user), owner_unit=unit, code=options["code"], name=options["name"],
            purpose=options["purpose"], operator=options["operator"], hosting=options["hosting"],
            status=options["status"], level=options["level"], level_decision_number=options["decision_number"],
            level_decision_date=options["decision_date"], national_security_important=options["important"],
            review_due=options["review_due"], reapproval_due=options["reapproval_due"],
            addresses=options["address"], software=options["cpe"],
        )
        if options["json"]:
            return self.emit_schema(SystemDetailOut, sel.system_get(user=user, system_id=system.pk))
        self.stdout.write(self.style.SUCCESS(
            _("Đã đăng ký hệ thống “%(n)s” (#%(id)s).") % {"n": system.name, "id": system.pk}
        ))

    def do_import(self, user, options):
        path = Path(options["file"])
        if not path.is_file():
            raise usage_error(_("Không tìm thấy tệp %(f)s.") % {"f": path})
        result = imports.import_registry(
            actor=self.actor(user), content=path.read_bytes(), filename=path.name,
            skip_bad_lines=options["skip_bad_lines"], dry_run=options["dry_run"],
        )
        if options["json"]:
            self.emit_schema(ImportOut, result.as_dict())
        else:
            for w in result.warnings:
                self.stdout.write(self.style.WARNING(str(w)))
            for e in result.errors:
                self.stdout.write(str(e))
            if result.imported:
                self.stdout.write(self.style.SUCCESS(
                    result.imported_text()
                ))
            elif result.dry_run and result.ok:
                self.stdout.write(ngettext(
                    "Tệp hợp lệ: %(n)s dòng sẵn sàng để nhập.", "Tệp hợp lệ: %(n)s dòng sẵn sàng để nhập.", result.rows,
                ) % {"n": result.rows})
        if result.errors and not result.imported:
            raise CommandError(
                ngettext(
                    "Có %(n)s dòng lỗi: chưa nhập dòng nào.", "Có %(n)s dòng lỗi: chưa nhập dòng nào.", len(result.bad_lines),
                ) % {"n": len(result.bad_lines)},
                returncode=1,
            )

    def do_export(self, user, options):
        produced = imports.export_registry(actor=self.actor(user), fmt=options["format"],
                                           **self._filters(user, options))
        target = Path(options["output"] or produced.filename)
        target.write_bytes(produced.content)
        if options["json"]:
            return self.emit_json({"file": str(target), "count": produced.count, "format": options["format"]})
        self.stdout.write(self.style.SUCCESS(
            ngettext("Đã xuất %(n)s hệ thống vào %(f)s.", "Đã xuất %(n)s hệ thống vào %(f)s.", produced.count) % {
                "n": produced.count, "f": target}
        ))

    def do_reminders(self, user, options):
        today = parse_date(options.get("today"), "--today")
        result = reminders.run_reminders(today=today, actor=platform_actor()).as_dict()
        if options.get("json"):
            return self.emit_json(result)
        self.stdout.write(
            ngettext("Ngày %(d)s: %(s)s hạn sắp đến, %(o)s quá hạn; %(notes)s.",
                     "Ngày %(d)s: %(s)s hạn sắp đến, %(o)s quá hạn; %(notes)s.", result["due_soon"])
            % {"d": result["today"], "s": result["due_soon"], "o": result["overdue"],
               "notes": ngettext("%(n)s thông báo", "%(n)s thông báo", result["notifications"])
               % {"n": result["notifications"]}}
        )
