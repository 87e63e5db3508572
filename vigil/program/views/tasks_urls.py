"""Program pages: tasks (included under /program/ with the `program` namespace).
Path parameters are named `<entity>_id` (the route access matrix fills them by name)."""

from django.urls import path

from . import tasks as views

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:task_id>/", views.task_detail, name="task_detail"),
    path("tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:task_id>/report/", views.task_report, name="task_report"),
    path("tasks/<int:task_id>/confirm/", views.task_confirm, name="task_confirm"),
    path("tasks/<int:task_id>/accept/", views.task_accept, name="task_accept"),
    path("tasks/<int:task_id>/return/", views.task_return, name="task_return"),
    path("tasks/<int:task_id>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:task_id>/cascade/", views.task_cascade, name="task_cascade"),
    path("tasks/<int:task_id>/extensions/new/", views.task_extension_request, name="task_extension_request"),
    path("tasks/extensions/<int:extension_id>/decide/", views.extension_decide, name="extension_decide"),
    path("tasks/extensions/<int:extension_id>/withdraw/", views.extension_withdraw, name="extension_withdraw"),
    path("tasks/evidence/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
]
