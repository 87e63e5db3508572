from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

CONSTITUENCY = _("Phạm vi quản lý")

ENTRIES = [
    NavEntry(_("Cây đơn vị"), "org:unit_tree", "diagram-3", "member", 10),
    NavEntry(_("Cán bộ"), "org:person_list", "people", "member", 20),
    NavEntry(_("Quyết định kiện toàn"), "org:decision_list", "file-earmark-text", "member", 30),
    NavEntry(_("Tình trạng kiện toàn"), "org:completeness", "check2-square", "member", 40),
    # Who owns an address, and the claims awaiting another unit's acceptance: one menu.
    NavEntry(_("Tra cứu chủ sở hữu"), "org:who_owns", "search", "member", 50, group=CONSTITUENCY),
    NavEntry(_("Yêu cầu nhận phạm vi"), "org:constituency_requests", "diagram-3", "member", 60,
             group=CONSTITUENCY),
]
