"""URLs of the unit pages (under /org/)."""

from django.urls import path

from . import units

urlpatterns = [
    path("units/", units.unit_tree, name="unit_tree"),
    path("units/new/", units.unit_create_view, name="unit_create"),
    path("units/<int:unit_id>/", units.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/edit/", units.unit_edit_view, name="unit_edit"),
    path("units/<int:unit_id>/move/", units.unit_move_view, name="unit_move"),
    path("units/<int:unit_id>/constituency/add/", units.constituency_add_view, name="constituency_add"),
    path(
        "units/<int:unit_id>/constituency/<int:entry_id>/delete/",
        units.constituency_remove_view, name="constituency_remove",
    ),
    path("who-owns/", units.who_owns_view, name="who_owns"),
    path("constituency/overlaps/", units.constituency_overlaps_view, name="constituency_overlaps"),
    path("constituency/requests/", units.constituency_requests_view, name="constituency_requests"),
    path(
        "constituency/requests/<int:entry_id>/decide/",
        units.constituency_decide_view, name="constituency_decide",
    ),
]
