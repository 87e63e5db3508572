"""Behind an HTTPS reverse proxy (issue 11, item 8): X-Forwarded-* honoured only from the
proxies in VIGIL_TRUSTED_PROXIES, so the audit log, the lockout and the request log see
the real client, HSTS is sent and a browser's https login passes CSRF; a spoofed
X-Forwarded-For from anyone else is ignored. And a Content-Security-Policy without inline
script on every response; no template carries inline script or event handlers."""

import json
import logging
import os
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from vigil.core import proxies
from vigil.core.models import AuditEntry
from vigil.testing import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.20.30.40"
CLIENT = "203.0.113.7"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.20.0.0/16", "192.0.2.1"]
    settings.ALLOWED_HOSTS = ["vigil.example.gov.vn", "testserver", "127.0.0.1", "localhost"]
    return settings


def _login(client, username, **extra):
    return client.post("/login/", {"username": username, "password": PASSWORD}, **extra)


def _login_address(user):
    return AuditEntry.objects.filter(action="login", actor=user).order_by("-seq").values_list("address", flat=True).first()


# --------------------------------------------------------------------------- client address


def test_audit_records_the_real_client_behind_a_trusted_proxy(net, behind_proxy):
    response = _login(Client(), "a_analyst", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{CLIENT}",
                      HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 302
    assert _login_address(net.a_analyst) == CLIENT


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(net, behind_proxy):
    response = _login(Client(), "a_analyst", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert response.status_code == 302
    assert _login_address(net.a_analyst) == "198.51.100.9"


def test_without_trusted_proxies_no_forwarded_header_is_believed(net, settings):
    settings.TRUSTED_PROXIES = []
    _login(Client(), "a_analyst", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert _login_address(net.a_analyst) == PROXY


def test_client_chosen_leftmost_hops_are_not_believed(net, behind_proxy):
    """A client that sends its own X-Forwarded-For through the proxy: the proxy appends the
    real address; only that last hop (one proxy) is taken."""
    _login(Client(), "a_analyst", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {CLIENT}")
    assert _login_address(net.a_analyst) == CLIENT


def test_single_address_entry_and_ipv6(net, settings):
    settings.TRUSTED_PROXIES = ["2001:db8::/32", "192.0.2.1"]
    _login(Client(), "a_analyst", REMOTE_ADDR="2001:db8::5", HTTP_X_FORWARDED_FOR=CLIENT)
    assert _login_address(net.a_analyst) == CLIENT
    _login(Client(), "a_head", REMOTE_ADDR="192.0.2.2", HTTP_X_FORWARDED_FOR=CLIENT)
    assert _login_address(net.a_head) == "192.0.2.2"


def test_api_audit_and_request_log_use_the_real_client(net, behind_proxy, api_client, caplog):
    client = api_client(net.a_analyst)
    with caplog.at_level(logging.INFO, logger="vigil.request"):
        response = client.post("/api/v1/core/tokens", {"name": "via-proxy", "days": 30}, content_type="application/json",
                               REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.filter(action="create", object_type="core.apitoken").order_by("-seq").first()
    assert entry.address == CLIENT
    logged = [r for r in caplog.records if getattr(r, "path", "") == "/api/v1/core/tokens"]
    assert logged and logged[-1].client == CLIENT


def test_lockout_sees_the_real_client(net, behind_proxy, rf):
    from axes.helpers import get_client_ip_address

    from vigil.core.proxies import apply_forwarded

    request = rf.get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    apply_forwarded(request.META)
    assert get_client_ip_address(request) == CLIENT
    spoofed = rf.get("/login/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=CLIENT)
    apply_forwarded(spoofed.META)
    assert get_client_ip_address(spoofed) == "198.51.100.9"


def test_malformed_headers_from_the_proxy_are_a_400_not_a_500(net, behind_proxy):
    for headers in ({"HTTP_X_FORWARDED_PROTO": "gopher"}, {"HTTP_X_FORWARDED_FOR": "not-an-address"},
                    {"HTTP_X_FORWARDED_PROTO": "https, http"}):
        response = Client().get("/login/", REMOTE_ADDR=PROXY, **headers)
        assert response.status_code == 400, headers


def test_misconfigured_trusted_proxies_name_the_setting(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.local"]
    with pytest.raises(ImproperlyConfigured, match="VIGIL_TRUSTED_PROXIES.*proxy.local"):
        proxies.is_trusted_proxy("10.1.1.1")


def test_settings_refuse_a_trusted_proxy_that_is_not_an_address(tmp_path):
    code = "import vigil.settings"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(VIGIL_DATA_DIR=str(tmp_path), VIGIL_TRUSTED_PROXIES="10.0.0.0/8,proxy.local")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0 and "VIGIL_TRUSTED_PROXIES: 'proxy.local'" in out.stderr


# --------------------------------------------------------------------------- scheme: HSTS and CSRF


def test_hsts_only_when_the_real_scheme_is_https(net, behind_proxy):
    behind_proxy.SECURE_HSTS_SECONDS = 3600
    via_proxy = Client().get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert via_proxy["Strict-Transport-Security"].startswith("max-age=3600")
    spoofed = Client().get("/login/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in spoofed


def _browser_login(remote, **proxy_headers):
    """A browser's login through https://vigil.example.gov.vn: CSRF cookie, token, Origin."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/", REMOTE_ADDR=remote, HTTP_HOST="vigil.example.gov.vn", **proxy_headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(
        "/login/", {"username": "a_analyst", "password": PASSWORD, "csrfmiddlewaretoken": token},
        REMOTE_ADDR=remote, HTTP_HOST="vigil.example.gov.vn", HTTP_ORIGIN="https://vigil.example.gov.vn",
        HTTP_REFERER="https://vigil.example.gov.vn/login/", **proxy_headers,
    )


def test_https_login_passes_csrf_behind_a_trusted_proxy(net, behind_proxy):
    ok = _browser_login(PROXY, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=CLIENT)
    assert ok.status_code == 302 and _login_address(net.a_analyst) == CLIENT
    # the same request from a peer that is not a trusted proxy: still plain http, refused
    refused = _browser_login("198.51.100.9", HTTP_X_FORWARDED_PROTO="https")
    assert refused.status_code == 403


def test_forwarded_host_from_the_proxy_is_the_host(net, behind_proxy):
    ok = _browser_login(PROXY, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="vigil.example.gov.vn")
    assert ok.status_code == 302


def _settings_in_subprocess(env: dict, expr: str):
    code = f"import json, vigil.settings as s; print(json.dumps({expr}))"
    full = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_settings_derive_csrf_origin_from_base_url_and_production_trusts_no_header(tmp_path):
    values = _settings_in_subprocess(
        {"VIGIL_DATA_DIR": str(tmp_path), "VIGIL_MODE": "production", "VIGIL_SECRET_KEY": "x" * 40,
         "VIGIL_BASE_URL": "https://vigil.example.gov.vn/", "VIGIL_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1"},
        "[s.CSRF_TRUSTED_ORIGINS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.SECURE_HSTS_SECONDS, "
        "s.TRUSTED_PROXIES, s.MIDDLEWARE[0], 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE]",
    )
    origins, proxy_ssl_header, hsts, trusted, first_middleware, csp = values
    assert first_middleware == "vigil.core.proxies.TrustedProxyMiddleware" and csp  # production too
    assert origins == ["https://vigil.example.gov.vn"]
    assert proxy_ssl_header is None  # X-Forwarded-Proto is believed from trusted proxies only
    assert hsts > 0
    assert trusted == ["10.0.0.0/8", "192.0.2.1"]


# --------------------------------------------------------------------------- vigil serve (waitress)


def _through_waitress(options: dict, headers: dict) -> dict:
    """Run a waitress server with `options` and an app that echoes what it received."""
    from waitress.server import create_server

    def app(environ, start_response):
        body = json.dumps({k: environ.get(k) for k in ("REMOTE_ADDR", "HTTP_X_FORWARDED_FOR",
                                                       "HTTP_X_FORWARDED_PROTO")}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    from waitress import wasyncore

    server = create_server(app, host="127.0.0.1", port=0, threads=1, **options)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        port = server.effective_port
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
            return json.loads(response.read())
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
        server.task_dispatcher.shutdown()


def test_serve_passes_forwarded_headers_to_the_middleware_only_when_proxies_are_trusted(settings):
    headers = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https"}
    settings.TRUSTED_PROXIES = []
    assert proxies.serve_proxy_options() == {}
    dropped = _through_waitress(proxies.serve_proxy_options(), headers)
    assert dropped["HTTP_X_FORWARDED_FOR"] is None  # waitress's default: drop them
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    passed = _through_waitress(proxies.serve_proxy_options(), headers)
    assert passed["HTTP_X_FORWARDED_FOR"] == CLIENT and passed["HTTP_X_FORWARDED_PROTO"] == "https"
    environ = {"REMOTE_ADDR": passed["REMOTE_ADDR"], "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
               "HTTP_X_FORWARDED_FOR": passed["HTTP_X_FORWARDED_FOR"], "HTTP_X_FORWARDED_PROTO": "https"}
    assert proxies.apply_forwarded(environ) is None
    assert environ["REMOTE_ADDR"] == CLIENT and environ["wsgi.url_scheme"] == "https"


# --------------------------------------------------------------------------- Content-Security-Policy


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("mode", ["embedded", "production"])
def test_every_response_carries_a_csp_without_inline_script(net, login, api_client, settings, mode):
    settings.MODE = mode
    responses = [
        Client().get("/login/"),
        login(net.a_analyst).get("/"),
        login(net.a_analyst).get("/units/"),
        Client().get("/api/v1/docs"),
        api_client(net.a_analyst).get("/api/v1/core/me"),
        Client().get("/no-such-page/"),
    ]
    for response in responses:
        policy = _csp(response)
        assert policy["script-src"] == ["'self'"] or all(
            s == "'self'" or s.startswith("'nonce-") for s in policy["script-src"]), policy
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        everything = " ".join(v for values in policy.values() for v in values)
        assert "unsafe-eval" not in everything and "http:" not in everything and "https:" not in everything
        assert "'unsafe-inline'" not in policy["script-src"]


def test_api_docs_page_runs_no_inline_script_and_loads_nothing_from_the_internet(net):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "cdn." not in html and "https://" not in html
    assert '"validatorUrl": null' in html


TEMPLATE_DIRS = sorted(p for p in (ROOT / "vigil").rglob("templates") if p.is_dir())
INLINE_HANDLER = re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.IGNORECASE)


def test_no_template_has_inline_script_event_handlers_or_javascript_urls():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_HANDLER, INLINE_SCRIPT, re.compile(r"javascript:", re.IGNORECASE)):
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:80]}")
    assert TEMPLATE_DIRS and not offenders, "\n".join(offenders)


def test_htmx_is_told_not_to_eval(net, login):
    html = login(net.a_analyst).get("/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert config and json.loads(config.group(1)) == {"allowEval": False, "allowScriptTags": False}
    assert "/static/vigil/vigil.js" in html
