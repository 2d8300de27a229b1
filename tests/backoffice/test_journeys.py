"""The back office's main journeys in a real browser, in each language, at a phone's width.

A merchant signs in and pledges 5 % of a product, then orders ingested by the
engine show up on the pledge's page and the product's public badge; a charity
posts a progress report with a photo; an admin verifies a charity, and a
settlement run created by one admin is approved by another. Key pages are
saved to docs/screenshots/office-*.png.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from dermawan.site.formatting import money

LANGUAGES = ["id", "en", "zh-hans"]
PHONE_WIDTH = 390
TEXT = {
    "id": {"pledges": "Janji donasi Anda", "verified": "telah diverifikasi",
           "approved": "disetujui"},
    "en": {"pledges": "Your pledges", "verified": "is verified", "approved": "approved"},
    "zh-hans": {"pledges": "您的捐赠承诺", "verified": "已通过验证", "approved": "已批准"},
}  # fmt: skip


def fits_the_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH)


def instant(offset_seconds: int) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_merchant_pledges_five_percent_then_sees_its_orders(
    site: Any, phone: Any, sign_in: Any, screenshot: Any, tmp_path: Path, language: str
) -> None:
    page = phone(language)
    sign_in(page, "merchant")
    page.goto(site.url("/office/"))
    assert page.locator("h1").inner_text().startswith(TEXT[language]["pledges"])
    assert fits_the_phone(page)
    screenshot(page, f"office-merchant-phone-{language}")
    page.locator(".office-nav a[href='/office/merchant/pledges/new/']").click()
    product = f"uji-{language}-{datetime.now(UTC):%H%M%S%f}"
    page.get_by_label(
        {"id": "ID produk", "en": "Product id", "zh-hans": "商品编号"}[language]
    ).fill(product)
    project = page.locator("select[name=project] option:not([value=''])").first
    page.locator("select[name=project]").select_option(project.get_attribute("value"))
    page.locator("input[name=kind][value=percent]").check()
    page.locator("input[name=percent]").fill("5")
    screenshot(page, f"office-new-pledge-phone-{language}")
    page.locator("main form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/office/merchant/pledges/(?!new/)[^/]+/$"))
    pledge_id = page.url.rstrip("/").rsplit("/", 1)[1]
    merchant_id = pledge_id.rsplit("-", 1)[0]  # pledge ids are "<merchant>-<random>"
    assert product in page.locator("h1").inner_text()

    events = tmp_path / "orders.jsonl"
    orders = [(f"{product}-o1", 3, 400_000), (f"{product}-o2", 1, 1_000_000)]
    with events.open("w") as out:
        for n, (order, quantity, price) in enumerate(orders, start=1):
            out.write(json.dumps({
                "event_id": f"{order}-paid", "type": "paid", "order_id": order, "line_id": "1",
                "occurred_at": instant(n), "merchant_id": merchant_id, "product_id": product,
                "currency": "IDR", "quantity": quantity, "unit_price_minor": price,
            }) + "\n")  # fmt: skip
    report = json.loads(site.run("ingest", str(events), "--json").stdout)
    assert (report["applied"], report["donations_created"]) == (2, 2)
    page.reload()
    figures = page.locator("ul.figures").first.inner_text()
    # 5 % of 3 x Rp4.000 and of Rp10.000: Rp600 + Rp500.
    assert "2" in figures and money(110_000, "IDR", language) in figures
    assert fits_the_phone(page)
    screenshot(page, f"office-pledge-phone-{language}")
    # The marketplace's product page shows the same through the public badge.
    badge = page.request.get(
        site.url(f"/api/v1/merchants/{merchant_id}/products/{product}/badge"),
        headers={"Accept-Language": language},
    ).json()
    assert (badge["donations"], badge["pledge"]["id"]) == (2, pledge_id)
    assert "5" in badge["text"]


def png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (40, 120, 90)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_charity_posts_a_progress_report(
    site: Any, phone: Any, sign_in: Any, screenshot: Any, tmp_path: Path, language: str
) -> None:
    page = phone(language)
    sign_in(page, "charity")
    page.goto(site.url("/office/charity/"))
    assert fits_the_phone(page)
    screenshot(page, f"office-charity-phone-{language}")
    page.locator("a[href$='/reports/new/']").first.click()
    title = f"Laporan {language} {datetime.now(UTC):%H%M%S}"
    page.locator("input[name=title]").fill(title)
    page.locator("textarea[name=body]").fill("1.200 porsi makan siang dibagikan / lunches served")
    page.locator("input[name=beneficiaries]").fill("240")
    page.locator("input[name=photos]").set_input_files(str(png(tmp_path / "dapur.png")))
    screenshot(page, f"office-report-phone-{language}")
    page.locator("main form.form button[type=submit]").click()
    page.wait_for_url("**/office/charity/projects/*/")
    assert title in page.locator("main").inner_text()
    assert fits_the_phone(page)
    screenshot(page, f"office-project-phone-{language}")
    # A report without a title is refused with a message next to the field.
    page.goto(page.url + "reports/new/")
    page.locator("input[name=beneficiaries]").fill("-1")
    page.locator("main form.form button[type=submit]").click()
    assert page.locator(".field.invalid").count() >= 2
    assert page.locator("#id_title_error, .field.invalid .errors").first.is_visible()


def next_period(page: Any) -> str:
    """The month after the newest run (runs go in period order), from January 2026."""
    periods = page.locator("table tbody td:first-child a").all_inner_texts()
    if not periods:
        return "2026-01"
    year, month = (int(x) for x in max(periods).split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admin_verifies_a_charity_and_a_second_admin_approves_a_run(
    site: Any, phone: Any, sign_in: Any, screenshot: Any, tmp_path: Path, language: str
) -> None:
    charity = f"yayasan-uji-{language}"
    document = tmp_path / "catalog.json"
    document.write_text(json.dumps({"charities": [
        {"id": charity, "name": f"Yayasan Uji {language}", "country": "ID", "verified": False}
    ]}))  # fmt: skip
    site.run("load-catalog", str(document))

    first = phone(language)
    sign_in(first, "admin")
    first.goto(site.url("/office/admin/"))
    screenshot(first, f"office-admin-queue-phone-{language}")
    first.locator(f"a[href='/office/admin/charities/{charity}/']").click()
    first.locator("input[name=decision][value=verify]").check()
    first.locator("main form.form button[type=submit]").click()
    first.wait_for_url("**/office/admin/")
    assert TEXT[language]["verified"] in first.locator(".messages").inner_text()

    first.goto(site.url("/office/admin/runs/"))
    period = next_period(first)
    first.locator("input[name=period]").fill(period)
    first.locator("main form.form button[type=submit]").click()
    first.wait_for_url("**/office/admin/runs/*/")
    run_url = first.url
    assert first.locator("p.notice").count() == 1  # its creator is told a second admin must
    assert first.locator("form[action$='/approve/']").count() == 0
    screenshot(first, f"office-run-own-phone-{language}")

    second = phone(language)
    sign_in(second, "admin2")
    second.goto(run_url)
    second.locator("form[action$='/approve/'] button").click()
    second.wait_for_url(run_url)
    assert TEXT[language]["approved"] in second.locator("dl.facts").inner_text()
    assert fits_the_phone(second)
    screenshot(second, f"office-run-approved-phone-{language}")
    second.goto(site.url("/office/admin/audit/?action=settlement."))
    log = second.locator("main table").inner_text()
    assert "settlement.run_approved" in log and "user:admin2" in log
    screenshot(second, f"office-audit-phone-{language}")


def test_desktop_views_of_the_office(
    site: Any, desktop: Any, sign_in: Any, screenshot: Any
) -> None:
    page = desktop("en")
    sign_in(page, "merchant")
    page.goto(site.url("/office/merchant/"))
    screenshot(page, "office-merchant-desktop-en")
    admin = desktop("id")
    sign_in(admin, "admin")
    for path, name in (("/office/admin/runs/", "runs"), ("/office/admin/dead-letters/",
                       "dead-letters"), ("/office/admin/audit/", "audit")):  # fmt: skip
        admin.goto(site.url(path))
        assert admin.locator("h1").count() == 1
        screenshot(admin, f"office-{name}-desktop-id")
    charity = desktop("zh-hans")
    sign_in(charity, "charity")
    for path, name in (("/office/charity/bank-accounts/", "bank-accounts"),
                       ("/office/charity/payouts/", "payouts")):  # fmt: skip
        charity.goto(site.url(path))
        assert charity.locator("h1").count() == 1
        screenshot(charity, f"office-{name}-desktop-zh-hans")
    # A refused bank account: the message sits next to the field.
    charity.goto(site.url("/office/charity/bank-accounts/"))
    charity.locator("input[name=holder_name]").fill("Yayasan")
    charity.locator("input[name=iban]").fill("DE00 0000")
    charity.locator("main form.form button[type=submit]").click()
    assert charity.locator(".field.invalid input[name=iban]").count() == 1
    screenshot(charity, "office-bank-account-refused-desktop-zh-hans")


# Every control has a name a screen reader can say, every image an alt text, nothing
# is reachable only by mouse (no positive tabindex, no click handlers on plain
# elements), and the focused element is visibly outlined.
A11Y_PROBLEMS = """() => {
  const problems = [];
  for (const el of document.querySelectorAll('main input, main select, main textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label');
    if (!named) problems.push('unlabelled ' + el.outerHTML.slice(0, 80));
  }
  for (const img of document.querySelectorAll('main img')) {
    if (!img.hasAttribute('alt')) problems.push('no alt ' + img.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('[tabindex]')) {
    if (parseInt(el.getAttribute('tabindex'), 10) > 0) problems.push('tabindex ' + el.tagName);
  }
  for (const el of document.querySelectorAll('main button, main a')) {
    if (!el.innerText.trim() && !el.getAttribute('aria-label')) {
      problems.push('nameless ' + el.outerHTML.slice(0, 80));
    }
  }
  return problems;
}"""


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        ("merchant", ["/office/merchant/", "/office/merchant/pledges/new/",
                      "/office/merchant/statements/"]),
        ("charity", ["/office/charity/", "/office/charity/bank-accounts/",
                     "/office/charity/payouts/"]),
        ("admin", ["/office/admin/", "/office/admin/runs/", "/office/admin/audit/",
                   "/office/admin/dead-letters/"]),
    ],
)  # fmt: skip
def test_office_pages_work_by_keyboard_and_name_their_controls(
    site: Any, phone: Any, sign_in: Any, username: str, paths: list[str]
) -> None:
    page = phone("en")
    sign_in(page, username)
    for path in paths:
        page.goto(site.url(path))
        assert page.evaluate(A11Y_PROBLEMS) == [], path
        assert fits_the_phone(page), path
    # The first Tab reaches the skip link; following it lands in the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tabbing on reaches the office menu, whose links show a focus outline.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.office-nav')"):
            break
    else:
        raise AssertionError("the office menu is not reachable by keyboard")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
