"""The incidents group of the navigation: lists, reporting, statutory reports, SLA
breaches and statistics (every member may open them: each shows what the user sees, and
any member may report an incident)."""

from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

INCIDENTS = _("Sự cố")

ENTRIES = [
    NavEntry(_("Danh sách sự cố"), "incidents:incident_list", "shield-exclamation", "member", 200, group=INCIDENTS),
    NavEntry(_("Báo cáo sự cố"), "incidents:report", "megaphone", "member", 205, group=INCIDENTS),
    NavEntry(_("Báo cáo theo quy định đến hạn"), "incidents:stages_due", "hourglass-split", "member", 210,
             group=INCIDENTS),
    NavEntry(_("Đơn vị chậm báo cáo"), "incidents:stages_overdue", "exclamation-triangle", "member", 212,
             group=INCIDENTS),
    NavEntry(_("Vi phạm SLA"), "incidents:sla_breaches", "stopwatch", "member", 214, group=INCIDENTS),
    NavEntry(_("Thống kê sự cố"), "incidents:stats", "bar-chart", "member", 220, group=INCIDENTS),
]
