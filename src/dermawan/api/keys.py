"""API keys: made and shown once, stored as argon2 hashes, checked fast, revocable.

A key reads ``dw_<prefix>_<secret>``. The prefix finds the row (unique
index); the whole key is checked against its argon2 hash once per process,
then remembered as a SHA-256 digest, so a request costs no argon2 work. The
row itself is remembered for ``KEY_TTL_SECONDS`` (decision 0031), so a busy
key costs no database read per request: a revocation stops the key at once
in the process that revokes it and within that time in every other one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

import argon2
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dermawan.api.models import ApiKey
from dermawan.webhooks.sealing import seal

KEY_PREFIX = "dw"
SIGNING_PREFIX = "dws_"
KINDS = (ApiKey.MARKETPLACE, ApiKey.MERCHANT, ApiKey.CHARITY, ApiKey.ADMIN)
OWNED_KINDS = (ApiKey.MERCHANT, ApiKey.CHARITY)
_VERIFIED_LIMIT = 10_000
# How long a server process trusts a key's row without reading it again.
KEY_TTL_SECONDS = 2.0


@cache
def _hasher(profile: str) -> argon2.PasswordHasher:
    return argon2.PasswordHasher.from_parameters(getattr(argon2.profiles, profile))


def hasher() -> argon2.PasswordHasher:
    """argon2id; ``DERMAWAN_ARGON2_PROFILE`` names an argon2.profiles entry (tests go cheap)."""
    return _hasher(getattr(settings, "DERMAWAN_ARGON2_PROFILE", "RFC_9106_LOW_MEMORY"))


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once
    signing_secret: str | None


def create_key(
    kind: str,
    owner_id: str = "",
    *,
    name: str = "",
    signing: bool = False,
    require_signature: bool = False,
    rate_per_second: float | None = None,
    burst: int | None = None,
) -> NewKey:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if (kind in OWNED_KINDS) != bool(owner_id):
        raise ValueError(f"a {kind} key {'needs' if kind in OWNED_KINDS else 'takes no'} owner id")
    prefix = secrets.token_hex(6)
    whole = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    signing_secret = (
        SIGNING_PREFIX + secrets.token_urlsafe(32) if signing or require_signature else None
    )
    key = ApiKey.objects.create(
        prefix=prefix,
        kind=kind,
        owner_id=owner_id,
        name=name,
        secret_hash=hasher().hash(whole),
        signing_secret_sealed=seal(signing_secret) if signing_secret else "",
        require_signature=require_signature,
        rate_per_second=rate_per_second,
        burst=burst,
    )
    return NewKey(key, whole, signing_secret)


class KeyRecord(NamedTuple):
    """What a request needs of its key, read with one raw query (no ORM on the hot path)."""

    id: int
    prefix: str
    kind: str
    owner_id: str
    secret_hash: str
    signing_secret_sealed: str
    require_signature: bool
    rate_per_second: float | None
    burst: int | None
    revoked_at: datetime | str | None


SELECT_KEY = (
    "SELECT id, prefix, kind, owner_id, secret_hash, signing_secret_sealed, require_signature,"
    " rate_per_second, burst, revoked_at FROM api_apikey WHERE prefix = %s"
)


def prefix_of(presented: str) -> str | None:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


_verified: dict[str, bytes] = {}


def matches(key: KeyRecord | ApiKey, presented: str) -> bool:
    """Whether ``presented`` is ``key``'s secret (argon2 once, then a digest compare)."""
    digest = hashlib.sha256(presented.encode()).digest()
    known = _verified.get(key.prefix)
    if known is not None and hmac.compare_digest(known, digest):
        return True
    try:
        hasher().verify(key.secret_hash, presented)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False
    if len(_verified) >= _VERIFIED_LIMIT:
        _verified.clear()
    _verified[key.prefix] = digest
    return True


# prefix -> (the key's row, when it was read): known keys only, so that
# requests with made-up prefixes cannot fill it.
_rows: dict[str, tuple[KeyRecord, float]] = {}


def find(presented: str) -> KeyRecord | None:
    """The key ``presented`` names, if its secret matches (revoked or not)."""
    prefix = prefix_of(presented)
    if prefix is None:
        return None
    key = _row(prefix)
    return key if key is not None and matches(key, presented) else None


def _row(prefix: str) -> KeyRecord | None:
    now = time.monotonic()
    remembered = _rows.get(prefix)
    if remembered is not None and now - remembered[1] < KEY_TTL_SECONDS:
        return remembered[0]
    with connection.cursor() as cursor:
        cursor.execute(SELECT_KEY, [prefix])
        row = cursor.fetchone()
    if row is None:
        _rows.pop(prefix, None)
        return None
    key = KeyRecord(*row)
    key = key._replace(require_signature=bool(key.require_signature))
    if len(_rows) >= _VERIFIED_LIMIT:
        _rows.clear()
    _rows[prefix] = (key, now)
    return key


def revoke(prefix_or_key: str) -> ApiKey | None:
    """Revoke by prefix or whole key; the key stops working on the next request."""
    prefix = prefix_of(prefix_or_key) or prefix_or_key
    key = ApiKey.objects.filter(prefix=prefix).first()
    if key is None:
        return None
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    _verified.pop(prefix, None)
    _rows.pop(prefix, None)
    return key
