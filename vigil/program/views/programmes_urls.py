"""Program pages: annual work programmes (path parameter `programme_id`)."""

from django.urls import path

from . import programmes as views

urlpatterns = [
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:programme_id>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:programme_id>/edit/", views.programme_edit, name="programme_edit"),
    path("programmes/<int:programme_id>/approve/", views.programme_approve, name="programme_approve"),
    path("programmes/<int:programme_id>/tasks/new/", views.programme_task_create, name="programme_task_create"),
]
