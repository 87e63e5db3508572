"""The information systems group of the navigation: the registry (every member sees the
systems of their scope; registering, importing and exporting are on its page, each
offered to those who may)."""

from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

SYSTEMS = _("Hệ thống thông tin")

ENTRIES = [
    NavEntry(_("Danh sách hệ thống"), "assets:system_list", "hdd-network", "member", 400, group=SYSTEMS),
]
