"""Pages of the intelligence module (under /intel/, namespace `intel`). Path parameters
are project-unique `<entity>_id` names (the route access matrix fills them by name)."""

from django.urls import path

from .views import feeds, imports, indicators, reference, sources

app_name = "intel"

urlpatterns = [
    path("indicators/", indicators.indicator_list, name="indicator_list"),
    path("indicators/new/", indicators.indicator_create, name="indicator_create"),
    path("indicators/<int:indicator_id>/", indicators.indicator_detail, name="indicator_detail"),
    path("indicators/<int:indicator_id>/revoke/", indicators.indicator_revoke, name="indicator_revoke"),
    path("indicators/<int:indicator_id>/restore/", indicators.indicator_restore, name="indicator_restore"),
    path("indicators/<int:indicator_id>/allow/", indicators.indicator_allow, name="indicator_allow"),
    path("indicators/<int:indicator_id>/sightings/", indicators.sighting_add, name="sighting_add"),
    path("sightings/", indicators.sighting_list, name="sighting_list"),
    path("incidents/<int:incident_id>/indicators/", indicators.incident_indicators, name="incident_indicators"),
    path("incidents/<int:incident_id>/indicators/promote/", indicators.incident_promote, name="incident_promote"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/new/", sources.source_create, name="source_create"),
    path("sources/<int:intel_source_id>/", sources.source_detail, name="source_detail"),
    path("sources/<int:intel_source_id>/edit/", sources.source_edit, name="source_edit"),
    path("sources/<int:intel_source_id>/delete/", sources.source_delete, name="source_delete"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/new/", imports.import_upload, name="import_upload"),
    path("imports/<int:import_job_id>/", imports.import_detail, name="import_detail"),
    path("feeds/", feeds.feed_list, name="feed_list"),
    path("feeds/new/", feeds.feed_create, name="feed_create"),
    path("feeds/<int:feed_id>/", feeds.feed_detail, name="feed_detail"),
    path("feeds/<int:feed_id>/edit/", feeds.feed_edit, name="feed_edit"),
    path("feeds/<int:feed_id>/delete/", feeds.feed_delete, name="feed_delete"),
    path("feeds/<int:feed_id>/run/", feeds.feed_run, name="feed_run"),
    path("warninglists/", reference.warninglist_list, name="warninglist_list"),
    path("warninglists/<int:warninglist_id>/", reference.warninglist_detail, name="warninglist_detail"),
    path("warninglists/<int:warninglist_id>/toggle/", reference.warninglist_toggle, name="warninglist_toggle"),
    path("taxonomies/", reference.taxonomy_list, name="taxonomy_list"),
]
