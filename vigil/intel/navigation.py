"""The intelligence group of the navigation: indicators, adding and importing them,
sources, feeds, imports, sightings and the reference data (warninglists, taxonomies)."""

from django.utils.translation import gettext_lazy as _

from vigil.core.navigation import NavEntry

INTEL = _("Tri thức mối đe doạ")

ENTRIES = [
    NavEntry(_("Chỉ báo"), "intel:indicator_list", "bullseye", "member", 300, group=INTEL),
    NavEntry(_("Thêm chỉ báo"), "intel:indicator_create", "plus-circle", "member", 302, group=INTEL),
    NavEntry(_("Nhập từ tệp"), "intel:import_upload", "upload", "member", 304, group=INTEL),
    NavEntry(_("Lịch sử nhập"), "intel:import_list", "clock-history", "member", 305, group=INTEL),
    NavEntry(_("Nguồn tri thức"), "intel:source_list", "collection", "member", 306, group=INTEL),
    NavEntry(_("Nguồn cấp tự động"), "intel:feed_list", "rss", "member", 308, group=INTEL),
    NavEntry(_("Lần phát hiện"), "intel:sighting_list", "eye", "member", 310, group=INTEL),
    NavEntry(_("Danh sách cảnh báo"), "intel:warninglist_list", "shield-check", "member", 312, group=INTEL),
    NavEntry(_("Bộ phân loại (taxonomy)"), "intel:taxonomy_list", "tags", "member", 314, group=INTEL),
]
