"""The log's key stays its owner's; tree heads are signed over one canonical encoding."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from dermawan.transparency import signing
from dermawan.transparency.signing import KeyFileError, TreeHead
from tests.transparency import vectors as v
from tests.transparency.support import PURE, flipped

HEAD = TreeHead(tree_size=8, timestamp_ms=1_795_000_000_123, root_hash=v.ROOTS[8])
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # a fixed key for examples


def test_the_key_is_made_in_the_data_directory_for_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERMAWAN_DATA_DIR", str(tmp_path / "data"))
    key = signing.ensure_key()
    path = tmp_path / "data" / "log-signing-key.pem"
    assert signing.key_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = signing.ensure_key()  # set-up run twice keeps the key
    assert signing.public_raw(again.public_key()) == signing.public_raw(key.public_key())


def test_an_existing_key_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    signing.create_key(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        signing.create_key(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o601])
def test_a_key_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "key.pem"
    signing.create_key(path)
    os.chmod(path, mode)
    with pytest.raises(KeyFileError, match=f"permissions {mode:04o}.*chmod 600"):
        signing.load_key(path)


def test_an_owner_only_key_loads(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    key = signing.create_key(path)
    os.chmod(path, 0o400)
    assert signing.public_raw(signing.load_key(path).public_key()) == signing.public_raw(
        key.public_key()
    )


def test_missing_or_wrong_key_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no signing key"):
        signing.load_key(tmp_path / "none.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    os.chmod(junk, 0o600)
    with pytest.raises(KeyFileError, match="not a PEM private key"):
        signing.load_key(junk)
    with pytest.raises(KeyFileError, match="not a regular file"):
        signing.load_key(tmp_path)


def test_the_public_key_is_published_as_pem_and_raw_base64() -> None:
    public = KEY.public_key()
    pem, raw = signing.public_pem(public), signing.public_base64(public)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert len(signing.public_raw(public)) == 32
    for text in (pem, raw, pem.encode(), f"  {raw}\n"):
        loaded = signing.load_public_key(text)
        assert signing.public_raw(loaded) == signing.public_raw(public)
    assert len(signing.key_id(public)) == 64
    with pytest.raises(ValueError, match="32 bytes"):
        signing.load_public_key("AAAA")
    with pytest.raises(ValueError, match="neither PEM nor base64"):
        signing.load_public_key("not base64!")


def test_a_tree_head_has_one_encoding() -> None:
    data = HEAD.encode()
    assert len(data) == 57
    assert data[:9] == b"DRMWNSTH\x01"
    assert data[9:17] == (8).to_bytes(8, "big")
    assert data[17:25] == (1_795_000_000_123).to_bytes(8, "big")
    assert data[25:] == v.ROOTS[8]
    assert TreeHead.decode(data) == HEAD


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (HEAD.encode()[:-1], "57 bytes"),
        (HEAD.encode() + b"\x00", "57 bytes"),
        (b"X" + HEAD.encode()[1:], "not a dermawan tree head"),
        (HEAD.encode()[:8] + b"\x02" + HEAD.encode()[9:], "version 2"),
    ],
)
def test_other_bytes_are_not_a_tree_head(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        TreeHead.decode(data)


def test_a_signed_head_verifies_with_the_log_key_only() -> None:
    signature = signing.sign(KEY, HEAD)
    assert signing.verify(KEY.public_key(), HEAD, signature)
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    assert not signing.verify(other.public_key(), HEAD, signature)
    assert not signing.verify(KEY.public_key(), HEAD, signature[:-1])
    assert not signing.verify(KEY.public_key(), replace(HEAD, tree_size=9), signature)
    assert not signing.verify(KEY.public_key(), replace(HEAD, timestamp_ms=0), signature)


@PURE
@given(position=st.integers(0, 63), bit=st.integers(0, 7))
def test_a_flipped_signature_bit_fails(position: int, bit: int) -> None:
    signature = flipped(signing.sign(KEY, HEAD), position, bit)
    assert not signing.verify(KEY.public_key(), HEAD, signature)


@PURE
@given(position=st.integers(0, 56), bit=st.integers(0, 7))
def test_a_flipped_head_bit_fails(position: int, bit: int) -> None:
    signature = signing.sign(KEY, HEAD)
    changed = flipped(HEAD.encode(), position, bit)
    try:
        head = TreeHead.decode(changed)
    except ValueError:
        return  # not even a tree head any more
    assert not signing.verify(KEY.public_key(), head, signature)
