"""The Content-Security-Policy in a real browser (issue 11, item 8): every page a user can
reach from the menu, the API docs and the account pages load without a single CSP
violation ("Refused to ..." in the console), and what used to be inline script (the
language switch, the unit tree's expand/collapse, confirmations before deleting) still
works from vigil.js."""

import pytest

from vigil.core.actors import Actor
from vigil.core.models import WebhookEndpoint
from vigil.core.notify import webhooks

from .test_foundation_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console(page):
    """Every console message and page error of the page, as text."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    return seen


def violations(seen):
    return [m for m in seen if "Refused to" in m or "Content Security Policy" in m or m.startswith("pageerror")]


def visit(page, path):
    response = page.goto(f"{page.base_url}{path}")
    assert response is not None and response.status < 500, (path, response and response.status)
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    page.wait_for_load_state("load")


def test_menu_pages_and_api_docs_raise_no_csp_violation(page, net, console):
    login(page, "office_staff")
    menu = page.eval_on_selector_all(
        "[data-testid=main-nav] a[href]", "links => links.map(a => a.getAttribute('href'))")
    paths = sorted({href for href in menu if href and href.startswith("/")})
    assert len(paths) >= 5, paths
    for path in [*paths, "/account/tokens/", "/notifications/", "/notifications/preferences/", "/webhooks/"]:
        visit(page, path)
    visit(page, "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)  # Swagger UI ran from our static files
    assert not violations(console), "\n".join(violations(console))


def test_moved_scripts_still_work_without_violations(page, net, console):
    login(page, "a_head")
    # the unit tree's expand / collapse buttons (were onclick=)
    visit(page, "/org/units/")
    page.wait_for_selector("[data-testid=unit-tree]")
    page.click("[data-testid=unit-tree-expand]")
    assert page.eval_on_selector_all("[data-testid=unit-tree] details", "ds => ds.every(d => d.open)")
    page.click("[data-testid=unit-tree-collapse]")
    assert page.eval_on_selector_all("[data-testid=unit-tree] details", "ds => ds.every(d => !d.open)")

    # confirmation before deleting a webhook (was onsubmit=): dismiss keeps it, accept deletes
    endpoint, _secret = webhooks.endpoint_create(actor=Actor(user=net.a_head), unit=net.prov_a, name="SOC",
                                                 url="https://soc.example.gov.vn/hook")
    visit(page, f"/webhooks/{endpoint.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=webhook-delete]")
    page.wait_for_timeout(300)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=webhook-delete]")
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    # the language switch submits on change (was onchange=)
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert not violations(console), "\n".join(violations(console))


def test_an_injected_inline_script_is_refused(page, net, console):
    """The policy is really enforced: an inline script put into a page does not run."""
    login(page, "a_analyst")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__inline_ran = true;';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__inline_ran === true") is False
    assert any("inline script" in m and "Content Security Policy" in m for m in console), console


def test_no_page_or_asset_asks_any_host_but_the_server(page, net):
    """Offline by construction (issue 13): every request the browser makes for the pages
    linked from the home page, the account pages and the API docs (Swagger UI with its
    scripts, styles, fonts and images) goes to Vigil itself; nothing to a CDN, a font
    service or a validator."""
    from urllib.parse import urlsplit

    origin = urlsplit(page.base_url).netloc
    elsewhere: list[str] = []
    page.on("request", lambda req: None if urlsplit(req.url).scheme in ("data", "blob", "about")
            or urlsplit(req.url).netloc == origin else elsewhere.append(req.url))
    login(page, "office_staff")
    links = page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))")
    paths = sorted({h for h in links if h and not h.startswith(("/logout", "/i18n", "/static"))})
    assert len(paths) >= 10, paths
    for path in [*paths, "/account/", "/account/tokens/", "/api/v1/docs"]:
        visit(page, path)
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)
    page.wait_for_load_state("networkidle")
    assert not elsewhere, elsewhere
