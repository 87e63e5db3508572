"""Template filters of incident pages: observables shown defanged, state and severity badges."""

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigil.core import observables as obs_kinds

register = template.Library()

STATE_COLOURS = {
    "new": "secondary", "triaged": "info", "assigned": "primary", "in_progress": "warning",
    "contained": "warning", "resolved": "success", "closed": "dark", "merged": "light",
}
SEVERITY_COLOURS = {"low": "secondary", "medium": "info", "high": "warning", "critical": "danger"}
TLP_COLOURS = {"clear": "light", "green": "success", "amber": "warning", "amber+strict": "warning", "red": "danger"}


@register.filter
def defang(value, kind=""):
    """`{{ obs.value|defang:obs.kind }}`: the value made safe to show (never a live link)."""
    if not kind:
        kind, _value = _guess(value)
    return obs_kinds.defang(kind, str(value or ""))


def _guess(value):
    try:
        return obs_kinds.detect_kind(str(value or ""))
    except Exception:  # any text: defang it generically
        return "", value


@register.filter
def state_colour(state):
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def severity_colour(severity):
    return SEVERITY_COLOURS.get(severity, "secondary")


@register.filter
def tlp_colour(tlp):
    return TLP_COLOURS.get(tlp, "secondary")


TIMELINE_LABELS = {
    "reported": _("Tiếp nhận báo cáo"), "triaged": _("Phân loại"), "merged": pgettext_lazy("event", "Gộp sự cố"),
    "assigned": _("Giao xử lý"), "answered": _("Đơn vị trả lời"), "state_changed": _("Chuyển trạng thái"),
    "closed": _("Đóng sự cố"), "reopened": _("Mở lại"), "comment": _("Bình luận"),
    "task_created": _("Thêm công việc"), "task_done": _("Hoàn thành công việc"), "task_cancelled": _("Huỷ công việc"),
    "item_done": _("Đánh dấu bước đã xong"), "item_undone": _("Bỏ đánh dấu bước"),
    "observable_added": _("Thêm dấu hiệu"), "observable_removed": _("Xoá dấu hiệu"),
    "evidence_added": _("Thêm tệp bằng chứng"), "evidence_removed": _("Xoá tệp bằng chứng"),
    "related": _("Liên kết sự cố"), "unrelated": _("Bỏ liên kết sự cố"),
    "retriaged": pgettext_lazy("event", "Phân loại lại"), "merged_from": _("Gộp sự cố khác vào"),
    "attachment_refused": _("Từ chối tệp đính kèm"), "sla.breach": _("Quá hạn xử lý"),
    "stages.scheduled": _("Lập lịch báo cáo theo quy định"), "stages.submitted": _("Nộp báo cáo theo quy định"),
}


@register.filter
def timeline_label(kind):
    return TIMELINE_LABELS.get(kind, kind)
