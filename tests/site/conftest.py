"""Browser tests of the site: the real server, Debian's Chromium, phone and desktop sizes.

Fixtures (the back office's tests use them too)::

    def test_journey(site, phone, sign_in, screenshot):
        page = phone("en")                   # a new page, 390x844, English
        page.goto(site.url("/projects/"))
        sign_in(page, "merchant")            # demo users of ``dermawan demo-users``
        screenshot(page, "projects-phone-en")  # docs/screenshots/projects-phone-en.png

- ``site``: one ``dermawan serve`` for the session on a free loopback port,
  over a fresh database of the suite's vendor filled as ``make demo`` fills
  it (a small simulation, ``demo-content``, ``demo-users``); ``site.url(path)``,
  ``site.run(*args)`` runs ``dermawan`` against the same database and data dir.
- ``phone(language)`` / ``desktop(language)``: pages in new browser contexts
  whose Accept-Language is that language ("id", "en", "zh-hans").
- ``sign_in(page, username)``; ``screenshot(page, name)``.

Chromium is Debian's (``/usr/bin/chromium``; Playwright never downloads
one). Without it the tests skip saying so; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.live import serving
from tests.conftest import fresh_database, need_chromium

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ACCEPT = {"id": "id-ID,id;q=0.9", "en": "en-US,en;q=0.9", "zh-hans": "zh-CN,zh;q=0.9"}
DEMO_PASSWORD = "dermawan-demo"
DEMO_EVENTS = "4000"


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> Iterator[None]:
    """Pages keep rollup reads a few seconds per process; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Site:
    base: str
    database_url: str
    data_dir: Path
    catalog: Path  # the simulated catalog document that was loaded

    def url(self, path: str) -> str:
        return self.base + path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(
            os.environ,
            DERMAWAN_DATABASE_URL=self.database_url,
            DERMAWAN_DATA_DIR=str(self.data_dir),
        )
        return subprocess.run(
            [sys.executable, "-m", "dermawan", *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    need_chromium()
    work = tmp_path_factory.mktemp("site")
    data_dir = work / "data"
    data_dir.mkdir()
    previous = os.environ.get("DERMAWAN_DATA_DIR")
    os.environ["DERMAWAN_DATA_DIR"] = str(data_dir)  # the server's uploads and log key
    try:
        with fresh_database(work, "site") as url:
            site = Site("", url, data_dir, work / "input" / "catalog.json")
            site.run(
                "simulate",
                "--events",
                DEMO_EVENTS,
                "--seed",
                "1111",
                "--out",
                str(work / "input"),
                "--start",
                "2026-11-05T00:00:00+07:00",
                "--days",
                "7",
            )
            site.run("load-catalog", str(work / "input" / "catalog.json"))
            site.run(
                "ingest",
                str(work / "input" / "events.jsonl"),
                "--rejects",
                str(work / "rejects.jsonl"),
            )
            site.run("demo-content")
            site.run("demo-users", "--password", DEMO_PASSWORD)
            with serving(url, workers=1) as base:
                site.base = base
                yield site
    finally:
        if previous is None:
            os.environ.pop("DERMAWAN_DATA_DIR", None)
        else:
            os.environ["DERMAWAN_DATA_DIR"] = previous


def _pages(browser: Any, viewport: dict[str, int], mobile: bool) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_page(language: str = "id") -> Any:
        context = browser.new_context(
            viewport=viewport,
            is_mobile=mobile,
            has_touch=mobile,
            locale={"id": "id-ID", "en": "en-US", "zh-hans": "zh-CN"}[language],
            extra_http_headers={"Accept-Language": ACCEPT[language]},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Callable[..., Any]]:
    yield from _pages(browser, PHONE, True)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Callable[..., Any]]:
    yield from _pages(browser, DESKTOP, False)


@pytest.fixture
def sign_in(site: Site) -> Callable[[Any, str], None]:
    def sign_in_as(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(site.url("/accounts/login/"))
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state()
        if "/accounts/login/" in page.url:
            raise AssertionError(f"could not sign in as {username}")

    return sign_in_as


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    def save(page: Any, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if full_page:
            # Lazy images load only when scrolled to; a full-page picture wants them all.
            page.evaluate(
                "async () => { for (let y = 0; y < document.body.scrollHeight; y += 600)"
                " { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); }"
                " window.scrollTo(0, 0); }"
            )
            page.wait_for_load_state("networkidle")
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


def pytest_report_header() -> str:
    found = shutil.which("chromium") or "missing"
    return f"site browser tests: chromium {found}"
