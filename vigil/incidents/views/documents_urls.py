"""Incident pages: the report document of one incident, list exports, statistics."""

from django.urls import path

from . import documents as views

urlpatterns = [
    path("<int:incident_id>/report.docx", views.report_docx, name="report_docx"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("stats/", views.stats, name="stats"),
]
