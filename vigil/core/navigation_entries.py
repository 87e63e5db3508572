from django.utils.translation import gettext_lazy as _

from .navigation import NavEntry

ENTRIES = [
    NavEntry(_("Tổng quan"), "core:dashboard", "speedometer", "member", 0),
    NavEntry(_("Webhook"), "core:webhook_list", "broadcast", "member", 880),
    NavEntry(_("Nhật ký kiểm toán"), "core:audit_list", "journal", "audit", 900),
    NavEntry(_("Vai trò và 2FA"), "core:role_list", "shield", "admin", 950),
]
