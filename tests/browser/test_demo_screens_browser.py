"""The demo as its users see it (issue 13's "must hold"): every demo login, at a 1366x768
laptop and a 390x844 phone, in Vietnamese and English, against `vigil serve` on the data
the README's first command makes. For each: the top bar fits with the language switch and
the user menu (logout) on screen; every count on the home page agrees with the list it
links to; every menu entry answers 200 and, on the phone, fits without sideways scrolling
(each login walks its menu in one of the two languages, alternately).
Screenshots of the home page (every login), an incident page and a chart page are written
to test-artifacts/screens/ (git-ignored; VIGIL_SCREENSHOTS moves it) for people to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.demo_site import logins, serving

from .signin import sign_in
from .test_navigation_browser import LAPTOP, PHONE, check_top_bar, no_horizontal_overflow

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("VIGIL_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "test-artifacts" / "screens")
LIST_COUNTS = "[data-testid=task-count], [data-testid=incident-count]"
CHART_PAGE = "/incidents/stats/"


@pytest.fixture(scope="module")
def site(demo_data):
    env, printed = demo_data
    accounts = logins(printed)
    assert len(accounts) >= 7
    with serving(dict(env)) as base:
        yield base, accounts


def open_as(browser, base, username, password, viewport, lang):
    return sign_in(browser, base, username, password, viewport, lang, timeout=20000)


def first_number(text: str) -> int | None:
    found = re.search(r"\d[\d.,]*", text or "")
    return int(re.sub(r"[.,]", "", found.group())) if found else None


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_home_counts(page, base) -> list[str]:
    """Each count badge of a home panel against the count of the list it opens."""
    badges = page.eval_on_selector_all(
        ".home-panel .card-header a.badge[href]",
        "els => els.map(e => [e.getAttribute('href'), e.innerText])",
    )
    problems = []
    for href, text in badges:
        page.goto(f"{base}{href}")
        counted = page.locator(LIST_COUNTS)
        if counted.count() and first_number(text) != first_number(counted.first.inner_text()):
            problems.append(f"home says {text!r}, {href} lists {counted.first.inner_text()!r}")
    return problems


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_demo_login_works_at_a_laptop_and_a_phone(browser, site, lang):
    """Every login, both sizes, this language: home page and top bar. What does not change
    with the language is checked once, in Vietnamese: the home counts against their lists.
    The phone walk through every menu entry takes every other login in each language, so
    that every login is walked once and each language by half of them (the test network's
    office and province analyst walk every menu page in both: test_navigation_browser)."""
    base, accounts = site
    problems: list[str] = []
    for index, (username, password) in enumerate(accounts):
        walk_menu = index % 2 == (0 if lang == "vi" else 1)
        for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
            context, page = open_as(browser, base, username, password, viewport, lang)
            try:
                page.goto(f"{base}/")
                assert page.locator("html").get_attribute("lang") == lang
                shoot(page, f"home-{username}-{size}-{lang}")
                check_top_bar(page)
                if size == "laptop":
                    if lang == "vi":
                        problems += [f"{username}: {p}" for p in check_home_counts(page, base)]
                    continue
                if not walk_menu:
                    continue
                hrefs = page.eval_on_selector_all(
                    "[data-testid=main-nav] a[href^='/']",
                    "els => [...new Set(els.map(e => e.getAttribute('href')))]",
                )
                for href in hrefs:
                    response = page.goto(f"{base}{href}")
                    if response.status != 200:
                        problems.append(f"{username} {lang}: {href} answered {response.status}")
                        continue
                    if not no_horizontal_overflow(page):
                        width = page.evaluate("document.documentElement.scrollWidth")
                        problems.append(f"{username} {lang}: {href} is {width}px wide on a phone")
            finally:
                context.close()
    assert problems == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_screenshots_of_an_incident_and_a_chart_page(browser, site, lang):
    base, accounts = site
    username, password = accounts[0]  # the committee office: the widest view
    for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context, page = open_as(browser, base, username, password, viewport, lang)
        try:
            page.goto(f"{base}/incidents/")
            link = page.locator("a[href^='/incidents/'][href$='/']").filter(has_text=re.compile(r"SC-|INC-|\d{4}"))
            href = link.first.get_attribute("href")
            page.goto(f"{base}{href}")
            assert no_horizontal_overflow(page), href
            shoot(page, f"incident-{size}-{lang}")
            page.goto(f"{base}{CHART_PAGE}")
            page.wait_for_selector("canvas[data-chart][data-drawn='1']")
            assert no_horizontal_overflow(page)
            shoot(page, f"chart-{size}-{lang}")
        finally:
            context.close()
