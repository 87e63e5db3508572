"""Program pages: the office's views, a unit's lists, the calendar and the timeline
(included under /program/ with the `program` namespace). All read-only.
Path parameters are named `<entity>_id` (the route access matrix fills them by name)."""

from django.urls import path

from . import office as views

urlpatterns = [
    path("office/matrix/", views.office_matrix, name="office_matrix"),
    path("office/late/", views.office_late, name="office_late"),
    path("office/on-time/", views.office_ontime, name="office_ontime"),
    path("office/bodies/", views.office_bodies, name="office_bodies"),
    path("my-unit/", views.my_unit_tasks, name="my_unit_tasks"),
    path("units/<int:unit_id>/tasks/", views.unit_tasks, name="unit_tasks"),
    path("calendar/", views.task_calendar, name="calendar"),
    path("timeline/", views.task_timeline, name="timeline"),
]
