"""Intake and triage pages. Path parameters are named `<entity>_id` (the route access
matrix fills them by name); a tracking number is `reference`."""

from django.urls import path

from . import intake as views

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/<str:reference>/", views.report_received, name="report_received"),
    path("<int:incident_id>/triage/", views.triage, name="triage"),
    path("<int:incident_id>/merge/", views.merge, name="merge"),
]
