"""Root URLs: operations, the API and, for each installed app, the URLconfs it declares in its
AppConfig (`VigilAppConfig.urls` at `url_prefix`, `extra_urls` at the root)."""

from django.urls import include, path

from vigil.api import api
from vigil.core import problems
from vigil.core.appconfig import vigil_apps
from vigil.core.views import account, ops


def app_patterns() -> list:
    """The apps' URLconfs in INSTALLED_APPS order (core's pages sit at the root)."""
    patterns = []
    for app in vigil_apps():
        patterns.extend(path(prefix, include(module)) for prefix, module in app.extra_urls)
        if app.urls:
            patterns.append(path(app.url_prefix or "", include(app.urls)))
    return patterns


urlpatterns = [
    path("health", ops.health, name="health"),
    path("metrics", ops.metrics_view, name="metrics"),
    # The language switch: Django's set_language, and the choice stored on the account.
    path("i18n/setlang/", account.set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", problems.api_not_found),  # a path no operation has: a 404 problem, not a page
    *app_patterns(),
]
