"""Signing a browser in, shared by the browser tests: a fresh context (its own cookies) at a
viewport, the login form, then the language switch when the account's language (the last
one chosen) is not the one wanted."""


def sign_in(browser, base: str, username: str, password: str, viewport: dict, lang: str, *, timeout=15000):
    """(context, page) signed in as `username`, reading `lang`. The caller closes the context."""
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(timeout)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("[data-testid=login-submit]")
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.select_option("[data-testid=language-select]", lang)
    assert page.locator("html").get_attribute("lang") == lang
    return context, page
