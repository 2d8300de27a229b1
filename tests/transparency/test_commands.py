"""``dermawan log-key`` sets the key up and publishes it; ``dermawan log-sign`` signs what
a quiet spell left unsigned."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from dermawan.core import bulk
from dermawan.transparency import heads, signing
from tests.donations.builders import call, call_json, ingest, load_default_catalog, paid

pytestmark = pytest.mark.django_db


def test_log_key_makes_an_owner_only_key_once_and_prints_it(
    own_data_directory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, made = call_json("log_key", capsys=capsys)
    path = own_data_directory / signing.KEY_FILE
    assert code == 0 and made["created"] is True and made["path"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = signing.load_key(path).public_key()
    assert made["public_key"] == signing.public_base64(key)
    assert made["key_id"] == signing.key_id(key)
    code, text = call("log_key", capsys=capsys)
    assert code == 0 and f"kept at {path}" in text and made["public_key"] in text
    assert "BEGIN PUBLIC KEY" in text


def test_log_key_refuses_a_key_others_may_read(
    own_data_directory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call("log_key", capsys=capsys)
    (own_data_directory / signing.KEY_FILE).chmod(0o644)
    code, text = call("log_key", capsys=capsys)
    assert code == 2 and text == ""  # refused: nothing printed as a result


def test_log_sign_signs_only_when_the_log_grew(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DERMAWAN_LOG_HEAD_INTERVAL_MS = 3_600_000
    load_default_catalog()
    ingest(paid("p-1", "o-1", "1"), paid("p-2", "o-1", "2"), batch_size=1)
    code, within = call_json("log_sign", capsys=capsys)
    assert code == 0 and within["signed"] is False and within["head"]["tree_size"] == 1
    code, forced = call_json("log_sign", "--force", capsys=capsys)
    assert code == 0 and forced["signed"] is True and forced["head"]["tree_size"] == 2
    code, text = call("log_sign", "--force", capsys=capsys)
    assert code == 0 and text.startswith("No new head: the latest covers 2 of 2")
    signed = heads.latest(bulk.raw_cursor())
    assert signed is not None and signed.head.tree_size == 2
