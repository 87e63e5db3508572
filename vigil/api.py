"""The REST API at /api/v1/: one NinjaAPI, routers added explicitly per app."""

from django.utils.translation import gettext_lazy as _
from ninja import Swagger

from vigil.core import problems
from vigil.core.api_auth import API_AUTH
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
    from vigil.assets.api import router as assets_router
    from vigil.core.api import router as core_router
    from vigil.core.api_notifications import router as notifications_router
    from vigil.core.api_webhooks import router as webhooks_router
    from vigil.incidents.api import router as incidents_router
    from vigil.intel.api import router as intel_router
    from vigil.org.api import router as org_router
    from vigil.program.api import router as program_router

    api.add_router("/", core_router)
    api.add_router("/", notifications_router)
    api.add_router("/", org_router)
    api.add_router("/", program_router)
    api.add_router("/", webhooks_router)
    api.add_router("/", assets_router)
    api.add_router("/", incidents_router)
    api.add_router("/", intel_router)


_register()
