"""Admission control for write endpoints that must never lose what they acknowledge
(incident intake): at most N requests of a route are processed at once per server
process; one more is refused at once with 503 and Retry-After, before any work is done.

Under a flood the server then answers every request quickly — stored (201), or refused
(503: nothing was stored, send it again with the same Idempotency-Key) — instead of
letting a queue grow until clients time out not knowing whether their report was kept.
Limits come from settings.ADMISSION_LIMITS: {(method, path): max concurrent}."""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.translation import gettext as _

from . import metrics
from .problems import problem


class AdmissionControlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.gates = {
            key: threading.BoundedSemaphore(limit)
            for key, limit in getattr(settings, "ADMISSION_LIMITS", {}).items() if limit and limit > 0
        }
        self.retry_after = str(getattr(settings, "ADMISSION_RETRY_AFTER", 2))

    def __call__(self, request):
        gate = self.gates.get((request.method, request.path)) if self.gates else None
        if gate is None:
            return self.get_response(request)
        if not gate.acquire(blocking=False):
            metrics.observe_refused(request.path)
            response = problem(
                request, 503, _("Máy chủ đang bận"),
                _("Báo cáo chưa được lưu. Hãy gửi lại sau %(s)s giây với cùng khoá Idempotency-Key.")
                % {"s": self.retry_after},
                code="busy",
            )
            response["Retry-After"] = self.retry_after
            return response
        try:
            return self.get_response(request)
        finally:
            gate.release()
