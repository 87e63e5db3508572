"""Operational endpoints: /health (liveness + database) and /metrics (Prometheus)."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .. import metrics


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


@require_GET
def metrics_view(request):
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
