"""Signed requests: HMAC-SHA256 over a timestamp, the method, the path and the body.

A client whose key has a signing secret may sign any request, and must
when the key says so. The header::

    Dermawan-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256>

signs ``"<t>.<METHOD>.<path with query>."`` followed by the raw body. A
signature whose ``t`` is more than 5 minutes from the server's clock is
refused, and so is one already used: each accepted signature is stored
(unique per key) for as long as its timestamp could pass, then purged.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from dermawan.api.keys import KeyRecord
from dermawan.api.models import SignatureUse
from dermawan.api.problems import Problem
from dermawan.webhooks.sealing import unseal

HEADER = "Dermawan-Signature"
TOLERANCE_SECONDS = 300
PURGE_ONE_IN = 64

_secrets: dict[int, tuple[str, str]] = {}  # key id -> (sealed, unsealed)


def sign(secret: str, timestamp: int, method: str, path: str, body: bytes) -> str:
    """The header value for a request (what clients do; tests and the bench use it)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, method, path, body)}"


def _digest(secret: str, timestamp: int, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}.{method.upper()}.{path}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _secret(key: KeyRecord) -> str:
    cached = _secrets.get(key.id)
    if cached is None or cached[0] != key.signing_secret_sealed:
        cached = _secrets[key.id] = (key.signing_secret_sealed, unseal(key.signing_secret_sealed))
    return cached[1]


def _parse(header: str) -> tuple[int, str]:
    fields = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        raise Problem(
            "bad-signature", f"{HEADER} must read t=<Unix seconds>,v1=<hex HMAC-SHA256>"
        ) from None
    return timestamp, given


def check(request: HttpRequest, key: KeyRecord, now: float | None = None) -> None:
    """Refuse the request unless its signature (if any, or required) is good and fresh."""
    header = request.headers.get(HEADER)
    if header is None:
        if key.require_signature:
            raise Problem("signature-required", f"this key's requests need a {HEADER} header")
        return
    if not key.signing_secret_sealed:
        raise Problem("bad-signature", "this key has no signing secret")
    timestamp, given = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        raise Problem(
            "signature-expired",
            f"the signature's timestamp {timestamp} is more than {TOLERANCE_SECONDS} s "
            f"from the server's clock ({int(current)})",
        )
    expected = _digest(_secret(key), timestamp, request.method or "", request.get_full_path(),
                       request.body)  # fmt: skip
    if not hmac.compare_digest(expected, given.lower()):
        raise Problem("bad-signature", "the signature does not match the request")
    _remember(key.id, expected, timestamp, current)


def _remember(key_id: int, signature: str, timestamp: int, now: float) -> None:
    try:
        with transaction.atomic():
            SignatureUse.objects.create(key_id=key_id, signature=signature, timestamp=timestamp)
    except IntegrityError:
        raise Problem("signature-replayed", "this signature was already used") from None
    if random.randrange(PURGE_ONE_IN) == 0:
        SignatureUse.objects.filter(timestamp__lt=int(now) - 2 * TOLERANCE_SECONDS).delete()
