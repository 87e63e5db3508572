"""Incident pages of the workflow (under /incidents/, namespace `incidents`). Path
parameters are named `<entity>_id` (the route access matrix fills them by name)."""

from django.urls import path

from . import workflow as views

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("<int:incident_id>/", views.incident_detail, name="incident_detail"),
    path("<int:incident_id>/assign/", views.incident_assign, name="incident_assign"),
    path("<int:incident_id>/units/<int:incident_unit_id>/answer/", views.incident_answer, name="incident_answer"),
    path("<int:incident_id>/transition/", views.incident_transition, name="incident_transition"),
    path("<int:incident_id>/close/", views.incident_close, name="incident_close"),
    path("<int:incident_id>/reopen/", views.incident_reopen, name="incident_reopen"),
    path("<int:incident_id>/comments/", views.comment_add, name="comment_add"),
    path("<int:incident_id>/tasks/", views.task_add, name="task_add"),
    path("<int:incident_id>/tasks/<int:incident_task_id>/items/<int:checklist_item_id>/toggle/", views.item_toggle,
         name="item_toggle"),
    path("<int:incident_id>/tasks/<int:incident_task_id>/complete/", views.task_complete, name="task_complete"),
    path("<int:incident_id>/tasks/<int:incident_task_id>/cancel/", views.task_cancel, name="task_cancel"),
    path("<int:incident_id>/observables/", views.observable_add, name="observable_add"),
    path("<int:incident_id>/observables/<int:observable_id>/delete/", views.observable_remove,
         name="observable_remove"),
    path("<int:incident_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:incident_id>/evidence/<int:incident_evidence_id>/", views.evidence_download, name="evidence_download"),
    path("<int:incident_id>/related/", views.related_link, name="related_link"),
    path("<int:incident_id>/related/<str:reference>/unlink/", views.related_unlink, name="related_unlink"),
]
