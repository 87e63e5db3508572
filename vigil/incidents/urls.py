"""Incident pages. Each subdomain keeps its own list of routes."""

from .views.documents_urls import urlpatterns as documents_urls
from .views.intake_urls import urlpatterns as intake_urls
from .views.stages_urls import urlpatterns as stages_urls
from .views.workflow_urls import urlpatterns as workflow_urls

app_name = "incidents"

urlpatterns = workflow_urls + intake_urls + stages_urls + documents_urls
