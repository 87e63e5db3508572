"""Admission control: one request over the limit of a guarded route is refused at once
with 503 and Retry-After (nothing reaches the view); other routes are never limited."""

import json
import threading

from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import translation

from vigil.core.admission import AdmissionControlMiddleware

ROUTE = "/api/v1/incidents/reports"


@override_settings(ADMISSION_LIMITS={("POST", ROUTE): 1}, ADMISSION_RETRY_AFTER=3)
def test_one_request_over_the_limit_is_refused_at_once_and_the_next_one_passes():
    entered, release = threading.Event(), threading.Event()
    calls = []

    def view(request):
        calls.append(request.path)
        entered.set()
        release.wait(5)
        return HttpResponse(status=201)

    middleware = AdmissionControlMiddleware(view)
    rf = RequestFactory()
    first = {}
    worker = threading.Thread(target=lambda: first.setdefault("r", middleware(rf.post(ROUTE))))
    worker.start()
    assert entered.wait(5)
    with translation.override("vi"):
        refused = middleware(rf.post(ROUTE))
    assert refused.status_code == 503 and refused["Retry-After"] == "3"
    body = json.loads(refused.content)
    assert body["status"] == 503 and "Idempotency-Key" in body["detail"] and "chưa được lưu" in body["detail"]
    assert calls == [ROUTE]  # the refused request never reached the view
    # Other routes and methods are not limited, even while the gate is full.
    release.set()
    worker.join(5)
    assert first["r"].status_code == 201
    entered.clear()
    release.set()
    assert middleware(rf.post(ROUTE)).status_code == 201  # the slot was given back
    assert middleware(rf.get(ROUTE)).status_code == 201


@override_settings(ADMISSION_LIMITS={("POST", ROUTE): 1})
def test_the_refusal_speaks_english_to_an_english_client():
    release = threading.Event()
    entered = threading.Event()

    def view(request):
        entered.set()
        release.wait(5)
        return HttpResponse(status=201)

    middleware = AdmissionControlMiddleware(view)
    rf = RequestFactory()
    worker = threading.Thread(target=lambda: middleware(rf.post(ROUTE)))
    worker.start()
    assert entered.wait(5)
    with translation.override("en"):
        body = json.loads(middleware(rf.post(ROUTE)).content)
    release.set()
    worker.join(5)
    assert "not stored" in body["detail"]
