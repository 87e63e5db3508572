from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

ENTRIES = [
    NavEntry(_("Phiên họp"), "program:meeting_list", "people-fill", "member", 100),
    NavEntry(_("Chương trình công tác"), "program:programme_list", "journal-text", "member", 110),
    NavEntry(_("Việc của đơn vị"), "program:my_unit_tasks", "inbox", "member", 60),
    NavEntry(_("Ma trận nhiệm vụ"), "program:office_matrix", "grid-3x3", "member", 122),
    NavEntry(_("Lịch"), "program:calendar", "calendar3", "member", 124),
    NavEntry(_("Tiến độ"), "program:timeline", "bar-chart-steps", "member", 126),
    NavEntry(_("Nhiệm vụ"), "program:task_list", "list-check", "member", 120),
    NavEntry(_("Kiểm tra"), "program:inspection_list", "clipboard-check", "member", 140),
    NavEntry(_("Báo cáo phiên họp"), "program:report_premeeting", "file-earmark-word", "member", 180),
]
