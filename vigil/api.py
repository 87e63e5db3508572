"""The REST API at /api/v1/: one NinjaAPI; each installed app mounts its router under its own
prefix (`VigilAppConfig.api_prefix`: /api/v1/org/…, /api/v1/program/…)."""

from django.utils.translation import gettext_lazy as _
from ninja import Swagger

from vigil.core import problems
from vigil.core.api.auth import API_AUTH
from vigil.core.appconfig import load_object, vigil_apps
from vigil.core.openapi import VigilNinjaAPI
from vigil.core.problems import BoundedJsonParser

api = VigilNinjaAPI(
    title="Vigil API",
    version="1",
    description=str(
        _("API của Vigil. Xác thực bằng khoá API cá nhân: `Authorization: Bearer vgl_…`. "
          "Lỗi trả về theo RFC 9457 (application/problem+json).")
    ),
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI from our static files (ninja in INSTALLED_APPS); no online validator badge,
    # which the Content-Security-Policy would refuse anyway: nothing is fetched from the internet.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
    parser=BoundedJsonParser(),
)
problems.install(api)


def _register():
    """Each installed app's router at /api/v1/<api_prefix>/ (declared in its AppConfig)."""
    for app in vigil_apps():
        if app.api_router:
            api.add_router(f"/{app.api_prefix}", load_object(app.api_router))


_register()
