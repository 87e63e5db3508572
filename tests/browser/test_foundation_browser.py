"""A person logs in, switches language, opens the unit tree and a unit, in both languages."""

import pytest

from vigil.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto(f"{page.base_url}/login/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading").first.inner_text() == "Đăng nhập Vigil"
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=dashboard-title]")


def switch_language(page, code):
    with page.expect_navigation():
        page.select_option("[data-testid=language-select]", code)
    assert page.locator("html").get_attribute("lang") == code


def open_tree_and_unit(page, tree_label, unit_code, unit_name):
    link = page.locator("[data-testid=main-nav]").get_by_role("link", name=tree_label, exact=True, include_hidden=True)
    if not link.is_visible():  # the sidebar opens the current page's group only: open the organisation's
        link.locator("xpath=ancestor::li[contains(@class, 'vg-nav-group')]/button").click()
    link.click()
    page.wait_for_selector("[data-testid=unit-tree]")
    page.click(f"[data-testid=unit-link-{unit_code}]")
    heading = page.wait_for_selector("[data-testid=unit-name]")
    assert unit_name in heading.inner_text()


def test_analyst_browses_units_in_vietnamese_then_english(page, net):
    login(page, "a_analyst")
    assert "Tổng quan" in page.inner_text("[data-testid=dashboard-title]")
    open_tree_and_unit(page, "Cây đơn vị", "tinh-a-sotc", "Sở Tài chính tỉnh A")
    assert "Tỉnh B" not in page.content()  # a sibling province is not in this user's tree

    switch_language(page, "en")
    assert page.inner_text("[data-testid=unit-name]").strip().startswith("Province A finance department")
    open_tree_and_unit(page, "Unit tree", "tinh-a", "Province A")
    page.goto(f"{page.base_url}/")
    assert "Dashboard" in page.inner_text("[data-testid=dashboard-title]")

    switch_language(page, "vi")
    assert "Tổng quan" in page.inner_text("[data-testid=dashboard-title]")


def test_wrong_password_shows_a_translated_error(page, net):
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=username]", "a_analyst")
    page.fill("input[name=password]", "not-the-password")
    page.click("[data-testid=login-submit]")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.inner_text("[data-testid=login-error]")
