"""`vigil program report`: the pre-meeting report as a DOCX or XLSX file, through the
same gathering (and so the same access layer) and the same export audit entry as the
page and the API.

    vigil program report --meeting ID --format docx --output report.docx --as USER
    vigil program report --unit CODE [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--subtree]
                         --format xlsx --output report.xlsx --as USER [--lang vi|en]

`--meeting` is the meeting being prepared (the period runs from the body's previous
meeting); `--unit` without `--since` starts at the unit's last meeting held. The report
language is `--lang`, else the user's own. `--as` may be replaced by VIGIL_USER.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, add_identity_arguments, usage_error
from vigil.program.documents import exports


class Command(VigilCommand):
    help = "Write the pre-meeting report (DOCX in the administrative layout, or XLSX)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--meeting", default=None, help="id of the meeting being prepared")
        which.add_argument("--unit", default=None, help="code (or id) of the body unit")
        parser.add_argument("--since", default=None, help="start of the period (YYYY-MM-DD)")
        parser.add_argument("--until", default=None, help="end of the period (YYYY-MM-DD; today by default)")
        parser.add_argument("--subtree", action="store_true", help="also the tasks of the unit's subtree")
        parser.add_argument("--format", dest="fmt", choices=sorted(exports.FORMATS), default=None,
                            help="docx or xlsx (default: from the --output file's extension)")
        parser.add_argument("--output", required=True, help="file to write")
        parser.add_argument("--lang", default=None, choices=["vi", "en"], help="report language")
        parser.add_argument("--number", default="", help="document number, if already registered")
        add_identity_arguments(parser, json_output=False)

    def handle(self, *args, **options):
        user = self.user(options)
        with self.language_of(user):
            self.write_report(user, options)

    def write_report(self, user, options):
        output = options["output"]
        fmt = options["fmt"] or Path(output).suffix.lstrip(".").lower()
        if fmt not in exports.FORMATS:
            raise usage_error(_("--format: hãy chọn docx hoặc xlsx."))

        def produce():
            params = exports.report_params(
                user=user, meeting=options["meeting"], unit=options["unit"], since=options["since"],
                until=options["until"], subtree=options["subtree"],
            )
            language = exports.report_language(options["lang"], user)
            return exports.premeeting_export(
                actor=self.actor(user), fmt=fmt, language=language, number=options["number"], **params
            )

        produced = self.guarded(produce)
        try:
            Path(output).write_bytes(produced.content)
        except OSError as exc:
            raise CommandError(_("Không ghi được tệp %(f)s: %(e)s") % {"f": output, "e": exc.strerror}) from exc
        report = produced.report
        self.stdout.write(self.style.SUCCESS(
            ngettext("Đã ghi %(f)s: %(done)s nhiệm vụ hoàn thành, %(overdue)s nhiệm vụ quá hạn, %(total)s nhiệm vụ theo dõi "
                     "(%(since)s – %(until)s).",
                     "Đã ghi %(f)s: %(done)s nhiệm vụ hoàn thành, %(overdue)s nhiệm vụ quá hạn, %(total)s nhiệm vụ theo dõi "
                     "(%(since)s – %(until)s).", report.done_count) % {
                "f": output, "done": report.done_count, "overdue": len(report.overdue),
                "total": report.summary.total, "since": report.since.strftime("%d/%m/%Y"),
                "until": report.until.strftime("%d/%m/%Y"),
            }
        ))
