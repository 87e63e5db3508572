"""`vigil incidents intake …`: report, triage and merge incidents, and list the taxonomy,
through the same services (and so the same access rules) as the pages and the API.

    vigil incidents intake report --title T [--description D] [--observable V ...] [--system ID ...]
                                 [--tlp L] [--detected-at ISO] [--unit CODE] [--idempotency-key K] --as USER [--json]
    vigil incidents intake triage INCIDENT_ID --type CODE --impact N --urgency N [--tlp L] [--pap P]
                                 [--owner-unit CODE] [--sector S] --as USER [--json]
    vigil incidents intake merge DUPLICATE_ID INTO_ID_OR_REFERENCE --reason R --as USER [--json]
    vigil incidents intake taxonomy [--active-only] --as USER [--json]

`--as` may be replaced by the environment variable VIGIL_USER.
"""

from django.utils.translation import gettext as _

from vigil.core.commands import VigilCommand, add_identity_arguments, parse_datetime
from vigil.core.models import TLP
from vigil.incidents.api.intake import ClassOut, IncidentReportOut, IncidentTriageOut
from vigil.incidents.models import PAP
from vigil.incidents.selectors.incidents import incident_get
from vigil.incidents.services import intake as intake_svc
from vigil.incidents.services import triage as triage_svc


class Command(VigilCommand):
    help = "Incident intake: report, triage, merge; the taxonomy."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        p = sub.add_parser("report", help="report an incident (prints its tracking number)")
        p.add_argument("--title", required=True)
        p.add_argument("--description", default="")
        p.add_argument("--observable", action="append", default=[], help="an indicator (repeat); kind detected")
        p.add_argument("--system", action="append", default=[], type=int, help="id of an affected system (repeat)")
        p.add_argument("--tlp", default=TLP.AMBER, choices=list(TLP.values))
        p.add_argument("--detected-at", default=None, help="ISO 8601 (now by default)")
        p.add_argument("--unit", default=None, help="code of the unit you report for (your home unit by default)")
        p.add_argument("--reporter-email", default="", help="address that gets the receipt")
        p.add_argument("--idempotency-key", default=None, help="a retry with the same key stores nothing new")
        add_identity_arguments(p)

        p = sub.add_parser("triage", help="classify and rate an incident")
        p.add_argument("incident_id", type=int)
        p.add_argument("--type", dest="incident_type", required=True, help="taxonomy type code (class:type)")
        p.add_argument("--impact", type=int, required=True, choices=[1, 2, 3, 4])
        p.add_argument("--urgency", type=int, required=True, choices=[1, 2, 3, 4])
        p.add_argument("--tlp", default=None, choices=list(TLP.values))
        p.add_argument("--pap", default=None, choices=list(PAP.values))
        p.add_argument("--owner-unit", default=None, help="code of the owning unit")
        p.add_argument("--sector", default=None)
        add_identity_arguments(p)

        p = sub.add_parser("merge", help="merge a duplicate into another incident")
        p.add_argument("duplicate_id", type=int)
        p.add_argument("into", help="id or tracking number of the incident to keep")
        p.add_argument("--reason", required=True)
        add_identity_arguments(p)

        p = sub.add_parser("taxonomy", help="the incident taxonomy (ENISA RSIT)")
        p.add_argument("--active-only", action="store_true", help="only types offered at triage")
        add_identity_arguments(p)

    def _out(self, incident, options, text: str, schema=IncidentTriageOut) -> None:
        """The message, or with --json the incident as the API answers the same step."""
        if options.get("json"):
            self.emit_schema(schema, incident)
        else:
            self.stdout.write(self.style.SUCCESS(text))

    def do_report(self, user, options):
        unit = self.unit(user, options["unit"], field="unit")
        key = options.get("idempotency_key")
        incident = intake_svc.incident_report(
            actor=self.actor(user), channel="api", title=options["title"],
            description=options["description"], observables=options["observable"], systems=options["system"],
            tlp=options["tlp"], detected_at=parse_datetime(options["detected_at"], "--detected-at"), reporter_unit=unit,
            reporter_email=options["reporter_email"], intake_key=f"cli:{user.pk}:{key}" if key else None,
        )
        self._out(incident, options, _("Đã tiếp nhận sự cố %(ref)s (đơn vị sở hữu: %(unit)s).")
                  % {"ref": incident.reference, "unit": incident.owner_unit.code}, IncidentReportOut)

    def do_triage(self, user, options):
        incident = incident_get(user=user, pk=options["incident_id"])
        owner = self.unit(user, options["owner_unit"], field="owner_unit")
        triage_svc.incident_triage(
            actor=self.actor(user), incident=incident, incident_type=options["incident_type"],
            impact=options["impact"], urgency=options["urgency"], tlp=options["tlp"], pap=options["pap"],
            owner_unit=owner, sector=options["sector"],
        )
        incident = incident_get(user=user, pk=options["incident_id"])
        self._out(incident, options, _("Đã phân loại sự cố %(ref)s: mức độ %(sev)s.")
                  % {"ref": incident.reference, "sev": incident.get_severity_display()})

    def do_merge(self, user, options):
        duplicate = incident_get(user=user, pk=options["duplicate_id"])
        into = triage_svc.incident_for_merge(user=user, reference_or_id=options["into"])
        triage_svc.incident_merge(actor=self.actor(user), duplicate=duplicate, into=into, reason=options["reason"])
        duplicate = incident_get(user=user, pk=options["duplicate_id"])
        self._out(duplicate, options, _("Đã gộp sự cố %(dup)s vào %(into)s.")
                  % {"dup": duplicate.reference, "into": into.reference})

    def do_taxonomy(self, user, options):
        classes = triage_svc.taxonomy(user=user, active_only=options["active_only"])
        if options.get("json"):
            return self.emit_schema(ClassOut, classes, many=True)
        for c in classes:
            self.stdout.write(f"{c.code:<32} {c.name}")
            for t in c.type_list:
                mark = "" if t.is_active else f"  [{_('không dùng')}]"
                self.stdout.write(f"  {t.code:<52} {t.name}{mark}")
