"""Pages of the information systems registry (path parameters `system_id`, `address_id`,
`software_id`)."""

from django.urls import path

from . import views

app_name = "assets"

urlpatterns = [
    path("systems/", views.system_list, name="system_list"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/import/", views.system_import, name="system_import"),
    path("systems/export/", views.system_export, name="system_export"),
    path("systems/<int:system_id>/", views.system_detail, name="system_detail"),
    path("systems/<int:system_id>/edit/", views.system_edit, name="system_edit"),
    path("systems/<int:system_id>/retire/", views.system_retire, name="system_retire"),
    path("systems/<int:system_id>/delete/", views.system_delete, name="system_delete"),
    path("systems/<int:system_id>/addresses/", views.address_add, name="address_add"),
    path("systems/<int:system_id>/addresses/<int:address_id>/remove/", views.address_remove, name="address_remove"),
    path("systems/<int:system_id>/software/", views.software_add, name="software_add"),
    path("systems/<int:system_id>/software/<int:software_id>/remove/", views.software_remove, name="software_remove"),
]
