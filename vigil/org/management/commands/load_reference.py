"""`vigil load-reference`: unit kinds, roles, then the units of the network, from the data
files in vigil/org/reference/. Idempotent: a second run creates and changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigil.org.reference import ReferenceDataError, load_all


class Command(BaseCommand):
    help = "Load reference data (unit kinds, roles, units of the network); idempotent."

    def handle(self, *args, **options):
        try:
            counts = load_all()
        except ReferenceDataError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        lines = {
            "kinds": _("Loại đơn vị: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "roles": _("Vai trò: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "units": _("Đơn vị: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
        }
        for key, line in lines.items():
            c = counts[key]
            self.stdout.write(line % {"created": c.created, "updated": c.updated, "unchanged": c.unchanged})
