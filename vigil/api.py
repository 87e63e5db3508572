"""The REST API at /api/v1/: one NinjaAPI, routers added explicitly per app."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from vigil.core import problems
from vigil.core.api_auth import API_AUTH

api = NinjaAPI(
    title="Vigil API",
    version="1",
    description=str(
        _("API của Vigil. Xác thực bằng khoá API cá nhân: `Authorization: Bearer vgl_…`. "
          "Lỗi trả về theo RFC 9457 (application/problem+json).")
    ),
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
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
