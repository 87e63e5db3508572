"""`vigil load-reference`: unit kinds, roles, then the units of the network, from the data
files in vigil/org/reference/; then the incident reference data (taxonomy, severity
matrix, SLA targets, reporting stages, checklist templates) from
vigil/incidents/reference/; then the intelligence reference data (TAXII collections,
MISP warninglists and taxonomies) from vigil/intel/reference/. Idempotent: a second run creates and changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from vigil.org.reference import ReferenceDataError, load_all


class Command(BaseCommand):
    help = "Load reference data (unit kinds, roles, units of the network, incident reference data); idempotent."

    def handle(self, *args, **options):
        from vigil.incidents import reference_data as incidents_reference
        from vigil.intel import reference_data as intel_reference

        try:
            counts = load_all()
            incident_counts = incidents_reference.load_all()
            intel_counts = intel_reference.load_all()
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
        incident_lines = {
            "classes": _("Nhóm sự cố: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "types": _("Loại sự cố: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "severity": _("Ma trận mức độ: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "sla": _("Chỉ tiêu SLA: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "stages": _("Giai đoạn báo cáo: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "checklists": _("Mẫu danh mục kiểm tra: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
        }
        for key, line in incident_lines.items():
            c = incident_counts[key]
            self.stdout.write(line % {"created": c.created, "updated": c.updated, "unchanged": c.unchanged})
        intel_lines = {
            "collections": _("Bộ sưu tập TAXII: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "warninglists": _("Danh sách cảnh báo: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
            "taxonomies": _("Phân loại MISP: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi"),
        }
        for key, line in intel_lines.items():
            c = intel_counts[key]
            self.stdout.write(line % {"created": c.created, "updated": c.updated, "unchanged": c.unchanged})
