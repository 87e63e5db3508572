"""Menu entry of the information systems registry (import and export are on its page)."""

from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

ENTRIES = [
    NavEntry(_("Hệ thống thông tin"), "assets:system_list", "hdd-network", "member", 200),
]
