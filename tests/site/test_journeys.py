"""Journeys across the site in Chromium: a buyer checks a receipt; new orders show up;
the key pages saved as screenshots (docs/screenshots/) in two languages and two sizes."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

PAGES = ("home", "project", "charity", "transparency")


def a_project_with_an_open_pledge(catalog: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A percent pledge still running now, and its project (from the loaded catalog)."""
    document = json.loads(catalog.read_text())
    projects = {p["id"]: p for p in document["projects"]}
    now = datetime.now(UTC)
    for pledge in document["pledges"]:
        started = datetime.fromisoformat(pledge["valid_from"].replace("Z", "+00:00")) <= now
        open_now = started and pledge["valid_to"] is None
        if open_now and pledge["kind"] == "percent" and pledge["product_id"]:
            return pledge, projects[pledge["project_id"]]
    raise AssertionError("the demo catalog has no open percent pledge")


def donations_shown(page: Any) -> int:
    return int(re.sub(r"\D", "", page.locator("[data-figure=donations] strong").inner_text()))


def test_ingested_orders_show_up_on_the_project_page(site: Any, phone: Any, tmp_path: Path) -> None:
    pledge, project = a_project_with_an_open_pledge(site.catalog)
    page = phone("en")
    page.goto(site.url(f"/projects/{project['id']}/"))
    before = donations_shown(page)
    paid_at = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [
        {
            "event_id": f"site-journey-{n}",
            "type": "paid",
            "order_id": f"site-journey-{n}",
            "line_id": "1",
            "occurred_at": paid_at,
            "merchant_id": pledge["merchant_id"],
            "product_id": pledge["product_id"],
            "currency": project["currency"],
            "quantity": 2,
            "unit_price_minor": 5_000_000,
            "buyer_id": "b-journey",
        }
        for n in range(3)
    ]
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    site.run("ingest", str(path), "--rejects", str(tmp_path / "rejects.jsonl"))
    # Public pages may lag PAGE_SECONDS behind the rollups they read.
    deadline = time.monotonic() + 15
    while True:
        page.reload()
        shown = donations_shown(page)
        if shown == before + 3 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert shown == before + 3


def test_a_buyer_downloads_a_receipt_and_verifies_it(
    site: Any, phone: Any, sign_in: Any, screenshot: Any
) -> None:
    page = phone("en")
    sign_in(page, "buyer")
    assert page.url.endswith("/me/donations/")
    screenshot(page, "donations-phone-en")
    with page.expect_download() as download:
        page.locator("table a[download]").first.click()
    receipt = Path(download.value.path()).read_text()
    assert json.loads(receipt)["lines"][0]["buyer_id"]
    page.goto(site.url("/receipts/check/"))
    page.locator("main a.button").click()
    page.wait_for_url("**/receipts/verify")
    page.locator("#receipt").fill(receipt)
    page.locator("#receipt-check button[type=submit]").click()
    verdict = page.locator("[data-verdict]").first
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "verified"


def open_key_page(site: Any, page: Any, name: str) -> None:
    page.goto(site.url("/"))
    if name == "project":
        page.locator("article.card h3 a").first.click()
        page.wait_for_url("**/projects/*/")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not page.evaluate(
            "() => !!(window.Chart && Chart.getChart('money-chart'))"
        ):
            time.sleep(0.1)
    elif name == "charity":
        page.locator("article.card p.meta").first.wait_for()
        page.goto(site.url("/charities/"))
        page.locator("ul.grid a").first.click()
        page.wait_for_url("**/charities/*/")
    elif name == "transparency":
        page.goto(site.url("/transparency/"))


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["id", "en", "zh-hans"])
def test_key_pages_render_for_each_language_and_size(
    site: Any, phone: Any, desktop: Any, screenshot: Any, language: str, size: str
) -> None:
    page = (phone if size == "phone" else desktop)(language)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for name in PAGES:
        open_key_page(site, page, name)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1
        # Every form control has a label; every image says what it shows.
        assert page.evaluate(
            "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
            ".every(e => e.labels && e.labels.length > 0)"
        )
        assert page.evaluate("() => [...document.images].every(i => i.alt.trim().length > 0)")
        if size == "phone":
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        if language != "zh-hans" or size == "desktop":
            screenshot(page, f"{name}-{size}-{language}")
    assert errors == []


def test_the_keyboard_reaches_the_content_and_the_filters(site: Any, desktop: Any) -> None:
    page = desktop("en")
    page.goto(site.url("/projects/"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    # From the content, Tab walks into the search form in order.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "q"
    page.keyboard.type("anak")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=anak**")
    assert page.locator("article.card").count() > 0
