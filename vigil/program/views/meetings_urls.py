"""Program pages: meetings, their attendees, connected sites, documents, conclusions and
the tasks conclusions produce. Path parameters are named `<entity>_id` (the route access
matrix fills them by name)."""

from django.urls import path

from . import meetings as views

M = "meetings/<int:meeting_id>/"

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path(M, views.meeting_detail, name="meeting_detail"),
    path(M + "edit/", views.meeting_edit, name="meeting_edit"),
    path(M + "status/", views.meeting_status, name="meeting_status"),
    path(M + "notice/", views.meeting_notice, name="meeting_notice"),
    path(M + "attendees/add/", views.attendee_add, name="meeting_attendee_add"),
    path(M + "attendees/add-members/", views.attendees_add_members, name="meeting_attendees_add_members"),
    path(M + "attendees/<int:attendee_id>/edit/", views.attendee_edit, name="meeting_attendee_edit"),
    path(M + "attendees/<int:attendee_id>/remove/", views.attendee_remove, name="meeting_attendee_remove"),
    path(M + "sites/add/", views.site_add, name="meeting_site_add"),
    path(M + "sites/add-provinces/", views.sites_add_provinces, name="meeting_sites_add_provinces"),
    path(M + "sites/<int:site_id>/edit/", views.site_edit, name="meeting_site_edit"),
    path(M + "sites/<int:site_id>/remove/", views.site_remove, name="meeting_site_remove"),
    path(M + "documents/add/", views.document_add, name="meeting_document_add"),
    path(M + "documents/<int:document_id>/", views.document_download, name="meeting_document_download"),
    path(M + "documents/<int:document_id>/remove/", views.document_remove, name="meeting_document_remove"),
    path(M + "conclusions/add/", views.conclusion_add, name="meeting_conclusion_add"),
    path(M + "conclusions/<int:conclusion_id>/edit/", views.conclusion_edit, name="meeting_conclusion_edit"),
    path(M + "conclusions/<int:conclusion_id>/remove/", views.conclusion_remove, name="meeting_conclusion_remove"),
    path(M + "conclusions/<int:conclusion_id>/tasks/new/", views.conclusion_task_create, name="meeting_conclusion_task_create"),
]
