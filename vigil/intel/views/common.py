"""What every intelligence page shares: the actor of a request, and a service's error put
next to the field it names (an access error naming no form field goes to the error page)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from vigil.core.actors import actor_from_request
from vigil.core.errors import DomainError, validation_errors

from ..forms import service_errors

# Path parameters of the intelligence pages (the route access matrix fills them by name).
PATH_FIELDS = {"indicator_id", "intel_source_id", "feed_id", "feed_run_id", "import_job_id", "sighting_id",
               "warninglist_id", "incident_id"}


def actor(request):
    return actor_from_request(request, channel="web")


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_errors(form, exc: Exception, aliases: dict | None = None) -> None:
    """Show `exc` on `form`; re-raise access errors that name no field of the form."""
    if isinstance(exc, DomainError):
        field = (aliases or {}).get(exc.field, exc.field)
        if exc.status in (403, 404) and (field is None or field in PATH_FIELDS or field not in form.fields):
            raise exc
        service_errors(form, exc.errors(), aliases)
        return
    if isinstance(exc, ValidationError):
        service_errors(form, validation_errors(exc), aliases)
        return
    raise exc
