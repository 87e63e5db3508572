"""The organisation group of the navigation: the unit tree, people, decisions, the
completeness of the bodies, and the constituency (who owns an address, the claims awaiting
another unit's acceptance). Every member may open them (each shows what the user sees)."""

from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

ORGANISATION = _("Tổ chức")

ENTRIES = [
    NavEntry(_("Cây đơn vị"), "org:unit_tree", "diagram-3", "member", 10, group=ORGANISATION),
    NavEntry(_("Cán bộ"), "org:person_list", "people", "member", 20, group=ORGANISATION),
    NavEntry(_("Quyết định kiện toàn"), "org:decision_list", "file-earmark-text", "member", 30, group=ORGANISATION),
    NavEntry(_("Tình trạng kiện toàn"), "org:completeness", "check2-square", "member", 40, group=ORGANISATION),
    NavEntry(_("Tra cứu chủ sở hữu"), "org:who_owns", "search", "member", 50, group=ORGANISATION),
    NavEntry(_("Yêu cầu nhận phạm vi"), "org:constituency_requests", "diagram-3", "member", 60, group=ORGANISATION),
]
