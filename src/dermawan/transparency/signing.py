"""The log's Ed25519 key, and signed tree heads.

The private key is made once at set-up into the data directory, outside the
database, readable by its owner only (0600); a key file anyone else may read
is refused, since whoever holds the key can sign a forked history. The public
key is published (PEM, or the raw 32 bytes in base64) so that anyone can
check tree heads offline.

A tree head is signed over a canonical, versioned encoding (57 bytes):

    magic    8 bytes  b"DRMWNSTH"
    version  1 byte   1
    size     8 bytes  tree size, unsigned big-endian
    time     8 bytes  milliseconds since the Unix epoch, unsigned big-endian
    root    32 bytes  the RFC 6962 root hash of the tree of that size
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dermawan import config
from dermawan.transparency.hashing import HASH_SIZE

KEY_FILE = "log-signing-key.pem"
MAGIC = b"DRMWNSTH"
VERSION = 1
_LAYOUT = struct.Struct(f">8sBQQ{HASH_SIZE}s")
SIGNATURE_SIZE = 64


class KeyFileError(RuntimeError):
    """The signing key file is missing, unsafe, or not an Ed25519 key."""


def key_path() -> Path:
    return config.data_dir() / KEY_FILE


def create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """Make a new key into ``path`` (default: the data directory), mode 0600.

    Refuses to replace an existing key: a log has one key for its lifetime.
    """
    path = path or key_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written whole under a private name, then linked into place: a process
    # that races us sees no key or a complete one, never half a file.
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(pem)
    try:
        os.link(partial, path)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists; the log keeps the key it has") from None
    finally:
        partial.unlink()
    return key


def load_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The key in ``path`` (default: the data directory); refused unless owner-only."""
    path = path or key_path()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyFileError(f"no signing key at {path}; create one at set-up") from None
    if not stat.S_ISREG(mode):
        raise KeyFileError(f"{path} is not a regular file")
    if mode & 0o077:
        raise KeyFileError(
            f"{path} has permissions {stat.S_IMODE(mode):04o}; a signing key must be "
            f"readable by its owner only (chmod 600 {path})"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as error:
        raise KeyFileError(f"{path} is not a PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def ensure_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The key, made first if there is none yet (for set-up)."""
    path = path or key_path()
    if not path.exists():
        try:
            return create_key(path)
        except KeyFileError:
            pass  # another process made it first
    return load_key(path)


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_base64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_raw(key)).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, in hex: names the key in tree heads."""
    return hashlib.sha256(public_raw(key)).hexdigest()


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """A public key published as PEM or as base64 of the raw 32 bytes."""
    data = text.encode("ascii") if isinstance(text, str) else text
    if data.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"the PEM holds a {type(key).__name__}, not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except binascii.Error:
        raise ValueError("the public key is neither PEM nor base64") from None
    if len(raw) != 32:
        raise ValueError(f"a raw Ed25519 public key is 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp_ms: int
    root_hash: bytes

    def encode(self) -> bytes:
        """The canonical bytes a signature covers."""
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"a root hash is {HASH_SIZE} bytes, not {len(self.root_hash)}")
        return _LAYOUT.pack(MAGIC, VERSION, self.tree_size, self.timestamp_ms, self.root_hash)

    @classmethod
    def decode(cls, data: bytes) -> TreeHead:
        if len(data) != _LAYOUT.size:
            raise ValueError(f"a tree head is {_LAYOUT.size} bytes, not {len(data)}")
        magic, version, tree_size, timestamp_ms, root_hash = _LAYOUT.unpack(data)
        if magic != MAGIC:
            raise ValueError("not a dermawan tree head")
        if version != VERSION:
            raise ValueError(f"tree head version {version} is not known (knows {VERSION})")
        return cls(tree_size, timestamp_ms, root_hash)


def sign(key: Ed25519PrivateKey, head: TreeHead) -> bytes:
    return key.sign(head.encode())


def verify(key: Ed25519PublicKey, head: TreeHead, signature: bytes) -> bool:
    """Whether ``signature`` is the log key's signature of ``head``."""
    if len(signature) != SIGNATURE_SIZE:
        return False
    try:
        key.verify(signature, head.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
