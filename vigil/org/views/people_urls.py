"""Routes of the people part of org (included under /org/ with the `org` namespace).
Path parameters are named `<entity>_id` (the route access matrix fills them by name)."""

from django.urls import path

from . import people as views

urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/memberships/add/", views.membership_add, name="person_membership_add"),
    path("units/<int:unit_id>/members/add/", views.membership_add, name="unit_membership_add"),
    path("memberships/<int:membership_id>/end/", views.membership_end, name="membership_end"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:decision_id>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:decision_id>/items/add/", views.decision_item_add, name="decision_item_add"),
    path(
        "decisions/<int:decision_id>/items/<int:item_id>/remove/",
        views.decision_item_remove, name="decision_item_remove",
    ),
    path("decisions/<int:decision_id>/file", views.decision_file, name="decision_file"),
    path("decisions/<int:decision_id>/apply/", views.decision_apply, name="decision_apply"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/target/", views.completeness_target, name="completeness_target"),
]
