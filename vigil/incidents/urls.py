"""Incident pages. Each subdomain keeps its own list of routes."""

from .views.intake_urls import urlpatterns as intake_urls
from .views.reports_urls import urlpatterns as reports_urls
from .views.stages_urls import urlpatterns as stages_urls
from .views.workflow_urls import urlpatterns as workflow_urls

app_name = "incidents"

urlpatterns = workflow_urls + intake_urls + stages_urls + reports_urls
