"""Pickers that search (issue 13): long and multiple selects become type-ahead pickers served
by Vigil (Tom Select, pinned); typing ignores Vietnamese diacritics; the choice still drives
the form (and the htmx filter) through the original <select>."""

import re

import pytest

from .test_csp_browser import violations
from .test_foundation_browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_multiple_select_searches_without_diacritics_and_filters_the_list(page, net):
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    login(page, "a_analyst")
    page.goto(f"{page.base_url}/incidents/")
    select = page.locator("select[name=state]")
    page.wait_for_selector("select[name=state][data-picker-ready]")
    wrapper = page.locator(".ts-wrapper").filter(has=page.locator("input")).first
    assert wrapper.is_visible()
    control = page.locator("#" + select.get_attribute("id") + "-ts-control")
    control.click()
    control.type("dong")  # "Đã đóng" without its marks
    option = page.locator(".ts-dropdown .option").filter(has_text="đóng").first
    option.wait_for()
    with page.expect_response(lambda r: "/incidents/?" in r.url and "state=" in r.url):
        option.click()
    assert select.evaluate("el => Array.from(el.selectedOptions).map(o => o.value)") == ["closed"]
    # htmx pushes the URL after it has swapped the response in, a moment after it arrives.
    page.wait_for_url(re.compile(r"[?&]state=closed"))
    assert not violations(seen), seen
