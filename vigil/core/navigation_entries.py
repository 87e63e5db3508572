"""Core's menu entries: the home page on top, and the administration group (webhooks,
the audit log: whoever holds `audit` somewhere, as its page asks; roles: the network's
administrator)."""

from django.utils.translation import gettext_lazy as _

from .navigation import NavEntry

ADMINISTRATION = _("Quản trị")

ENTRIES = [
    NavEntry(_("Tổng quan"), "core:dashboard", "speedometer", "member", 0),
    NavEntry(_("Webhook"), "core:webhook_list", "broadcast", "member", 880, group=ADMINISTRATION),
    NavEntry(_("Nhật ký kiểm toán"), "core:audit_list", "journal", "audit", 900, group=ADMINISTRATION),
    NavEntry(_("Vai trò và 2FA"), "core:role_list", "shield", "admin", 950, group=ADMINISTRATION),
]
