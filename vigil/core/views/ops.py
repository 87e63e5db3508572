"""Operational endpoints: /health (liveness + database) and /metrics (Prometheus)."""

import hmac
import ipaddress

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .. import metrics
from ..actors import client_address


@require_GET
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db = "ok"
    except Exception:  # the endpoint reports, it does not raise
        db = "error"
    status = 200 if db == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", "database": db}, status=status)


def metrics_allowed(request) -> bool:
    """/metrics is for the monitoring system: a client address in VIGIL_METRICS_ALLOW
    (loopback by default), or the bearer token VIGIL_METRICS_TOKEN from anywhere."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _sep, sent = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address((client_address(request) or "").strip().split("%")[0])
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return any(address in net for net in settings.METRICS_NETWORKS)


@require_GET
def metrics_view(request):
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
