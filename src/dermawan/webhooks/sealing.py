"""Secrets the server must read back (webhook and request-signing secrets), sealed.

They cannot be hashed like API keys, since the server computes HMACs with
them; so they are encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a
key derived from DERMAWAN_SECRET_KEY. A database dump alone does not reveal
them; changing the secret key makes them unreadable (rotate both together).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


@cache
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"dermawan-sealing:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    return _fernet(settings.SECRET_KEY).decrypt(sealed.encode("ascii")).decode()
