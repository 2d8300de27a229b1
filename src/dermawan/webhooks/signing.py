"""Signing what we send (Standard Webhooks style, HMAC-SHA256).

Headers: ``webhook-id`` (the delivery id: one message to one endpoint,
the same on every retry, so a receiver can drop a delivery it has seen),
``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``). The signature
covers the timestamp and the delivery id, so a receiver can refuse replays:
an old timestamp, or an id it already processed.

A secret is ``whsec_`` and base64 of random bytes (we generate these), or
any other string of at least 24 characters, used as its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
MIN_SECRET_LENGTH = 24


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except ValueError:
            pass
    return secret.encode()


def signature(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, delivery_id, timestamp, body),
    }


def verify(
    secret: str, headers: dict[str, str], body: bytes, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does (used by tests and documented for the marketplace)."""
    try:
        timestamp = int(headers["webhook-timestamp"])
        delivery_id = headers["webhook-id"]
        given = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, delivery_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in given)
