"""Org pages. Each subdomain keeps its own list: units (tree, constituency, who-owns) and
people (people, memberships, decisions, completeness)."""

from .views.people_urls import urlpatterns as people_urls
from .views.units_urls import urlpatterns as units_urls

app_name = "org"

urlpatterns = units_urls + people_urls
