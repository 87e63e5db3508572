"""`vigil incidents report`: one incident as a DOCX report, or the incident list as CSV /
XLSX, through the same access layer and the same audit entries as the pages and the API.

    vigil incidents report INCIDENT_ID --out report.docx --as USER [--lang vi|en] [--number N]
    vigil incidents report --list --out incidents.csv|.xlsx --as USER
        [--unit CODE] [--no-subtree] [--relation any|owned|assigned|waiting] [--state S ...]
        [--severity S] [--class CODE] [--type CODE] [--tlp T] [--q TEXT] [--since D] [--until D]

`--as` may be replaced by VIGIL_USER.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vigil.core.commands import VigilCommand, add_identity_arguments, usage_error

from ...documents import incident_docx, list_exports
from ...selectors.lists import IncidentFilters


class Command(VigilCommand):
    help = "Write one incident as a DOCX report, or (--list) the incident list as CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("incident_id", nargs="?", default=None, help="id of the incident (not with --list)")
        parser.add_argument("--list", action="store_true", help="export the incident list instead (CSV or XLSX)")
        parser.add_argument("--out", "--output", dest="out", required=True, help="file to write")
        parser.add_argument("--format", dest="fmt", default=None, choices=["docx", "csv", "xlsx"],
                            help="default: from the file's extension")
        parser.add_argument("--lang", default=None, choices=["vi", "en"], help="document language (DOCX)")
        parser.add_argument("--number", default="", help="document number, if already registered (DOCX)")
        parser.add_argument("--unit", default=None, help="list: unit code or id")
        parser.add_argument("--no-subtree", action="store_true", help="list: only the unit itself")
        parser.add_argument("--relation", default="any", help="list: any, owned, assigned or waiting")
        parser.add_argument("--state", action="append", default=[], help="list: a state (repeatable)")
        parser.add_argument("--severity", default=None)
        parser.add_argument("--class", dest="klass", default=None, help="list: incident class code")
        parser.add_argument("--type", dest="incident_type", default=None, help="list: incident type code")
        parser.add_argument("--tlp", default=None)
        parser.add_argument("--q", default=None, help="list: tracking number or words of the title")
        parser.add_argument("--since", default=None, help="list: received on or after (YYYY-MM-DD)")
        parser.add_argument("--until", default=None, help="list: received on or before (YYYY-MM-DD)")
        add_identity_arguments(parser, json_output=False)

    def handle(self, *args, **o):
        user = self.user(o)
        with self.language_of(user):
            self.write(user, o)

    def write(self, user, o):
        out = Path(o["out"])
        fmt = o["fmt"] or out.suffix.lstrip(".").lower()
        if o["list"]:
            if fmt not in list_exports.FORMATS:
                raise usage_error(_("--format: hãy chọn csv hoặc xlsx."))
            self._list(user, o, out, fmt)
            return
        if o["incident_id"] in (None, ""):
            raise usage_error(_("Hãy cho biết mã sự cố (INCIDENT_ID) hoặc dùng --list."))
        if fmt != "docx":
            raise usage_error(_("Báo cáo một sự cố là tệp DOCX: --out TỆP.docx"))
        language = o["lang"] or (getattr(user, "language", "") or "vi")
        language = language if language in ("vi", "en") else "vi"
        produced = self.guarded(lambda: incident_docx.incident_report_export(
            actor=self.actor(user), incident_id=o["incident_id"], language=language, number=o["number"],
        ))
        self._write(out, produced.content)
        self.stdout.write(self.style.SUCCESS(
            _("Đã ghi %(f)s: báo cáo sự cố %(ref)s (%(tlp)s).") % {
                "f": out, "ref": produced.incident.reference, "tlp": incident_docx.tlp_label(produced.incident),
            }
        ))

    def _list(self, user, o, out: Path, fmt: str):
        def produce():
            filters = IncidentFilters.parse(user, {
                "unit": o["unit"], "subtree": not o["no_subtree"], "relation": o["relation"], "state": o["state"],
                "severity": o["severity"], "klass": o["klass"], "incident_type": o["incident_type"], "tlp": o["tlp"],
                "q": o["q"], "since": o["since"], "until": o["until"],
            })
            return list_exports.incident_list_export(actor=self.actor(user), fmt=fmt, filters=filters)

        produced = self.guarded(produce)
        try:
            with out.open("wb") as fh:
                for chunk in produced.chunks:
                    fh.write(chunk)
        except OSError as exc:
            raise CommandError(_("Không ghi được tệp %(f)s: %(e)s") % {"f": out, "e": exc.strerror}) from exc
        self.stdout.write(self.style.SUCCESS(
            ngettext("Đã ghi %(f)s: %(n)s sự cố.", "Đã ghi %(f)s: %(n)s sự cố.", produced.count) % {"f": out, "n": produced.count}
        ))
        if produced.truncated:
            self.stderr.write(produced.message())

    def _write(self, out: Path, content: bytes):
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(_("Không ghi được tệp %(f)s: %(e)s") % {"f": out, "e": exc.strerror}) from exc
