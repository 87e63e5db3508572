from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

ENTRIES = [
    NavEntry(_("Cây đơn vị"), "org:unit_tree", "diagram-3", "member", 10),
    NavEntry(_("Cán bộ"), "org:person_list", "people", "member", 20),
    NavEntry(_("Quyết định kiện toàn"), "org:decision_list", "file-earmark-text", "member", 30),
    NavEntry(_("Tình trạng kiện toàn"), "org:completeness", "check2-square", "member", 40),
    NavEntry(_("Tra cứu chủ sở hữu"), "org:who_owns", "search", "member", 50),
]
