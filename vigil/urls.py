from django.urls import include, path

from vigil.api import api
from vigil.core import problems
from vigil.core.views import ops

urlpatterns = [
    path("health", ops.health, name="health"),
    path("metrics", ops.metrics_view, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", problems.api_not_found),  # a path no operation has: a 404 problem, not a page
    path("taxii2/", include("vigil.intel.taxii.urls")),
    path("", include("vigil.core.urls")),
    path("org/", include("vigil.org.urls")),
    path("program/", include("vigil.program.urls")),
    path("assets/", include("vigil.assets.urls")),
    path("incidents/", include("vigil.incidents.urls")),
    path("intel/", include("vigil.intel.urls")),
]
