"""/metrics is for the monitoring system only (issue 11, item 14): a client address in
VIGIL_METRICS_ALLOW (loopback by default) or the bearer token VIGIL_METRICS_TOKEN."""

import ipaddress
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

TOKEN = "m" * 32
OUTSIDE = "203.0.113.9"


def test_loopback_reads_metrics_by_default():
    assert Client().get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


def test_an_address_outside_the_list_is_refused_without_a_line_of_metrics():
    response = Client(REMOTE_ADDR=OUTSIDE).get("/metrics")
    assert response.status_code == 403
    assert b"vigil_http_requests_total" not in response.content
    assert Client(REMOTE_ADDR="not-an-address").get("/metrics").status_code == 403


@override_settings(METRICS_NETWORKS=(ipaddress.ip_network("10.20.0.0/16"),))
def test_the_allowed_networks_are_a_setting():
    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.21.3.4").get("/metrics").status_code == 403
    assert Client().get("/metrics").status_code == 403  # loopback no longer listed


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_token_opens_metrics_from_anywhere_and_a_wrong_one_does_not():
    ok = Client(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").get("/metrics")
    assert ok.status_code == 200 and b"vigil_http_requests_total" in ok.content
    assert Client(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer " + "x" * 32).get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Basic {TOKEN}").get("/metrics").status_code == 403


@pytest.mark.parametrize(("env", "message"), [
    ({"VIGIL_METRICS_ALLOW": "10.0.0.0/8,not-a-network"}, "VIGIL_METRICS_ALLOW"),
    ({"VIGIL_METRICS_TOKEN": "short"}, "VIGIL_METRICS_TOKEN"),
])
def test_bad_metrics_settings_are_refused_at_start(tmp_path, env, message):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "DJANGO_"))}
    clean.update(env, VIGIL_DATA_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    result = subprocess.run([sys.executable, "-c", "import vigil.settings"], env=clean, capture_output=True,
                            text=True, timeout=60, cwd=root)
    assert result.returncode != 0 and message in result.stderr
