"""A visitor browses to a project, in each language, at a phone's width (Playwright)."""

from __future__ import annotations

import time
from typing import Any

import pytest

HEADINGS = {
    "id": ("Proyek", "Uang dari waktu ke waktu", "Laporan perkembangan"),
    "en": ("Projects", "Money over time", "Progress reports"),
    "zh-hans": ("项目", "善款随时间变化", "进展报告"),
}


def chart_drawn(page: Any, seconds: float = 10) -> bool:
    """Chart.js took the canvas (the page's CSP allows no eval, so poll from here)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate("() => !!(window.Chart && Chart.getChart('money-chart'))"):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("language", ["id", "en", "zh-hans"])
def test_visitor_browses_to_a_project(
    site: Any, phone: Any, screenshot: Any, language: str
) -> None:
    page = phone(language)
    page.goto(site.url("/"))
    assert page.locator("html").get_attribute("lang") == language
    # The featured projects lead to a project page.
    screenshot(page, f"home-phone-{language}")
    page.locator("nav.menu a[href='/projects/']").click()
    page.wait_for_url("**/projects/")
    projects_heading, chart_heading, reports_heading = HEADINGS[language]
    assert page.locator("h1").inner_text() == projects_heading
    page.locator("select[name=category]").select_option("children")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**category=children**")
    cards = page.locator("article.card")
    assert cards.count() > 0
    cards.first.locator("h3 a").click()
    page.wait_for_url("**/projects/*/")
    assert page.locator("#chart-heading").inner_text() == chart_heading
    assert page.locator("#reports-heading").inner_text() == reports_heading
    # The chart drew (Chart.js sized the canvas) and the impact unit shows in this language.
    assert chart_drawn(page)
    assert page.locator("p.impact").count() == 1
    assert page.locator("progress.goal").count() == 1
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"project-phone-{language}")
