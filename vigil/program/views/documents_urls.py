"""Program pages: reports (the pre-meeting report: preview and downloads)."""

from django.urls import path

from . import documents as views

urlpatterns = [
    path("reports/premeeting/", views.premeeting, name="report_premeeting"),
    path("reports/premeeting/docx", views.premeeting_docx, name="report_premeeting_docx"),
    path("reports/premeeting/xlsx", views.premeeting_xlsx, name="report_premeeting_xlsx"),
]
