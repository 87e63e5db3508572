"""The intelligence group of the navigation: indicators, adding and importing them,
sources, feeds, imports, sightings and the reference data (warninglists, taxonomies).

Adding an indicator and importing a file are shown only to those whose page would open:
the predicates below ask the very functions the two pages' forms fill their choices
with (`forms.addable_units`, `forms.importable_sources`); a page with no choice refuses
(403), so the menu and the page cannot disagree."""

from django.utils.translation import gettext_lazy as _

from vigil.core.access import holds
from vigil.core.navigation import NavEntry

INTEL = _("Tri thức mối đe doạ")


def may_add_indicator(user) -> bool:
    """The user may add an indicator for at least one unit (the add-indicator page's units).
    Without `add` held anywhere that list is empty: no query is needed to say so."""
    from .forms import addable_units

    return holds(user, "add") and addable_units(user).exists()


def may_import(user) -> bool:
    """The user may import into at least one active source (the import page's sources)."""
    from .forms import importable_sources

    return holds(user, "add") and importable_sources(user).exists()


ENTRIES = [
    NavEntry(_("Chỉ báo"), "intel:indicator_list", "bullseye", "member", 300, group=INTEL),
    NavEntry(_("Thêm chỉ báo"), "intel:indicator_create", "plus-circle",
             "vigil.intel.navigation:may_add_indicator", 302, group=INTEL),
    NavEntry(_("Nhập từ tệp"), "intel:import_upload", "upload", "vigil.intel.navigation:may_import", 304, group=INTEL),
    NavEntry(_("Lịch sử nhập"), "intel:import_list", "clock-history", "member", 305, group=INTEL),
    NavEntry(_("Nguồn tri thức"), "intel:source_list", "collection", "member", 306, group=INTEL),
    NavEntry(_("Nguồn cấp tự động"), "intel:feed_list", "rss", "member", 308, group=INTEL),
    NavEntry(_("Lần phát hiện"), "intel:sighting_list", "eye", "member", 310, group=INTEL),
    NavEntry(_("Danh sách cảnh báo"), "intel:warninglist_list", "shield-check", "member", 312, group=INTEL),
    NavEntry(_("Bộ phân loại (taxonomy)"), "intel:taxonomy_list", "tags", "member", 314, group=INTEL),
]
