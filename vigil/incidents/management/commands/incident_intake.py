"""`vigil incident-intake …`: report, triage and merge incidents, and list the taxonomy,
through the same services (and so the same access rules) as the pages and the API.

    vigil incident-intake report --title T [--description D] [--observable V ...] [--system ID ...]
                                 [--tlp L] [--detected-at ISO] [--unit CODE] [--idempotency-key K] --as USER [--json]
    vigil incident-intake triage INCIDENT_ID --type CODE --impact N --urgency N [--tlp L] [--pap P]
                                 [--owner-unit CODE] [--sector S] --as USER [--json]
    vigil incident-intake merge DUPLICATE_ID INTO_ID_OR_REFERENCE --reason R --as USER [--json]
    vigil incident-intake taxonomy [--active-only] --as USER [--json]

`--as` may be replaced by the environment variable VIGIL_USER.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigil.core.management.commands._cli import acting_user, add_identity_arguments
from vigil.core.models import TLP
from vigil.incidents.models import PAP
from vigil.incidents.selectors.incidents import incident_get
from vigil.incidents.services import intake as intake_svc
from vigil.incidents.services import triage as triage_svc
from vigil.org.management.commands.people import cli_actor, run_guarded
from vigil.org.selectors import people as people_sel


def incident_dict(i) -> dict:
    return {
        "id": i.pk, "reference": i.reference, "title": i.title, "state": i.state, "channel": i.channel,
        "owner_unit": i.owner_unit.code, "incident_type": i.incident_type.code if i.incident_type_id else None,
        "impact": i.impact, "urgency": i.urgency, "severity": i.severity or None, "tlp": i.tlp, "pap": i.pap,
        "received_at": i.received_at.isoformat(),
        "acknowledge_due": i.acknowledge_due.isoformat() if i.acknowledge_due else None,
        "respond_due": i.respond_due.isoformat() if i.respond_due else None,
        "resolve_due": i.resolve_due.isoformat() if i.resolve_due else None,
        "merged_into": i.merged_into.reference if i.merged_into_id else None,
        "replayed": bool(getattr(i, "replayed", False)),
    }


def parse_datetime(value):
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--detected-at: thời điểm không hợp lệ (ISO 8601): %(v)s") % {"v": value},
                           returncode=2) from None


class Command(BaseCommand):
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

    def handle(self, *args, action, **options):
        user = run_guarded(lambda: acting_user(options))
        return run_guarded(lambda: getattr(self, f"do_{action}")(user, options))

    def _out(self, incident, options, text: str) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(incident_dict(incident), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self.style.SUCCESS(text))

    def do_report(self, user, options):
        unit = people_sel.unit_ref(user=user, ref=options["unit"], field="unit") if options["unit"] else None
        key = options.get("idempotency_key")
        incident = intake_svc.incident_report(
            actor=cli_actor(user), channel="api", title=options["title"],
            description=options["description"], observables=options["observable"], systems=options["system"],
            tlp=options["tlp"], detected_at=parse_datetime(options["detected_at"]), reporter_unit=unit,
            reporter_email=options["reporter_email"], intake_key=f"cli:{user.pk}:{key}" if key else None,
        )
        self._out(incident, options, _("Đã tiếp nhận sự cố %(ref)s (đơn vị sở hữu: %(unit)s).")
                  % {"ref": incident.reference, "unit": incident.owner_unit.code})

    def do_triage(self, user, options):
        incident = incident_get(user=user, pk=options["incident_id"])
        owner = (people_sel.unit_ref(user=user, ref=options["owner_unit"], field="owner_unit")
                 if options["owner_unit"] else None)
        triage_svc.incident_triage(
            actor=cli_actor(user), incident=incident, incident_type=options["incident_type"],
            impact=options["impact"], urgency=options["urgency"], tlp=options["tlp"], pap=options["pap"],
            owner_unit=owner, sector=options["sector"],
        )
        incident = incident_get(user=user, pk=options["incident_id"])
        self._out(incident, options, _("Đã phân loại sự cố %(ref)s: mức độ %(sev)s.")
                  % {"ref": incident.reference, "sev": incident.get_severity_display()})

    def do_merge(self, user, options):
        duplicate = incident_get(user=user, pk=options["duplicate_id"])
        into = triage_svc.incident_for_merge(user=user, reference_or_id=options["into"])
        triage_svc.incident_merge(actor=cli_actor(user), duplicate=duplicate, into=into, reason=options["reason"])
        duplicate = incident_get(user=user, pk=options["duplicate_id"])
        self._out(duplicate, options, _("Đã gộp sự cố %(dup)s vào %(into)s.")
                  % {"dup": duplicate.reference, "into": into.reference})

    def do_taxonomy(self, user, options):
        classes = triage_svc.taxonomy(user=user, active_only=options["active_only"])
        if options.get("json"):
            data = [{"code": c.code, "name": c.name, "name_en": c.name_en,
                     "types": [{"code": t.code, "name": t.name, "name_en": t.name_en, "is_active": t.is_active}
                               for t in c.type_list]} for c in classes]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for c in classes:
            self.stdout.write(f"{c.code:<32} {c.name}")
            for t in c.type_list:
                mark = "" if t.is_active else f"  [{_('không dùng')}]"
                self.stdout.write(f"  {t.code:<52} {t.name}{mark}")
