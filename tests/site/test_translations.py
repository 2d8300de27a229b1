"""Every string the site and sign-in show is translated, with the same placeholders."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "dermawan"
CATALOGS = [
    SRC / app / "locale" / lang / "LC_MESSAGES" / "django.po"
    for app in ("site", "accounts")
    for lang in ("id", "zh_Hans")
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def entries(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs; plural entries give their first form."""
    pairs: list[tuple[str, str]] = []
    msgid = msgstr = None
    key = None
    for line in [*path.read_text().splitlines(), ""]:
        if line.startswith("msgid "):
            msgid, key = ast.literal_eval(line[6:]), "id"
        elif line.startswith(("msgstr ", "msgstr[0] ")):
            msgstr, key = ast.literal_eval(line.split(" ", 1)[1]), "str"
        elif line.startswith('"') and key == "id":
            msgid = (msgid or "") + ast.literal_eval(line)
        elif line.startswith('"') and key == "str":
            msgstr = (msgstr or "") + ast.literal_eval(line)
        elif not line.strip() and msgid is not None:
            if msgid:
                pairs.append((msgid, msgstr or ""))
            msgid = msgstr = key = None
    return pairs


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-5]}-{p.parts[-3]}")
def test_every_message_is_translated_with_its_placeholders(path: Path) -> None:
    found = entries(path)
    assert len(found) > 5
    for msgid, msgstr in found:
        assert msgstr, f"{path}: {msgid!r} is not translated"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: f"{p.parts[-5]}-{p.parts[-3]}")
def test_the_compiled_catalog_says_what_its_source_says(path: Path) -> None:
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"run 'django-admin compilemessages' in {path.parents[3]}"
    with compiled.open("rb") as file:
        catalog = gettext.GNUTranslations(file)
    for msgid, msgstr in entries(path):
        assert catalog.gettext(msgid) == msgstr or catalog.ngettext(msgid, msgid, 1) == msgstr, (
            f"{compiled} is stale for {msgid!r}: run 'django-admin compilemessages'"
        )
