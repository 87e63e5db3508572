"""Incident pages: SLA breaches and statutory reporting stages (path parameters
`incident_id`, `stage_report_id`)."""

from django.urls import path

from . import stages as views

urlpatterns = [
    path("stages/due/", views.stages_due, name="stages_due"),
    path("stages/overdue/", views.stages_overdue, name="stages_overdue"),
    path("sla/breaches/", views.sla_breaches, name="sla_breaches"),
    path("<int:incident_id>/stage-reports/<int:stage_report_id>/submit/", views.stage_report_submit,
         name="stage_report_submit"),
]
