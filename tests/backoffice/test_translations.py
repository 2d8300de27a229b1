"""Every back-office string is translated into Indonesian and Simplified Chinese, and pages
follow the browser's language or the switch's cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.backoffice.conftest import People

LOCALE = Path(__file__).parents[2] / "src" / "dermawan" / "backoffice" / "locale"


def flat(text: Any) -> Any:
    """A message's id or string: text, or (singular, plural) however the reader typed it."""
    return tuple(text) if isinstance(text, list | tuple) else text


@pytest.mark.parametrize("language", ["id", "zh_Hans"])
def test_every_message_is_translated(language: str) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        catalog = read_po(po)
    untranslated = [m.id for m in catalog if m.id and not all(m.string or [""])]
    assert untranslated == []
    assert len(catalog) > 200
    # The compiled catalog Django reads says the same (compilemessages was run).
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = {flat(m.id): flat(m.string) for m in read_mo(mo) if m.id}
    assert compiled == {flat(m.id): flat(m.string) for m in catalog if m.id}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("", "", "Janji donasi Anda"),  # Indonesian by default
        ("en-US,en;q=0.9", "", "Your pledges"),
        ("zh-CN,zh;q=0.9", "", "您的捐赠承诺"),
        ("en-US", "zh-hans", "您的捐赠承诺"),  # the switch wins over the browser
    ],
)
def test_pages_speak_the_chosen_language(
    people: People, header: str, cookie: str, expected: str
) -> None:
    if cookie:
        people.merchant.cookies["dermawan_language"] = cookie
    page = people.merchant.get("/office/merchant/", HTTP_ACCEPT_LANGUAGE=header)
    assert expected in page.content.decode()
