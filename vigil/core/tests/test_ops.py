"""Operations: health and metrics endpoints, production settings refusal, JSON logs."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_reports_database_ok():
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_metrics_expose_request_counters_in_prometheus_format(net, login):
    login(net.a_analyst).get("/account/")
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "# TYPE vigil_http_requests_total counter" in body
    assert 'route="account/"' in body


def _import_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "DJANGO_"))}
    clean.update(env)
    code = "import vigil.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True,
                          timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))


GOOD_SECRET = "x" * 50


def test_production_refuses_debug(tmp_path):
    result = _import_settings(VIGIL_MODE="production", VIGIL_DEBUG="1", VIGIL_SECRET_KEY=GOOD_SECRET,
                              VIGIL_DATA_DIR=str(tmp_path))
    assert result.returncode != 0 and "VIGIL_DEBUG must be off in production mode" in result.stderr


def test_production_refuses_default_or_short_secret(tmp_path):
    for secret in (None, "short"):
        env = {"VIGIL_MODE": "production", "VIGIL_DATA_DIR": str(tmp_path)}
        if secret:
            env["VIGIL_SECRET_KEY"] = secret
        result = _import_settings(**env)
        assert result.returncode != 0 and "VIGIL_SECRET_KEY must be set" in result.stderr


def test_production_with_a_real_secret_uses_secure_cookies(tmp_path):
    result = _import_settings(VIGIL_MODE="production", VIGIL_SECRET_KEY=GOOD_SECRET, VIGIL_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


def test_request_log_line_is_json(net, login):
    from pythonjsonlogger.json import JsonFormatter

    handlers = [h for h in logging.getLogger().handlers
                if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, JsonFormatter)]
    assert handlers, "the console handler must use the JSON formatter"
    # A fresh handler with the configured formatter: the configured one may hold a stream
    # that pytest's capture has since closed.
    stream = io.StringIO()
    probe = logging.StreamHandler(stream)
    probe.setFormatter(handlers[0].formatter)
    root = logging.getLogger()
    root.addHandler(probe)
    try:
        login(net.a_analyst).get("/account/?x=1")
    finally:
        root.removeHandler(probe)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    request = [r for r in lines if r.get("logger") == "vigil.request"]
    assert request and request[-1]["path"] == "/account/" and request[-1]["status"] == 200
    assert request[-1]["user"] == "a_analyst" and request[-1]["level"] == "INFO"


def test_core_api_operations_are_documented():
    from vigil.api import api

    schema = api.get_openapi_schema()
    core_paths = [p for p in schema["paths"] if p.split("/")[3:5] in (["core", "me"], ["core", "tokens"], ["core", "roles"],
                                                                  ["core", "audit"])]
    assert len(core_paths) >= 8
    for path in core_paths:
        for method, op in schema["paths"][path].items():
            assert op.get("summary"), f"{method} {path}"
            ok = [c for c in op["responses"] if str(c).startswith("2")]
            assert ok and "content" in op["responses"][ok[0]], f"{method} {path}"
