"""`vigil load-reference`: every installed app's reference data, loaded by the function its
AppConfig names (`VigilAppConfig.reference`) in `reference_order`: org's unit kinds, roles and
the units of the network first (vigil/org/reference/), then the incident reference data
(taxonomy, severity matrix, SLA targets, reporting stages, checklist templates), then the
intelligence reference data (TAXII collections, MISP warninglists and taxonomies). Each
loader is one transaction; a second run creates and changes nothing. The counts are printed
with the lines of the loader's module (`REPORT_LINES`)."""

from django.core.management.base import CommandError

from vigil.core.appconfig import load_object, ordered
from vigil.core.commands import VigilCommand
from vigil.org.reference import ReferenceDataError


class Command(VigilCommand):
    help = "Load reference data (unit kinds, roles, units of the network, incident reference data); idempotent."

    def handle(self, *args, **options):
        loaded = []
        try:
            for app in ordered("reference"):
                module = load_object(app.reference.partition(":")[0])
                loaded.append((getattr(module, "REPORT_LINES", {}), load_object(app.reference)()))
        except ReferenceDataError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        for lines, counts in loaded:
            for key, line in lines.items():
                c = counts[key]
                self.stdout.write(str(line) % {"created": c.created, "updated": c.updated, "unchanged": c.unchanged})
