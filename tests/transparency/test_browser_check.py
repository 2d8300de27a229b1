"""The receipt check page verifies a pasted receipt in Chromium, with WebCrypto only.

Runs the page against the live test server in headless Debian Chromium
(/usr/bin/chromium; Playwright never downloads a browser here). Without it the
test is skipped with what to install; under CI=true that is a failure.
"""

from __future__ import annotations

import base64
import copy
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from dermawan.transparency import signing
from tests.api.live import prepare, serving
from tests.conftest import fresh_database
from tests.donations.builders import catalog, completed, paid, percent_pledge, refunded

# The browser is the suite's one per process (tests/conftest.py: browser).


def call(base: str, path: str, key: str | None = None, body: Any = None) -> Any:
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({} if key is None else {"Authorization": f"Bearer {key}"}),
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def logged_receipt(base: str, path: str, key: str) -> Any:
    """The receipt once the server has appended its lines' leaves to the log
    (a moment after the batch's answer: decision 0041)."""
    deadline = time.monotonic() + 10
    while True:
        receipt = call(base, path, key)
        if all(ln["log"]["entries_waiting"] == 0 for ln in receipt["lines"]):
            return receipt
        assert time.monotonic() < deadline, f"the log did not take the receipt's leaves: {receipt}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """``dermawan serve`` over a fresh database with a receipt in it: (base URL, receipt)."""
    workdir = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DERMAWAN_DATA_DIR", str(workdir / "data"))
        patch.setenv("DERMAWAN_LOG_HEAD_INTERVAL_MS", "0")
        with fresh_database(workdir, "browser") as url:
            keys = prepare(url, workdir, catalog(percent_pledge("pl-wide")))
            with serving(url) as base:
                events = [
                    paid("p-1", "o-1", "1", buyer_id="b-1"),
                    paid("p-2", "o-1", "2", buyer_id="b-1"),
                    completed("c-1", "o-1", "1"),
                    refunded("r-2", "o-1", "2", refund_minor=10_000),
                ]
                call(base, "/api/v1/events", keys["marketplace"], {"events": events})
                yield base, logged_receipt(base, "/api/v1/orders/o-1/receipt", keys["marketplace"])


@pytest.fixture
def base(site: tuple[str, dict[str, Any]]) -> str:
    return site[0]


@pytest.fixture
def receipt(site: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    document = site[1]
    assert all(ln["log"]["entries"][0]["audit_path"] is not None for ln in document["lines"])
    return copy.deepcopy(document)


def check(page: Page, base: str, document: Any, public_key: str | None = None) -> str:
    page.goto(f"{base}/receipts/verify")
    page.wait_for_selector("#receipt-check[data-ready=true]")
    page.fill("#receipt", document if isinstance(document, str) else json.dumps(document))
    if public_key is not None:
        page.fill("#public-key", public_key)
    page.click("#receipt-check button[type=submit]")
    verdict = page.wait_for_selector("#receipt-result [data-verdict]")
    assert verdict is not None
    return str(verdict.get_attribute("data-verdict"))


def flipped(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    container = changed
    for step in path[:-1]:
        container = container[step]
    data = bytearray(base64.b64decode(container[path[-1]]))
    data[len(data) // 2] ^= 0x01
    container[path[-1]] = base64.b64encode(bytes(data)).decode()
    return changed


def test_a_valid_receipt_verifies_and_says_what_it_proved(
    base: str, browser: Browser, receipt: dict[str, Any]
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    assert check(page, base, receipt) == "verified", page.inner_text("#receipt-result")
    text = page.inner_text("#receipt-result")
    assert "opens to buyer b-1" in text and "Not proven by any receipt" in text
    assert "reversed_minor 500 is what the log holds" in text
    # The key pasted as PEM works as well as the prefilled base64.
    published = call(base, "/api/v1/log/key")
    pem = published["public_key_pem"]
    assert check(page, base, receipt, pem) == "verified"
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [
        ("lines", 0, "log", "entries", 0, "leaf"),
        ("lines", 1, "log", "entries", 1, "audit_path", 0),
        ("lines", 0, "log", "tree_head", "signature"),
        ("lines", 0, "log", "tree_head", "root_hash"),
        ("lines", 1, "log", "buyer_salt"),
    ],
    ids=["leaf", "proof", "signature", "root", "salt"],
)
def test_a_flipped_byte_fails(
    base: str, browser: Browser, receipt: dict[str, Any], path: tuple[Any, ...]
) -> None:
    page = browser.new_page()
    assert check(page, base, flipped(receipt, path)) == "not-verified"
    assert "Problem:" in page.inner_text("#receipt-result")


def test_the_browser_and_the_command_agree_on_another_key(
    base: str, browser: Browser, receipt: dict[str, Any]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from dermawan.transparency.verification import check_receipt

    other = Ed25519PrivateKey.generate().public_key()
    page = browser.new_page()
    assert check(page, base, receipt, signing.public_base64(other)) == "not-verified"
    assert not check_receipt(receipt, other).ok
    published = signing.load_public_key(call(base, "/api/v1/log/key")["public_key"])
    assert check_receipt(receipt, published).ok
    assert check(page, base, "{not json") == "refused"


def test_the_browser_says_when_effects_still_wait_for_the_log(
    base: str, browser: Browser, receipt: dict[str, Any]
) -> None:
    from dermawan.transparency.verification import check_receipt

    waiting = copy.deepcopy(receipt)
    line = waiting["lines"][1]
    line["log"]["entries"] = line["log"]["entries"][:1]  # its reversal not appended yet
    line["log"]["entries_waiting"] = 1
    page = browser.new_page()
    assert check(page, base, waiting) == "not-verified"
    said = "1 of its effects are committed and not yet in the log"
    assert said in page.inner_text("#receipt-result")
    published = signing.load_public_key(call(base, "/api/v1/log/key")["public_key"])
    assert [p for ln in check_receipt(waiting, published).lines for p in ln.problems] == [
        said + "; fetch the receipt again in a moment"
    ]
