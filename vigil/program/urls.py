"""Program pages. Each subdomain keeps its own list of routes."""

from .views.documents_urls import urlpatterns as documents_urls
from .views.inspections_urls import urlpatterns as inspections_urls
from .views.meetings_urls import urlpatterns as meetings_urls
from .views.office_urls import urlpatterns as office_urls
from .views.programmes_urls import urlpatterns as programmes_urls
from .views.tasks_urls import urlpatterns as tasks_urls

app_name = "program"

urlpatterns = meetings_urls + programmes_urls + tasks_urls + inspections_urls + office_urls + documents_urls
