"""Program pages: inspections (included under /program/ with the `program` namespace).
Path parameters are named `<entity>_id` (the route access matrix fills them by name)."""

from django.urls import path

from . import inspections as views

urlpatterns = [
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:inspection_id>/edit/", views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:inspection_id>/status/", views.inspection_status, name="inspection_status"),
    path("inspections/<int:inspection_id>/targets/add/", views.target_add, name="inspection_target_add"),
    path(
        "inspections/<int:inspection_id>/targets/<int:target_id>/edit/",
        views.target_edit, name="inspection_target_edit",
    ),
    path(
        "inspections/<int:inspection_id>/targets/<int:target_id>/remove/",
        views.target_remove, name="inspection_target_remove",
    ),
    path("inspections/<int:inspection_id>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:finding_id>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:finding_id>/edit/", views.finding_edit, name="finding_edit"),
    path("findings/<int:finding_id>/delete/", views.finding_delete, name="finding_delete"),
    path("findings/<int:finding_id>/task/", views.finding_task, name="finding_task"),
    path("findings/<int:finding_id>/close/", views.finding_close, name="finding_close"),
    path("findings/<int:finding_id>/reopen/", views.finding_reopen, name="finding_reopen"),
]
