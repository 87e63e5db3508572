"""Words for the codes the platform stores: the actions of the access layer (shown on the
roles page) and the actions and object types of the audit log. Codes stay in the database
and the API; pages show these words in the reader's language, never the raw code."""

from __future__ import annotations

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

# The access layer's actions (core.access.ACTIONS).
PERMISSIONS = {
    "view": pgettext_lazy("permission", "xem"),
    "add": pgettext_lazy("permission", "thêm mới"),
    "change": pgettext_lazy("permission", "sửa, xử lý"),
    "delete": pgettext_lazy("permission", "xoá"),
    "manage_members": pgettext_lazy("permission", "quản lý thành viên"),
    "approve": pgettext_lazy("permission", "phê duyệt"),
    "export": pgettext_lazy("permission", "xuất dữ liệu"),
    "audit": pgettext_lazy("permission", "xem nhật ký kiểm toán"),
    "admin": pgettext_lazy("permission", "quản trị"),
}

# The verb of an audit action: the action's last part ("incidents.incident.close" -> close).
AUDIT_VERBS = {
    "accept": pgettext_lazy("audit", "chấp nhận"),
    "add": pgettext_lazy("audit", "thêm"),
    "add_item": pgettext_lazy("audit", "thêm mục"),
    "admin": pgettext_lazy("audit", "quản trị"),
    "allow": pgettext_lazy("audit", "đưa vào danh sách cho phép"),
    "answer": pgettext_lazy("audit", "trả lời yêu cầu xử lý"),
    "apply": pgettext_lazy("audit", "áp dụng"),
    "appoint": pgettext_lazy("audit", "bổ nhiệm"),
    "approve": pgettext_lazy("audit", "phê duyệt"),
    "assign": pgettext_lazy("audit", "giao xử lý"),
    "attach": pgettext_lazy("audit", "đính kèm"),
    "batch": pgettext_lazy("audit", "nhập một lô"),
    "breach": pgettext_lazy("audit", "vi phạm thời hạn"),
    "cancel": pgettext_lazy("audit", "huỷ"),
    "change": pgettext_lazy("audit", "sửa"),
    "close": pgettext_lazy("audit", "đóng"),
    "complete": pgettext_lazy("audit", "hoàn thành"),
    "confirm": pgettext_lazy("audit", "xác nhận hoàn thành"),
    "create": pgettext_lazy("audit", "tạo"),
    "decide": pgettext_lazy("audit", "quyết định"),
    "delete": pgettext_lazy("audit", "xoá"),
    "disable": pgettext_lazy("audit", "tắt"),
    "download": pgettext_lazy("audit", "tải xuống"),
    "enable": pgettext_lazy("audit", "bật"),
    "end": pgettext_lazy("audit", "kết thúc"),
    "export": pgettext_lazy("audit", "xuất dữ liệu"),
    "extend": pgettext_lazy("audit", "gia hạn"),
    "import": pgettext_lazy("audit", "nhập từ tệp"),
    "item": pgettext_lazy("audit", "đánh dấu mục"),
    "lead_declined": pgettext_lazy("audit", "đơn vị chủ trì từ chối"),
    "load": pgettext_lazy("audit", "nạp"),
    "login": pgettext_lazy("audit", "đăng nhập"),
    "login_failed": pgettext_lazy("audit", "đăng nhập thất bại"),
    "logout": pgettext_lazy("audit", "đăng xuất"),
    "logout_all": pgettext_lazy("audit", "đăng xuất mọi phiên"),
    "manage_members": pgettext_lazy("audit", "quản lý thành viên"),
    "merge": pgettext_lazy("audit", "gộp"),
    "merge_into": pgettext_lazy("audit", "được gộp vào"),
    "move": pgettext_lazy("audit", "chuyển"),
    "otp_enrol": pgettext_lazy("audit", "đăng ký xác thực hai lớp"),
    "otp_reset": pgettext_lazy("audit", "đặt lại xác thực hai lớp"),
    "otp_start": pgettext_lazy("audit", "bắt đầu đăng ký xác thực hai lớp"),
    "preferences": pgettext_lazy("audit", "đổi tuỳ chọn"),
    "promote": pgettext_lazy("audit", "chuyển thành chỉ báo"),
    "read": pgettext_lazy("audit", "đánh dấu đã đọc"),
    "read_all": pgettext_lazy("audit", "đánh dấu tất cả đã đọc"),
    "refuse": pgettext_lazy("audit", "từ chối"),
    "relate": pgettext_lazy("audit", "liên kết"),
    "remove": pgettext_lazy("audit", "gỡ"),
    "remove_item": pgettext_lazy("audit", "gỡ mục"),
    "reopen": pgettext_lazy("audit", "mở lại"),
    "report": pgettext_lazy("audit", "báo cáo"),
    "request": pgettext_lazy("audit", "đề nghị"),
    "restore": pgettext_lazy("audit", "khôi phục"),
    "retry": pgettext_lazy("audit", "gửi lại"),
    "return": pgettext_lazy("audit", "trả lại"),
    "revoke": pgettext_lazy("audit", "thu hồi"),
    "roll_up": pgettext_lazy("audit", "tổng hợp tiến độ"),
    "rotate_secret": pgettext_lazy("audit", "đổi khoá bí mật"),
    "run": pgettext_lazy("audit", "chạy"),
    "send": pgettext_lazy("audit", "gửi"),
    "set_language": pgettext_lazy("audit", "đổi ngôn ngữ"),
    "set_target": pgettext_lazy("audit", "đặt mục tiêu"),
    "status": pgettext_lazy("audit", "đổi trạng thái"),
    "store": pgettext_lazy("audit", "lưu"),
    "submit": pgettext_lazy("audit", "nộp"),
    "target_add": pgettext_lazy("audit", "thêm đơn vị được kiểm tra"),
    "target_remove": pgettext_lazy("audit", "bỏ đơn vị được kiểm tra"),
    "target_update": pgettext_lazy("audit", "sửa đơn vị được kiểm tra"),
    "task": pgettext_lazy("audit", "giao nhiệm vụ khắc phục"),
    "test": pgettext_lazy("audit", "gửi thử"),
    "transition": pgettext_lazy("audit", "chuyển trạng thái"),
    "triage": pgettext_lazy("audit", "phân loại"),
    "unrelate": pgettext_lazy("audit", "bỏ liên kết"),
    "update": pgettext_lazy("audit", "cập nhật"),
    "upload": pgettext_lazy("audit", "tải lên"),
    "view": pgettext_lazy("audit", "xem"),
    "withdraw": pgettext_lazy("audit", "rút lại"),
}


def permission_label(code: str) -> str:
    return str(PERMISSIONS.get(code, code))


def audit_action_label(code: str) -> str:
    """The audit action in words: its verb ("incidents.incident.close" -> "đóng")."""
    verb = (code or "").rsplit(".", 1)[-1]
    return capfirst(str(AUDIT_VERBS[verb])) if verb in AUDIT_VERBS else code


def object_type_label(object_type: str) -> str:
    """An audit entry's object type ("incidents.incident") as the model's name."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return capfirst(str(model._meta.verbose_name))
