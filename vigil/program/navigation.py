from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

STEERING = _("Chỉ đạo, điều hành")

ENTRIES = [
    NavEntry(_("Phiên họp"), "program:meeting_list", "people-fill", "member", 100, group=STEERING),
    NavEntry(_("Chương trình công tác"), "program:programme_list", "journal-text", "member", 110, group=STEERING),
    NavEntry(_("Việc của đơn vị"), "program:my_unit_tasks", "inbox", "member", 60),
    NavEntry(_("Ma trận nhiệm vụ"), "program:office_matrix", "grid-3x3", "member", 122, group=STEERING),
    NavEntry(_("Lịch"), "program:calendar", "calendar3", "member", 124, group=STEERING),
    NavEntry(_("Tiến độ"), "program:timeline", "bar-chart-steps", "member", 126, group=STEERING),
    NavEntry(_("Nhiệm vụ"), "program:task_list", "list-check", "member", 120, group=STEERING),
    NavEntry(_("Kiểm tra"), "program:inspection_list", "clipboard-check", "member", 140, group=STEERING),
    NavEntry(_("Báo cáo phiên họp"), "program:report_premeeting", "file-earmark-word", "member", 180, group=STEERING),
]
