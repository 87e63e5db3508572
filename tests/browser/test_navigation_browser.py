"""The page frame in a real browser (issue 13): at a 1366x768 laptop and a 390x844 phone,
in Vietnamese and English, nothing overflows sideways, the top bar stays one slim line with
the language switch and the user's menu (logout) whole and on screen; the sidebar sits
beside the page on the laptop, scrolls within itself when the entries double, and opens
from the top bar's button on the phone."""

import pytest

from vigil.testing import PASSWORD

from .signin import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
UNIT_TREE = {"vi": "Cây đơn vị", "en": "Unit tree"}


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def _open(viewport, lang, username="office_staff"):
        context, page = sign_in(browser, live_server.url, username, PASSWORD, viewport, lang)
        contexts.append(context)
        page.goto(f"{live_server.url}/org/units/")
        assert page.locator("html").get_attribute("lang") == lang
        return page

    yield _open
    for context in contexts:
        context.close()


def inside_viewport(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    width, height = page.evaluate("[window.innerWidth, window.innerHeight]")
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# The selected language's name fits its box (a select shows no ellipsis: a cut name is
# simply clipped, "Tiế"); the padding on the right holds the arrow.
LANGUAGE_NAME_FITS = """el => {
  const cs = getComputedStyle(el);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = cs.font;
  const text = ctx.measureText(el.options[el.selectedIndex].text).width;
  return text + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) <= el.clientWidth + 0.5;
}"""


def check_top_bar(page):
    assert no_horizontal_overflow(page)
    assert page.locator("[data-testid=topbar]").bounding_box()["height"] <= 64
    language = page.locator("[data-testid=language-select]")
    assert language.is_visible() and inside_viewport(page, "[data-testid=language-select]")
    assert language.evaluate(LANGUAGE_NAME_FITS)
    assert page.locator("[data-testid=user-menu]").is_visible() and inside_viewport(page, "[data-testid=user-menu]")
    assert page.locator("[data-testid=notification-bell]").is_visible()
    page.click("[data-testid=user-menu]")
    logout = page.locator("[data-testid=logout]")
    logout.wait_for(state="visible")
    assert inside_viewport(page, "[data-testid=logout]")
    assert logout.evaluate("el => getComputedStyle(el).color !== getComputedStyle(el).backgroundColor")
    page.keyboard.press("Escape")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_laptop_frame_fits_and_the_sidebar_scrolls_within_itself(open_page, net, lang):
    page = open_page(LAPTOP, lang)
    check_top_bar(page)
    assert not page.locator("[data-testid=sidebar-toggle]").is_visible()
    sidebar = page.locator("[data-testid=sidebar]")
    assert sidebar.is_visible() and sidebar.bounding_box()["x"] == 0
    current = page.get_by_role("link", name=UNIT_TREE[lang], exact=True)
    assert current.is_visible() and current.get_attribute("aria-current") == "page"  # its group is open
    # Every group opens and closes with its header (Bootstrap collapse).
    toggles = page.locator("[data-testid=nav-group]")
    closed = page.locator("[data-testid=nav-group].collapsed").first
    target = closed.get_attribute("data-bs-target")
    closed.click()
    page.locator(target).wait_for(state="visible")
    assert toggles.count() >= 5
    # Twice the entries (every group open): the sidebar scrolls, the page does not grow.
    page_height = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate("""() => {
      const nav = document.querySelector('[data-testid=main-nav]');
      nav.insertAdjacentHTML('beforeend', nav.innerHTML);
      nav.querySelectorAll('.collapse').forEach(c => c.classList.add('show'));
    }""")
    body = page.locator(".vg-sidebar-body")
    assert body.evaluate("el => el.scrollHeight > el.clientHeight && getComputedStyle(el).overflowY === 'auto'")
    assert sidebar.bounding_box()["height"] <= LAPTOP["height"]
    assert page.evaluate("document.documentElement.scrollHeight") == page_height
    assert no_horizontal_overflow(page)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_phone_frame_fits_and_the_sidebar_opens_with_the_button(open_page, net, lang):
    page = open_page(PHONE, lang)
    check_top_bar(page)
    sidebar = page.locator("[data-testid=sidebar]")
    assert not sidebar.is_visible()
    toggle = page.locator("[data-testid=sidebar-toggle]")
    assert toggle.is_visible() and inside_viewport(page, "[data-testid=sidebar-toggle]")
    toggle.click()
    page.wait_for_selector("[data-testid=sidebar].show")
    link = page.get_by_role("link", name=UNIT_TREE[lang], exact=True)
    link.wait_for(state="visible")
    assert inside_viewport(page, "[data-testid=sidebar-close]")
    box = sidebar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert no_horizontal_overflow(page)
    with page.expect_navigation():
        link.click()
    assert page.url.endswith("/org/units/")
    page.click("[data-testid=sidebar-toggle]")
    page.wait_for_selector("[data-testid=sidebar].show")
    page.click("[data-testid=sidebar-close]")
    page.wait_for_selector("[data-testid=sidebar].show", state="detached")


# Every page the menu opens, on a phone, in both languages: the users with the widest menus
# (the office: steering, the network's picture; a province analyst: its own work). The page's
# own content (tables, timelines, charts) must fit or scroll within its own box.
@pytest.mark.parametrize("username", ["office_staff", "a_analyst"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_of_the_menu_fits_a_phone(open_page, live_server, net, lang, username):
    page = open_page(PHONE, lang, username=username)
    hrefs = page.eval_on_selector_all(
        "[data-testid=main-nav] a[href^='/']", "els => [...new Set(els.map(e => e.getAttribute('href')))]"
    )
    assert len(hrefs) >= 10
    too_wide = []
    for href in hrefs:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status == 200, href
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append((href, width))
    assert too_wide == []
